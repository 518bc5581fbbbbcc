from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    quality_ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Complaint",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The quality complaint whose refund or compensation this credit note is.",
    )

    quality_claim_id = fields.Many2one(
        comodel_name="quality.supplier.claim",
        string="Supplier Claim",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The supplier claim this vendor credit note recovers.",
    )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # credit notes by hand (compensation) and the refunds of RMAs
        (
            posted.quality_ticket_id | posted.sudo().invoice_line_ids.rma_id.ticket_id
        )._update_remedy_done()
        return posted
