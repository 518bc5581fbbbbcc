from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        # A lot received from a vendor or delivered to a customer changes what
        # complaints about it trace to.
        traced_lots = moves.move_line_ids.filtered(
            lambda ml: ml.lot_id
            and (
                ml.location_id.usage == "supplier"
                or ml.location_dest_id.usage == "customer"
            )
        ).lot_id
        if traced_lots:
            lines = (
                self.env["quality.complaint.line"]
                .sudo()
                .search([("lot_id", "in", traced_lots.ids)])
            )
            if lines:
                lines._recompute_traceability()
        return moves
