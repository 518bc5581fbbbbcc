from odoo import fields, models


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "quality.number.mixin"]

    complaint_warranty_months = fields.Integer(
        string="Warranty (months)",
        default=12,
        number_max=240,
        help="Warranty period counted from the delivery to the customer. "
        "0 means the product has no warranty.",
    )
    complaint_component_ids = fields.Many2many(
        comodel_name="product.product",
        relation="product_template_complaint_component_rel",
        column1="template_id",
        column2="component_id",
        string="Components",
        help="Parts of this product a complaint can name as the failed one; batch "
        "rules per component count the units delivered of the products listing "
        "it. Empty: any product may be named.",
    )

    _sql_constraints = [
        (
            "complaint_warranty_months_positive",
            "CHECK(complaint_warranty_months >= 0)",
            "The warranty period cannot be negative.",
        )
    ]
