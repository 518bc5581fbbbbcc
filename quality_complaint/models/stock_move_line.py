from odoo import models
from odoo.tools import create_index


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def init(self):
        # Between two full detection runs, the deliveries that left a ratio
        # rule's installed-base period and the returns since are found by
        # their date (stock indexes neither the lines' date nor done lines).
        create_index(
            self.env.cr,
            "stock_move_line_quality_done_date_index",
            self._table,
            ["date"],
            where="state = 'done'",
        )
