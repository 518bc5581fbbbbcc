from odoo import fields, models


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
