from odoo import api, fields, models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    supplier_claim_ids = fields.Many2many(
        comodel_name="quality.supplier.claim",
        relation="quality_supplier_claim_purchase_order_rel",
        column1="order_id",
        column2="claim_id",
        string="Supplier Claims",
        copy=False,
    )
    supplier_claim_count = fields.Integer(compute="_compute_supplier_claim_count")

    @api.depends("supplier_claim_ids")
    def _compute_supplier_claim_count(self):
        for order in self:
            order.supplier_claim_count = len(order.supplier_claim_ids)

    def action_create_supplier_claim(self):
        """Draft a claim on the order's vendor from the complaints traced to
        the order's lots (an empty claim when there is none yet)."""
        self.ensure_one()
        Claim = self.env["quality.supplier.claim"]
        # Buyers draft claims without reading complaints themselves.
        lines = (
            self.env["quality.complaint.line"]
            .sudo()
            .search([("purchase_order_id", "=", self.id), ("vendor_id", "!=", False)])
        )
        if lines:
            claims = Claim._create_from_complaint_lines(lines, orders=self)
        else:
            claims = Claim.create(
                {
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "currency_id": self.currency_id.id,
                    "purchase_order_ids": [fields.Command.set(self.ids)],
                }
            )
        return claims._action_open()

    def action_view_supplier_claims(self):
        self.ensure_one()
        return self.supplier_claim_ids._action_open()
