from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import action_open_records
from .quality_guarded_state_mixin import may_write_guarded, workflow_writes

# The states of an RMA that has done its work: the goods came back and were
# replaced, refunded or returned, or the RMA was closed (finished, locked).
# Cancelled RMAs do not count at all; received ones still wait for the rest.
RMA_FINISHED_STATES = ("refunded", "returned", "replaced", "finished", "locked")
# Set by the complaint's Create RMAs only: an RMA linked by hand to a complaint
# would finish its remedy without the goods.
COMPLAINT_LINK_FIELDS = ("ticket_id", "complaint_line_id")


class Rma(models.Model):
    _inherit = "rma"

    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Complaint",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The quality complaint whose remedy this RMA carries out.",
    )
    complaint_line_id = fields.Many2one(
        comodel_name="quality.complaint.line",
        string="Complaint Line",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="The complained units this RMA takes back.",
    )

    @api.constrains("ticket_id", "complaint_line_id")
    def _check_complaint_line_of_ticket(self):
        for rma in self.filtered("complaint_line_id"):
            if rma.complaint_line_id.ticket_id != rma.ticket_id:
                raise ValidationError(
                    self.env._(
                        "RMA %(rma)s: the complaint line belongs to another complaint.",
                        rma=rma.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if any(
            vals.get(fname) for vals in vals_list for fname in COMPLAINT_LINK_FIELDS
        ):
            self._check_may_link_complaint()
        return super().create(vals_list)

    def write(self, vals):
        if any(
            fname in vals and any(rma[fname].id != vals[fname] for rma in self)
            for fname in COMPLAINT_LINK_FIELDS
        ):
            self._check_may_link_complaint()
        res = super().write(vals)
        if "state" in vals:
            # the remedy of the complaint is done when its RMAs are
            self.sudo().ticket_id._update_remedy_done()
        return res

    def _check_may_link_complaint(self):
        if not may_write_guarded(self.env):
            raise UserError(
                self.env._(
                    "An RMA is linked to a complaint by the complaint's Create RMAs "
                    "button only; the link cannot be written directly."
                )
            )

    def extract_quantity(self, qty, uom):
        """The units split off an RMA of a complaint stay the complaint's."""
        extracted = super().extract_quantity(qty, uom)
        if self.ticket_id:
            with workflow_writes():
                extracted.write(
                    {
                        "ticket_id": self.ticket_id.id,
                        "complaint_line_id": self.complaint_line_id.id,
                    }
                )
        return extracted

    def action_view_ticket(self):
        self.ensure_one()
        return action_open_records(
            self.ticket_id, "quality_complaint.helpdesk_ticket_action_quality"
        )

    def _is_quality_finished(self):
        """The RMA did its part of the remedy: it is in a finished state and
        its refund, if any, is posted."""
        self.ensure_one()
        return self.state in RMA_FINISHED_STATES and (
            not self.refund_id or self.refund_id.state == "posted"
        )

    def _prepare_refund_line_vals(self):
        """A complaint's refund credits what the remedy's approval was about:
        the remedy amount, shared by units, instead of the list price."""
        vals = super()._prepare_refund_line_vals()
        ticket = self.ticket_id
        if (
            ticket.remedy_type == "refund"
            and ticket.remedy_amount
            and ticket.affected_qty
        ):
            # the remedy amount is shared by the lines' units (product UoM)
            unit_amount = ticket.remedy_amount / ticket.affected_qty
            vals["price_unit"] = self.product_id.uom_id._compute_price(
                unit_amount, self.product_uom
            )
        return vals
