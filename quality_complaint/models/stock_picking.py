from collections import defaultdict

from odoo import Command, fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    quality_ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Complaint",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The quality complaint whose remedy this return or replacement is "
        "(version 1: remedies are carried out as RMAs now).",
    )

    quality_claim_id = fields.Many2one(
        comodel_name="quality.supplier.claim",
        string="Supplier Claim",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The supplier claim whose defective units this return sends back.",
    )

    def _action_done(self):
        res = super()._action_done()
        self.quality_ticket_id._update_remedy_done()
        return res

    def _quality_create_return(self, complaint_lines):
        """Return this transfer's units of the complaint lines through Odoo's
        return wizard (a receipt goes back to the vendor), with the complained
        lots: the wizard has a line per lot shipped (stock_picking_return_lot),
        each takes its lot's complained units, at most what it can return."""
        self.ensure_one()
        qty_by_key = defaultdict(float)
        for line in complaint_lines:
            qty_by_key[line.product_id, line.lot_id] += (
                line.product_uom_id._compute_quantity(
                    line.quantity, line.product_id.uom_id
                )
            )
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=self.id, active_model="stock.picking")
            .create({"picking_id": self.id})
        )
        for return_line in wizard.product_return_moves:
            # the wizard proposes what can be returned of that move and lot
            returnable = return_line.quantity
            quantity = 0.0
            for key in qty_by_key:
                product, lot = key
                if product != return_line.product_id or (
                    return_line.lot_id and lot != return_line.lot_id
                ):
                    continue
                taken = min(qty_by_key[key], returnable - quantity)
                qty_by_key[key] -= taken
                quantity += taken
            return_line.quantity = quantity
        picking = wizard._create_return()
        picking._quality_set_lots(complaint_lines)
        return picking

    def _quality_set_lots(self, complaint_lines):
        """Move the complained lots, not any lot of the product."""
        self.ensure_one()
        # a move restricted to a lot already moves that lot
        for move in self.move_ids.filtered(
            lambda m: m.product_id.tracking != "none" and not m.restrict_lot_id
        ):
            product_lines = complaint_lines.filtered(
                lambda line, m=move: line.product_id == m.product_id and line.lot_id
            )
            if not product_lines:
                continue
            move.move_line_ids.unlink()
            remaining = move.product_uom_qty
            commands = []
            for line in product_lines:
                quantity = min(line.quantity, remaining)
                if quantity <= 0:
                    break
                remaining -= quantity
                commands.append(
                    Command.create(
                        {
                            "product_id": move.product_id.id,
                            "lot_id": line.lot_id.id,
                            "quantity": quantity,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                            "picking_id": self.id,
                        }
                    )
                )
            move.move_line_ids = commands
