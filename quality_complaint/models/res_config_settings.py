from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    quality_claim_response_days = fields.Integer(
        related="company_id.quality_claim_response_days", readonly=False
    )
    quality_quarantine_location_id = fields.Many2one(
        related="company_id.quality_quarantine_location_id", readonly=False
    )
