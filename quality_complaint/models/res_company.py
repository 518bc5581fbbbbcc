from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    quality_claim_response_days = fields.Integer(
        string="Supplier Claim Response (Days)",
        default=10,
        help="Days the vendor has to answer a supplier claim once it is sent.",
    )
    quality_quarantine_location_id = fields.Many2one(
        comodel_name="stock.location",
        string="Complaint Returns Location",
        domain="[('usage', '=', 'internal'), ('company_id', 'in', [id, False])]",
        help="Where the RMAs of complaints receive the customers' goods, apart "
        "from sellable stock; it accepts held (blocked) lots. It lies inside the "
        "RMA location of a warehouse, where that warehouse's RMA route receives. "
        "Empty: the warehouse's RMA location.",
    )
