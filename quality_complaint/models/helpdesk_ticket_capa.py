# The corrective and preventive action notices of a complaint: drafting one
# from the complaint's investigation, and the smart button.
from odoo import fields, models


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "quality.capa.notice.source.mixin"]
    _capa_notice_link = "ticket_id"

    capa_notice_ids = fields.One2many(
        comodel_name="quality.capa.notice",
        inverse_name="ticket_id",
        string="CAPA Notices",
        groups="quality_complaint.group_quality_complaint_user",
    )
    capa_notice_count = fields.Integer(
        compute="_compute_capa_notice_count",
        groups="quality_complaint.group_quality_complaint_user",
    )
