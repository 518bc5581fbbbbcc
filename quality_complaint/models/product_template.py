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

    _sql_constraints = [
        (
            "complaint_warranty_months_positive",
            "CHECK(complaint_warranty_months >= 0)",
            "The warranty period cannot be negative.",
        )
    ]
