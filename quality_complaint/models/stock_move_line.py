from odoo import models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _action_done(self):
        super()._action_done()
        # A lot received from a vendor or delivered to a customer changes what
        # complaints about it trace to.
        traced = self.exists().filtered(
            lambda ml: ml.lot_id
            and ml.state == "done"
            and (
                ml.location_id.usage == "supplier"
                or ml.location_dest_id.usage == "customer"
            )
        )
        if traced:
            lines = (
                self.env["quality.complaint.line"]
                .sudo()
                .search([("lot_id", "in", traced.lot_id.ids)])
            )
            if lines:
                lines._recompute_traceability()
