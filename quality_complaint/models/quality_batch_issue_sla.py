# The time limits of a batch problem, as milestones of the complaint SLA engine
# (quality.complaint.sla): planned from the batch-problem policies on entering
# their start state, met on entering their target state, checked by the SLA cron.
from odoo import fields, models

from .quality_batch_issue import CLOSED_STATES, STATE_PATHS


class QualityBatchIssue(models.Model):
    _name = "quality.batch.issue"
    _inherit = ["quality.batch.issue", "quality.sla.mixin"]

    sla_ids = fields.One2many(
        comodel_name="quality.complaint.sla",
        inverse_name="batch_issue_id",
        string="SLA Milestones",
        groups="base.group_user",
    )

    def _has_reached_state(self, state):
        """The problem is in `state` or past it on its path (detected or
        reported); a dismissed one has reached nothing."""
        self.ensure_one()
        path = STATE_PATHS[self.origin]
        return (
            state in path
            and self.state in path
            and path.index(self.state) >= path.index(state)
        )

    def _sla_sync(self):
        """Hook of create, of the workflow's state changes and of a change of the
        customer's acceptance: meet the milestones whose target state the
        problems reached, cancel the ones that no longer apply (dismissed or
        closed problem, other acceptance), and plan the ones whose start state
        they entered. Deadlines of all problems are planned together."""
        Sla = self.env["quality.complaint.sla"].sudo()
        policies = (
            self.env["quality.sla.policy"]
            .sudo()
            .search([("applies_to", "=", "batch_issue")])
        )
        issues = self.sudo()
        if not policies and not issues.sla_ids:
            return
        now = fields.Datetime.now()
        to_create, to_reach, to_cancel = [], Sla, Sla
        for issue in issues:
            current = issue.sla_ids.filtered(lambda sla: sla.state != "cancelled")
            open_slas = current.filtered(
                lambda sla: sla.state in ("running", "breached")
                and not sla.reached_date
            )
            reached = open_slas.filtered(
                lambda sla, i=issue: i._has_reached_state(
                    sla.policy_id.target_issue_state
                )
            )
            to_reach |= reached
            if issue.state in CLOSED_STATES:
                to_cancel |= open_slas - reached
                continue
            applicable = policies._get_applicable(issue)
            to_cancel |= (open_slas - reached).filtered(
                lambda sla, a=applicable: sla.milestone not in a
            )
            planned = set(current.mapped("milestone"))
            for milestone, policy in applicable.items():
                if milestone in planned or not issue._has_reached_state(
                    policy.start_issue_state
                ):
                    continue
                # the clock of the state the problem is in started when it
                # entered it; a state passed before the policy existed, now
                start = (
                    issue.state_date
                    if issue.state == policy.start_issue_state and issue.state_date
                    else now
                )
                to_create.append((policy, issue, min(start, now)))
        to_cancel._cancel_running()
        to_reach._reach(now)
        values = Sla._plan_values(to_create)
        created = Sla.create(
            [
                dict(
                    planned,
                    batch_issue_id=issue.id,
                    policy_id=policy.id,
                    milestone=policy.milestone,
                    start_date=start,
                    state="running",
                    is_at_risk=False,
                    met_pct=0.0,
                    company_id=issue.company_id.id,
                )
                for (policy, issue, start), planned in zip(
                    to_create, values, strict=True
                )
            ]
        )
        # a problem created past the target (its start state skipped) meets it
        created.filtered(
            lambda sla: sla.batch_issue_id._has_reached_state(
                sla.policy_id.target_issue_state
            )
        )._reach(now)
