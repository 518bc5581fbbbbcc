# The corrective and preventive action notices of a complaint: drafting one
# from the complaint's investigation, and the smart button.
from odoo import api, fields, models

from ..tools import action_open_records


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

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

    @api.depends("capa_notice_ids")
    def _compute_capa_notice_count(self):
        counts = dict(
            self.env["quality.capa.notice"]._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
            )
        )
        for ticket in self:
            ticket.capa_notice_count = counts.get(ticket, 0)

    def action_create_capa_notice(self):
        """A draft notice to the party responsible for the complaint."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_capa_notice_action"
        )
        action.update(
            views=[(False, "form")],
            context={
                "default_ticket_id": self.id,
                "default_company_id": self.company_id.id,
            },
        )
        return action

    def action_view_capa_notices(self):
        self.ensure_one()
        return action_open_records(
            self.capa_notice_ids, "quality_complaint.quality_capa_notice_action"
        )
