# The deadline milestones of a complaint (quality.complaint.sla): planned from
# the policies, re-planned on severity or team changes, met by phases and replies;
# their status and countdown come from quality.sla.mixin.
from odoo import fields, models

from .helpdesk_ticket_stage import FORWARD_PHASES

# Writing these re-plans the SLA milestones (severity is computed from the last two).
SLA_PLANNING_FIELDS = {"severity", "team_id", "defect_type_id", "safety_risk"}


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "quality.sla.mixin"]

    sla_ids = fields.One2many(
        comodel_name="quality.complaint.sla",
        inverse_name="ticket_id",
        string="SLA Milestones",
        groups="quality_complaint.group_quality_complaint_user",
    )

    def _get_sla_calendar(self):
        # the team's working hours, else the company's
        self.ensure_one()
        return self.team_id.resource_calendar_id or self.company_id.resource_calendar_id

    def _message_post_after_hook(self, message, msg_vals):
        # The first public answer of the company to the customer meets `response`.
        res = super()._message_post_after_hook(message, msg_vals)
        if (
            message.message_type == "comment"
            and not message.is_internal
            and message.subtype_id == self.env.ref("mail.mt_comment")
            and message.author_id.user_ids.filtered(lambda user: not user.share)
        ):
            self.sudo().sla_ids.filtered(
                lambda sla: sla.milestone == "response" and not sla.reached_date
            )._reach(fields.Datetime.now())
        return res

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _sla_on_write(self, vals):
        """Hook of `write`: re-plan, meet or cancel the milestones the written
        values concern."""
        stage_changed = "stage_id" in vals
        if stage_changed or SLA_PLANNING_FIELDS & set(vals):
            self._sla_sync()
        if stage_changed:
            self._sla_reach_phase()
        if "active" in vals and not vals["active"]:
            self.sudo().sla_ids._cancel_running()

    def _sla_sync(self):
        """Create the milestones the complaints' policies call for and re-plan
        the ones not reached yet (severity, team or phase changed). Deadlines of
        all complaints are planned together."""
        Sla = self.env["quality.complaint.sla"].sudo()
        # read as superuser once, not per complaint, and in one query, not a
        # thousand complaints at a time (the ORM's prefetch)
        tickets = self.sudo()
        tickets.fetch(
            [
                "is_quality_complaint",
                "active",
                "company_id",
                "team_id",
                "severity",
                "create_date",
                "quality_phase",
                "sla_ids",
            ]
        )
        tickets.sla_ids.fetch(["milestone", "state", "reached_date", "start_date"])
        complaints = tickets.filtered(lambda t: t.is_quality_complaint and t.active)
        (tickets - complaints).sla_ids._cancel_running()
        if not complaints:
            return
        policies = (
            self.env["quality.sla.policy"]
            .sudo()
            .search([("applies_to", "=", "complaint")])
        )
        now = fields.Datetime.now()
        to_create, to_replan, to_cancel = [], [], Sla
        applicable_by_key = {}  # complaints of one company, team and severity
        # the columns a new milestone takes from its complaint, read once each
        ticket_columns = {}
        for ticket in complaints:
            company, team, severity = ticket.company_id, ticket.team_id, ticket.severity
            ticket_columns[ticket] = {
                "ticket_id": ticket.id,
                "company_id": company.id,
                "team_id": team.id,
                "severity": severity,
            }
            key = (company, team, severity)
            if key not in applicable_by_key:
                applicable_by_key[key] = policies._get_applicable(ticket)
            applicable = applicable_by_key[key]
            current = {
                sla.milestone: sla for sla in ticket.sla_ids if sla.state != "cancelled"
            }
            for milestone, sla in current.items():
                if milestone not in applicable and not sla.reached_date:
                    to_cancel |= sla
            for milestone, policy in applicable.items():
                sla = current.get(milestone)
                if sla:
                    if not sla.reached_date:
                        to_replan.append((sla, policy))
                    continue
                if policy.start_phase:
                    if not ticket._has_reached_phase(policy.start_phase):
                        continue
                    start = now
                else:
                    start = ticket.create_date or now
                to_create.append((policy, ticket, start))
        to_cancel._cancel_running()
        plans = [(policy, sla.ticket_id, sla.start_date) for sla, policy in to_replan]
        plans += to_create
        values = Sla._plan_values(plans)
        for (sla, policy), planned in zip(to_replan, values, strict=False):
            if sla.policy_id != policy or sla.deadline != planned["deadline"]:
                sla.write(
                    dict(
                        planned,
                        policy_id=policy.id,
                        state="running",
                        is_at_risk=False,
                        team_id=sla.ticket_id.team_id.id,
                        severity=sla.ticket_id.severity,
                    )
                )
        policy_columns = {
            policy: {"policy_id": policy.id, "milestone": policy.milestone}
            for policy in {policy for policy, _ticket, _start in to_create}
        }
        Sla._create_planned(
            [
                {
                    **planned,
                    **ticket_columns[ticket],
                    **policy_columns[policy],
                    "start_date": start,
                    "state": "running",
                    "is_at_risk": False,
                    # given, not computed: no second UPDATE of every new milestone
                    "met_pct": 0.0,
                }
                for (policy, ticket, start), planned in zip(
                    to_create, values[len(to_replan) :], strict=True
                )
            ]
        )

    def _sla_reach_phase(self):
        """Meet the milestones whose target phase the complaints entered (or
        passed); a rejected complaint's running milestones are cancelled."""
        now = fields.Datetime.now()
        Sla = self.env["quality.complaint.sla"].sudo()
        to_reach, to_cancel = Sla, Sla
        for ticket in self.filtered("is_quality_complaint"):
            open_slas = ticket.sudo().sla_ids.filtered(
                lambda sla: sla.state in ("running", "breached")
                and not sla.reached_date
            )
            if ticket.quality_phase == "rejected":
                to_cancel |= open_slas
            elif ticket.quality_phase in FORWARD_PHASES:
                to_reach |= open_slas.filtered(
                    lambda sla, t=ticket: t._has_reached_phase(
                        sla.policy_id.target_phase
                    )
                )
        to_cancel._cancel_running()
        to_reach._reach(now)
