# The documents of a supplier claim: the vendor credit notes that recover the
# agreed amount and the returns of the defective units to the vendor.
from odoo import Command, fields, models
from odoo.exceptions import UserError

from ..tools import action_open_records


class QualitySupplierClaim(models.Model):
    _inherit = "quality.supplier.claim"

    def action_create_refund(self):
        """A draft vendor credit note for what the vendor agreed and has not
        been credited yet."""
        self.ensure_one()
        if self.state != "acknowledged":
            raise UserError(
                self.env._(
                    "Claim %(claim)s is not acknowledged by the vendor: no credit "
                    "note yet.",
                    claim=self.name,
                )
            )
        credited = sum(
            self.refund_move_ids.filtered(lambda m: m.state != "cancel").mapped(
                "amount_total"
            )
        )
        remaining = self.currency_id.round(self.amount_agreed - credited)
        if self.currency_id.compare_amounts(remaining, 0) <= 0:
            raise UserError(
                self.env._(
                    "The agreed amount of claim %(claim)s is already credited.",
                    claim=self.name,
                )
            )
        refund = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "in_refund",
                    "partner_id": self.partner_id.id,
                    "invoice_origin": self.name,
                    "ref": self.name,
                    "quality_claim_id": self.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": self.env._(
                                    "Supplier claim %(claim)s", claim=self.name
                                ),
                                "quantity": 1.0,
                                "price_unit": remaining,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        return action_open_records(refund, "account.action_move_in_refund_type")

    def _get_defective_lines(self):
        """The complaint lines of the claim's lots (its complaints' or batch
        problem's)."""
        self.ensure_one()
        # Buyers pursue claims without access to the complaints themselves.
        claim = self.sudo()
        lines = claim.ticket_ids.complaint_line_ids | claim.batch_issue_id.line_ids
        return lines.filtered(lambda line: line.lot_id in claim.lot_ids)

    def action_return_to_vendor(self):
        """Return the defective units of the claim's lots through the return
        wizard of the receipts they came with."""
        self.ensure_one()
        if self.state in ("cancelled", "rejected"):
            raise UserError(self.env._("The claim is cancelled or rejected."))
        lines = self._get_defective_lines()
        if not lines:
            raise UserError(
                self.env._("The claim has no complained lot to return to the vendor.")
            )
        lines_by_receipt = lines.filtered("receipt_picking_id").grouped(
            "receipt_picking_id"
        )
        if not lines_by_receipt:
            raise UserError(
                self.env._("No receipt of the claim's lots from a vendor was found.")
            )
        returns = self.env["stock.picking"]
        for receipt, receipt_complaint_lines in lines_by_receipt.items():
            picking = receipt._quality_create_return(receipt_complaint_lines)
            picking.quality_claim_id = self
            returns |= picking
        self.message_post(
            body=self.env._(
                "Returns to the vendor created: %(pickings)s",
                pickings=", ".join(returns.mapped("name")),
            )
        )
        return action_open_records(returns, "stock.action_picking_tree_all")

    def action_view_refunds(self):
        self.ensure_one()
        return action_open_records(
            self.refund_move_ids, "account.action_move_in_refund_type"
        )

    def action_view_returns(self):
        self.ensure_one()
        return action_open_records(
            self.return_picking_ids, "stock.action_picking_tree_all"
        )

    def action_view_tickets(self):
        self.ensure_one()
        return action_open_records(
            self.ticket_ids, "quality_complaint.helpdesk_ticket_action_quality"
        )
