from odoo import http
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController
from odoo.addons.rating.controllers.main import Rating


class QualityComplaintTicketController(HelpdeskTicketController):
    @http.route()
    def create_new_ticket(self, **kw):
        """The portal's "+ New" leads complaint customers to the complaint
        form; ``generic=1`` keeps helpdesk's form (the complaint form links
        to it for other requests)."""
        if not kw.get("generic") and self._files_quality_complaints():
            return request.redirect("/my/quality/complaint/new")
        return super().create_new_ticket(**kw)

    def _files_quality_complaints(self):
        """A portal user whose tickets are all quality complaints (or who has
        none yet), when a quality team takes complaints."""
        user = request.env.user
        if not user.share:
            return False
        Team = request.env["helpdesk.ticket.team"].sudo()
        if not Team.search_count([("is_quality_team", "=", True)], limit=1):
            return False
        return not request.env["helpdesk.ticket"].search_count(
            [("is_quality_complaint", "=", False)], limit=1
        )

    @http.route()
    def support_ticket_close(self, **kw):
        """helpdesk_mgmt moves the ticket given by id as superuser, whoever
        asks: here only a ticket the user may read, and only to a stage of the
        ticket's team that customers may close it to. Anything else does not
        exist for the user (404), like another customer's ticket page."""
        ticket_id, stage_id = kw.get("ticket_id", ""), kw.get("stage_id", "")
        if not (ticket_id.isdigit() and stage_id.isdigit()):
            return request.not_found()
        ticket = request.env["helpdesk.ticket"].browse(int(ticket_id)).exists()
        if not ticket or not ticket.has_access("read"):
            return request.not_found()
        stages = ticket.sudo().team_id._get_applicable_stages()
        if not stages.filtered(
            lambda stage: stage.id == int(stage_id) and stage.close_from_portal
        ):
            return request.not_found()
        return super().support_ticket_close(**kw)


class QualityComplaintRating(Rating):
    @http.route()
    def action_submit_rating(self, token, rate=0, **kwargs):
        """Odoo reads the posted rate with int(): "nan", "1e9" or "x" ended in a
        server error page. A rate that is not one of the offered ones is a
        bad request, and nothing is stored."""
        if request.httprequest.method == "POST" and str(rate) not in ("1", "3", "5"):
            # only a hand-made request gets here: the rating page offers 1, 3, 5
            return request.make_response(
                request.env._("Choose one of the offered ratings."),
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                status=400,
            )
        return super().action_submit_rating(token, rate=rate, **kwargs)
