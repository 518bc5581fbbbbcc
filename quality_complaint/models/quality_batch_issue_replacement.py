# The replacement plans of a batch problem (整机更换方案, §5.4): drafted from
# the traced deliveries of its lots once it is confirmed.
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import action_open_records

# A plan is drafted for a confirmed problem that is still open.
PLAN_ISSUE_STATES = ("confirmed", "contained", "solved")


class QualityBatchIssue(models.Model):
    _inherit = "quality.batch.issue"

    replacement_plan_ids = fields.One2many(
        comodel_name="quality.replacement.plan",
        inverse_name="batch_issue_id",
        string="Replacement Plans",
        groups="quality_complaint.group_quality_complaint_user",
    )
    replacement_plan_count = fields.Integer(
        compute="_compute_replacement_plan_count",
        groups="quality_complaint.group_quality_complaint_user",
    )

    @api.depends("replacement_plan_ids")
    def _compute_replacement_plan_count(self):
        counts = dict(
            self.env["quality.replacement.plan"]._read_group(
                [("batch_issue_id", "in", self.ids)], ["batch_issue_id"], ["__count"]
            )
        )
        for issue in self:
            issue.replacement_plan_count = counts.get(issue, 0)

    def action_create_replacement_plan(self):
        """Draft the replacement plan of the confirmed problem: one line per
        customer who received its lots or complained about them, with its
        units delivered, in warranty and complained, a default decision and
        its cost (see quality.replacement.plan._create_from_issue)."""
        self.ensure_one()
        if self.state not in PLAN_ISSUE_STATES:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Batch problem %(issue)s is %(state)s: a replacement plan is "
                    "drafted only for a confirmed problem that is not closed.",
                    issue=self.name,
                    state=labels[self.state],
                )
            )
        Plan = self.env["quality.replacement.plan"]
        Plan.check_access("create")
        plan = Plan._create_from_issue(self)
        return action_open_records(
            plan, "quality_complaint.quality_replacement_plan_action"
        )

    def action_view_replacement_plans(self):
        self.ensure_one()
        return action_open_records(
            self.replacement_plan_ids,
            "quality_complaint.quality_replacement_plan_action",
            default_batch_issue_id=self.id,
        )

    def _get_progress_bulletin_values(self):
        """The progress bulletin's replacement section: the issues' plans not
        cancelled, their customers and RMAs finished, read for all at once."""
        values = super()._get_progress_bulletin_values()
        plans = (
            self.env["quality.replacement.plan"]
            .sudo()
            .search_fetch(
                [("batch_issue_id", "in", self.ids), ("state", "!=", "cancelled")],
                ["batch_issue_id", "name", "state", "rma_count", "rma_finished_count"],
                order="id",
            )
        )
        plans.line_ids.fetch(["plan_id"])
        for issue, issue_plans in plans.grouped("batch_issue_id").items():
            values[issue.id]["replacement_plans"] = issue_plans
        return values
