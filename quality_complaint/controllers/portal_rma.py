from odoo.http import request

from .portal import QualityComplaintPortal


class QualityComplaintRmaPortal(QualityComplaintPortal):
    """The complaint page lists the complaint's RMAs, linked to rma's own
    portal pages; the user's record rules decide which it sees."""

    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        # not ticket.rma_ids: the ticket is read as superuser here
        rmas = request.env["rma"]
        if rmas.has_access("read"):
            rmas = rmas.search([("ticket_id", "=", ticket.id)])
        values["complaint_rmas"] = rmas
        return values
