from odoo import fields, models

CAUSE_CATEGORIES = [
    ("production", "Production"),
    ("material", "Supplier Material"),
    ("design", "Design"),
    ("transport", "Transport"),
    ("service", "Service"),
    ("misuse", "Customer Misuse"),
    ("unfounded", "Unfounded"),
    ("other", "Other"),
]


class QualityInvestigationMixin(models.AbstractModel):
    """The eight disciplines (8D) of a quality investigation, shared by
    complaints and batch problems. D5-D7 actions are `quality.action` records
    linked to the investigated record."""

    _name = "quality.investigation.mixin"
    _description = "Quality Investigation (8D)"

    # D1 team
    investigation_user_ids = fields.Many2many(
        comodel_name="res.users",
        string="8D Team",
        domain="[('share', '=', False)]",
        groups="base.group_user",
        help="D1: the people who investigate and solve the problem.",
    )
    # D2 problem description: 5W2H and is / is not
    problem_what = fields.Text(
        string="What", groups="base.group_user", help="D2: the symptom, on what."
    )
    problem_where = fields.Text(
        string="Where",
        groups="base.group_user",
        help="D2: where it was found (customer, region, installation).",
    )
    problem_when = fields.Text(
        string="When", groups="base.group_user", help="D2: when, how often."
    )
    problem_how_many = fields.Text(
        string="How Many", groups="base.group_user", help="D2: units, lots, ratio."
    )
    problem_is = fields.Text(
        string="Is", groups="base.group_user", help="D2: where the problem is seen."
    )
    problem_is_not = fields.Text(
        string="Is Not",
        groups="base.group_user",
        help="D2: where it could be seen but is not (other lots, models, sites).",
    )
    # D3 containment
    containment = fields.Html(
        groups="base.group_user",
        help="D3: what protects the customers now (sorting, holding, replacing).",
    )
    # D4 root cause: 5 Why
    why_1 = fields.Text(groups="base.group_user")
    why_2 = fields.Text(groups="base.group_user")
    why_3 = fields.Text(groups="base.group_user")
    why_4 = fields.Text(groups="base.group_user")
    why_5 = fields.Text(groups="base.group_user")
    cause_category = fields.Selection(
        selection=CAUSE_CATEGORIES,
        tracking=True,
        index=True,
        groups="base.group_user",
    )
    responsible_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Responsible Vendor",
        tracking=True,
        index="btree_not_null",
        groups="base.group_user",
        help="Vendor held responsible when the cause is supplier material.",
    )
    root_cause = fields.Html(groups="base.group_user")
    # D6 verification of the corrective actions
    effectiveness_verification = fields.Html(
        string="Verification of Effectiveness",
        groups="base.group_user",
        help="D6: how the corrective actions were shown to work.",
    )
    # D7 prevention
    prevention = fields.Html(
        string="Prevention of Recurrence",
        groups="base.group_user",
        help="D7: standards, FMEA, control plans and instructions updated.",
    )
    # D8 closure
    lessons_learned = fields.Html(
        groups="base.group_user",
        help="D8: closure of the 8D, lessons learned and team recognition.",
    )
    investigation_closed_date = fields.Date(
        string="8D Closed On", groups="base.group_user", copy=False
    )

    def _get_five_whys(self):
        """The answered whys, in order, for forms and reports."""
        self.ensure_one()
        return [
            (index, self[f"why_{index}"])
            for index in range(1, 6)
            if (self[f"why_{index}"] or "").strip()
        ]
