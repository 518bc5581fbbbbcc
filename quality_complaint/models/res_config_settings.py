from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    quality_claim_response_days = fields.Integer(
        related="company_id.quality_claim_response_days", readonly=False
    )
