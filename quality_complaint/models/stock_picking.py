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
        help="The quality complaint whose remedy this return or replacement is.",
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

    def _quality_create_return(self, complaint_lines, location_dest=None):
        """Return this transfer's units of the complaint lines through Odoo's
        return wizard (a delivery comes back from the customer, a receipt goes
        back to the vendor), with the complained lots."""
        self.ensure_one()
        qty_by_product = defaultdict(float)
        for line in complaint_lines:
            qty_by_product[line.product_id] += line.product_uom_id._compute_quantity(
                line.quantity, line.product_id.uom_id
            )
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=self.id, active_model="stock.picking")
            .create({"picking_id": self.id})
        )
        for return_line in wizard.product_return_moves:
            wanted = qty_by_product.get(return_line.product_id, 0.0)
            # no more than the transfer's move holds
            quantity = min(wanted, return_line.move_quantity)
            return_line.quantity = quantity
            qty_by_product[return_line.product_id] = wanted - quantity
        picking = wizard._create_return()
        if location_dest:
            picking.location_dest_id = location_dest
            picking.move_ids.location_dest_id = location_dest
        picking._quality_set_lots(complaint_lines)
        return picking

    def _quality_set_lots(self, complaint_lines):
        """Move the complained lots, not any lot of the product."""
        self.ensure_one()
        for move in self.move_ids.filtered(lambda m: m.product_id.tracking != "none"):
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
