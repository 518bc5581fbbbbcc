from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    quality_claim_response_days = fields.Integer(
        string="Supplier Claim Response (Days)",
        default=10,
        help="Days the vendor has to answer a supplier claim once it is sent.",
    )
