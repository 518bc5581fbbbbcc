from odoo import fields, models

from .helpdesk_ticket_remedy import REMEDY_TYPES, RMA_REMEDY_TYPES


class RmaOperation(models.Model):
    _inherit = "rma.operation"

    quality_remedy_type = fields.Selection(
        selection=[
            (key, label) for key, label in REMEDY_TYPES if key in RMA_REMEDY_TYPES
        ],
        string="Complaint Remedy",
        copy=False,
        help="The RMAs created from a complaint whose remedy is of this type "
        "use this operation.",
    )

    _sql_constraints = [
        (
            "quality_remedy_type_uniq",
            "unique(quality_remedy_type)",
            "Each complaint remedy type is carried out by one RMA operation.",
        ),
    ]
