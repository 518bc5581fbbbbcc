# The RMAs that carry out a replacement plan: their link to the plan and its
# customer line, set by the plan's Carry Out only, and the plan's end.
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import action_open_records
from .quality_guarded_state_mixin import may_write_guarded, workflow_writes


class Rma(models.Model):
    _inherit = "rma"

    replacement_plan_line_id = fields.Many2one(
        comodel_name="quality.replacement.plan.line",
        string="Replacement Plan Customer",
        index="btree_not_null",
        readonly=True,
        copy=False,
        # the ORM deletes no line of a plan carried out (see the plan line)
        ondelete="set null",
        help="The customer of the replacement plan this RMA carries out.",
    )
    replacement_plan_id = fields.Many2one(
        comodel_name="quality.replacement.plan",
        string="Replacement Plan",
        related="replacement_plan_line_id.plan_id",
        store=True,
        index="btree_not_null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("replacement_plan_line_id") for vals in vals_list):
            self._check_may_link_replacement_plan()
        return super().create(vals_list)

    def write(self, vals):
        if "replacement_plan_line_id" in vals and any(
            rma.replacement_plan_line_id.id != vals["replacement_plan_line_id"]
            for rma in self
        ):
            self._check_may_link_replacement_plan()
        res = super().write(vals)
        if "state" in vals:
            # the plan is done when its RMAs are
            self.sudo().replacement_plan_id._update_plan_done()
        return res

    def _check_may_link_replacement_plan(self):
        if not may_write_guarded(self.env):
            raise UserError(
                self.env._(
                    "An RMA is linked to a replacement plan by the plan's Carry Out "
                    "button only; the link cannot be written directly."
                )
            )

    def extract_quantity(self, qty, uom):
        """The units split off an RMA of a plan stay the plan's."""
        extracted = super().extract_quantity(qty, uom)
        if self.replacement_plan_line_id:
            with workflow_writes():
                extracted.replacement_plan_line_id = self.replacement_plan_line_id
        return extracted

    def action_view_replacement_plan(self):
        self.ensure_one()
        return action_open_records(
            self.replacement_plan_id,
            "quality_complaint.quality_replacement_plan_action",
        )
