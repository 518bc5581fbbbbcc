from contextlib import contextmanager

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, mute_logger

CODE_UNIQUE_INDEX = "quality_defect_type_code_company_uniq"
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
        # One code per company, also for shared (company-less) defect types,
        # on every PostgreSQL version Odoo supports (no NULLS NOT DISTINCT).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s"
                " ON %s (code, COALESCE(company_id, 0))",
                SQL.identifier(CODE_UNIQUE_INDEX),
                SQL.identifier(self._table),
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        with self._refuse_duplicate_code([vals.get("code") for vals in vals_list]):
            return super().create(vals_list)

    def write(self, vals):
        if "code" not in vals and "company_id" not in vals:
            return super().write(vals)
        codes = [vals["code"]] if vals.get("code") else self.mapped("code")
        with self._refuse_duplicate_code(codes):
            return super().write(vals)

    @contextmanager
    def _refuse_duplicate_code(self, codes):
        """Turn the unique index's violation into a message naming the code."""
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                yield
                self.env.flush_all()
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != CODE_UNIQUE_INDEX:
                raise
            raise ValidationError(
                self.env._(
                    "A defect type with the code %(codes)s already exists in this "
                    "company. Codes must be unique per company.",
                    codes=", ".join(sorted({code for code in codes if code})),
                )
            ) from None

    def _compute_display_name(self):
        for defect in self:
            defect.display_name = f"[{defect.code}] {defect.name}"
