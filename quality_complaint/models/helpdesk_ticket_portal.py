# What a portal user sees of complaints besides its own company's: read-only,
# the complaints its company services (谁销售谁服务), without the customer's answer.
from odoo import models
from odoo.tools import SQL

# Of a complaint its company only services, a portal user never reads these:
# the customer's follow-up answer, and the token that opens the whole page and
# chatter as the customer.
SERVICED_HIDDEN_FIELDS = (
    "satisfaction",
    "follow_up_feedback",
    "access_token",
    "rating_ids",
    "rating_last_value",
    "rating_last_feedback",
)


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        hidden = [fname for fname in SERVICED_HIDDEN_FIELDS if fname in fnames]
        if hidden and self.env.user.share and not self.env.su:
            serviced = set(self._get_serviced_only_ids(self.ids))
            for values in result:
                if values["id"] in serviced:
                    values.update(dict.fromkeys(hidden, False))
        return result

    def _is_serviced_only(self):
        """This complaint is readable by the portal user only because its
        company services it (it is not the user's company's)."""
        self.ensure_one()
        return self.id in self._get_serviced_only_ids(self.ids)

    def _get_serviced_only_ids(self, ids):
        """Of `ids`, the complaints the current user's company services for
        another customer.

        :return: list of ticket ids
        """
        if not ids:
            return []
        self.flush_model(
            ["is_quality_complaint", "commercial_partner_id", "service_partner_id"]
        )
        company = self.env.user.commercial_partner_id.id
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM helpdesk_ticket
                 WHERE id = ANY(%(ids)s)
                   AND is_quality_complaint
                   AND service_partner_id = %(company)s
                   AND commercial_partner_id IS DISTINCT FROM %(company)s
                """,
                ids=list(ids),
                company=company,
            )
        )
        return [ticket_id for (ticket_id,) in rows]
