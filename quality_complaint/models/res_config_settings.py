from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    quality_claim_response_days = fields.Integer(
        related="company_id.quality_claim_response_days", readonly=False
    )
    quality_capa_answer_days = fields.Integer(
        related="company_id.quality_capa_answer_days", readonly=False
    )
    quality_alert_partner_ids = fields.Many2many(
        related="company_id.quality_alert_partner_ids", readonly=False
    )
    quality_portal_max_quantity = fields.Integer(
        related="company_id.quality_portal_max_quantity", readonly=False
    )
    quality_portal_max_upload_mb = fields.Integer(
        related="company_id.quality_portal_max_upload_mb", readonly=False
    )
    quality_quarantine_location_id = fields.Many2one(
        related="company_id.quality_quarantine_location_id", readonly=False
    )
