# The portal's ticket list and ticket page as a complaint customer meets them:
# its own teams' stages to filter by, labels in its language, a confirmation.
from collections import OrderedDict

from odoo import http
from odoo.http import request

from .portal import QualityComplaintPortal

# Set by the complaint form when it registered a complaint (its id).
REGISTERED_SESSION_KEY = "quality_complaint_registered"


class QualityComplaintPortalTickets(QualityComplaintPortal):
    @http.route()
    def portal_my_tickets(self, **kw):
        response = super().portal_my_tickets(**kw)
        qcontext = getattr(response, "qcontext", None)
        if qcontext and "searchbar_filters" in qcontext:
            qcontext["searchbar_filters"] = self._ticket_get_searchbar_filters()
        return response

    def _ticket_get_searchbar_filters(self):
        """ "All" and the stages of the teams of the user's tickets (and the
        stages they are in), in their order; helpdesk_mgmt lists every stage
        of every team. A name two teams' stages share is told apart by the
        team.

        The keys are stage ids, as helpdesk_mgmt filters by them.
        """
        env = request.env
        Ticket = env["helpdesk.ticket"]
        groups = Ticket._read_group([], ["team_id", "stage_id"])
        stages = env["helpdesk.ticket.stage"].browse(
            {stage.id for __, stage in groups if stage}
        )
        for team in {team for team, __ in groups}:
            stages |= team.sudo()._get_applicable_stages()
        stages = stages.sudo().sorted(lambda s: (s.sequence, s.id))
        names = [stage.name for stage in stages]
        filters = OrderedDict(all={"label": env._("All"), "domain": []})
        for stage in stages:
            label = stage.name
            if names.count(label) > 1 and stage.team_ids:
                label = f"{label} ({', '.join(stage.team_ids.mapped('name'))})"
            filters[str(stage.id)] = {
                "label": label,
                "domain": [("stage_id", "=", stage.id)],
            }
        return filters

    # helpdesk_mgmt's labels are Python strings: translatable only as ours

    def _ticket_get_searchbar_sortings(self):
        sortings = super()._ticket_get_searchbar_sortings()
        labels = {
            "date": request.env._("Newest"),
            "name": request.env._("Title"),
            "stage": request.env._("Stage"),
            "update": request.env._("Last Stage Update"),
        }
        for key, label in labels.items():
            if key in sortings:
                sortings[key]["label"] = label
        return sortings

    def _ticket_get_searchbar_groupby(self):
        groupby = super()._ticket_get_searchbar_groupby()
        labels = {
            "none": request.env._("None"),
            "category": request.env._("Category"),
            "stage": request.env._("Stage"),
        }
        for key, label in labels.items():
            if key in groupby:
                groupby[key]["label"] = label
        return groupby

    def _ticket_get_searchbar_inputs(self):
        inputs = super()._ticket_get_searchbar_inputs()
        labels = {
            "all": request.env._("Search in All"),
            "number": request.env._("Search in Number"),
            "name": request.env._("Search in Title"),
        }
        for key, label in labels.items():
            if key in inputs:
                inputs[key]["label"] = label
        return inputs

    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        if request.session.get(REGISTERED_SESSION_KEY) == ticket.id:
            # said once, on the page the complaint form leads to
            request.session.pop(REGISTERED_SESSION_KEY)
            values["complaint_registered"] = True
        return values
