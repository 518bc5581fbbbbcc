from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .quality_complaint_line import QUANTITY_MAX
from .quality_supplier_claim import AMOUNT_MAX

COST_TYPES = [
    ("parts", "Parts"),
    ("labour", "Labour"),
    ("freight", "Freight"),
    ("replacement", "Replacement Units"),
    ("compensation", "Compensation"),
    ("scrap", "Scrap"),
    ("inspection", "Inspection and Sorting"),
    ("other", "Other"),
]
# Changing these changes what the claim asks for: its approval starts again.
AMOUNT_FIELDS = {"claim_id", "cost_type", "product_id", "quantity", "price_unit"}


class QualitySupplierClaimLine(models.Model):
    _name = "quality.supplier.claim.line"
    _inherit = ["quality.number.mixin"]
    _description = "Supplier Claim Cost Line"
    _order = "claim_id, sequence, id"
    _check_company_auto = True

    claim_id = fields.Many2one(
        comodel_name="quality.supplier.claim",
        string="Claim",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="claim_id.company_id", store=True)
    currency_id = fields.Many2one(related="claim_id.currency_id")
    cost_type = fields.Selection(selection=COST_TYPES, required=True, default="other")
    description = fields.Char(required=True)
    product_id = fields.Many2one(comodel_name="product.product", check_company=True)
    quantity = fields.Float(
        default=1.0, digits="Product Unit of Measure", number_max=QUANTITY_MAX
    )
    price_unit = fields.Monetary(
        string="Unit Cost", currency_field="currency_id", number_max=AMOUNT_MAX
    )
    amount = fields.Monetary(
        compute="_compute_amount", store=True, currency_field="currency_id"
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Complaint",
        index="btree_not_null",
        check_company=True,
    )

    @api.depends("quantity", "price_unit")
    def _compute_amount(self):
        for line in self:
            line.amount = line.currency_id.round(line.quantity * line.price_unit)

    @api.constrains("quantity", "price_unit")
    def _check_amounts(self):
        for line in self:
            if line.quantity < 0 or line.price_unit < 0:
                raise ValidationError(
                    self.env._(
                        "Claim line %(line)s: quantities and unit costs cannot be "
                        "negative.",
                        line=line.description,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.claim_id._on_cost_lines_changed()
        return lines

    def write(self, vals):
        claims = self.claim_id
        res = super().write(vals)
        if AMOUNT_FIELDS & set(vals):
            (claims | self.claim_id)._on_cost_lines_changed()
        return res

    def unlink(self):
        claims = self.claim_id
        res = super().unlink()
        claims.exists()._on_cost_lines_changed()
        return res
