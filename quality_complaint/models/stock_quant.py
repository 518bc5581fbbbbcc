from odoo import models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _get_reserve_quantity(self, product_id, location_id, quantity, *args, **kwargs):
        # Lots held by stock_lock_lot (a batch quality problem) are not reserved.
        return super(
            StockQuant, self.with_context(quality_skip_locked_lots=True)
        )._get_reserve_quantity(product_id, location_id, quantity, *args, **kwargs)

    def _gather(self, product_id, location_id, *args, **kwargs):
        quants = super()._gather(product_id, location_id, *args, **kwargs)
        if self.env.context.get("quality_skip_locked_lots"):
            quants = quants.filtered(lambda quant: not quant.lot_id.locked)
        return quants
