from odoo import api, fields, models
from odoo.exceptions import UserError

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

    @api.model
    def _get_quality_operation(self, remedy_type):
        """The operation that carries out remedies of `remedy_type` (a
        complaint's remedy, a replacement plan's decision).

        :return: rma.operation record
        """
        remedy = dict(
            self.env["helpdesk.ticket"]
            ._fields["remedy_type"]
            ._description_selection(self.env)
        ).get(remedy_type, "")
        if remedy_type not in RMA_REMEDY_TYPES:
            raise UserError(
                self.env._(
                    "A remedy of type %(remedy)s sends no goods back or out: it is "
                    "not carried out by RMAs (a compensation is credited with a "
                    "credit note).",
                    remedy=remedy,
                )
            )
        operation = self.search([("quality_remedy_type", "=", remedy_type)], limit=1)
        if not operation:
            raise UserError(
                self.env._(
                    "No RMA operation carries out remedies of type %(remedy)s: set "
                    "one in RMA > Configuration > Operations (Complaint Remedy).",
                    remedy=remedy,
                )
            )
        return operation
