from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

SEVERITIES = [
    ("critical", "Critical"),
    ("major", "Major"),
    ("minor", "Minor"),
]


class QualityDefectType(models.Model):
    _name = "quality.defect.type"
    _description = "Defect Type (Failure Mode)"
    _order = "code, id"
    _rec_names_search = ["code", "name"]
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    default_severity = fields.Selection(
        selection=SEVERITIES,
        default="major",
        required=True,
        help="Severity proposed on a complaint when this defect type is chosen.",
    )
    description = fields.Text(translate=True)
    product_categ_ids = fields.Many2many(
        comodel_name="product.category",
        string="Product Categories",
        help="Product categories this failure mode applies to; empty for all.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True)

    def init(self):
        # The database guarantee behind _check_code_unique, also for shared
        # (company-less) defect types, on every supported PostgreSQL version.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS quality_defect_type_code_company_uniq"
                " ON quality_defect_type (code, COALESCE(company_id, 0))"
            )
        )

    @api.constrains("code", "company_id")
    def _check_code_unique(self):
        groups = self.with_context(active_test=False)._read_group(
            [
                ("code", "in", self.mapped("code")),
                ("company_id", "in", self.company_id.ids + [False]),
            ],
            ["code", "company_id"],
            ["__count"],
        )
        duplicates = [
            code
            for code, company, count in groups
            if count > 1 and (code, company) in {(d.code, d.company_id) for d in self}
        ]
        if duplicates:
            raise ValidationError(
                self.env._(
                    "A defect type with the code %(codes)s already exists in this "
                    "company. Codes must be unique per company.",
                    codes=", ".join(sorted(duplicates)),
                )
            )

    def _compute_display_name(self):
        for defect in self:
            defect.display_name = f"[{defect.code}] {defect.name}"
