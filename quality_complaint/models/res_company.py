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
        help="Where goods returned by customers for a complaint are received, "
        "apart from sellable stock; it accepts held (blocked) lots. Empty: the "
        "return's usual destination.",
    )

    def _get_quality_note_lang(self):
        """The language of the notes and texts the addon writes by itself
        (batch detection, SLA check, e-mail intake): the company's, not the
        one of the user who happens to run the job."""
        return self[:1].partner_id.lang or self.env.lang or "en_US"
