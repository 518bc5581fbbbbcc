from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "quality.number.mixin"]

    quality_claim_response_days = fields.Integer(
        string="Supplier Claim Response (Days)",
        default=10,
        number_max=365,
        help="Days the vendor has to answer a supplier claim once it is sent.",
    )
    quality_capa_answer_days = fields.Integer(
        string="CAPA Notice Answer (Days)",
        default=10,
        number_max=365,
        help="Days the responsible party has to answer a corrective and "
        "preventive action notice once it is sent.",
    )
    quality_alert_partner_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="res_company_quality_alert_partner_rel",
        column1="company_id",
        column2="partner_id",
        string="Quality Alert List",
        help="Who receives the quality alert bulletin when a batch problem is "
        "confirmed: users (by their contact) and outside partners.",
    )
    quality_portal_max_quantity = fields.Integer(
        string="Portal Quantity Cap",
        default=10,
        number_max=1_000_000,
        help="Most units a customer may declare on the portal for a product "
        "that no delivery to its company traces (otherwise: the units "
        "delivered).",
    )
    quality_portal_max_upload_mb = fields.Integer(
        string="Portal Upload Size (MB)",
        default=10,
        number_max=1024,
        help="Largest photo, PDF or video a customer may attach on the portal.",
    )
    quality_detection_since = fields.Datetime(
        string="Batch Detection Mark",
        readonly=True,
        copy=False,
        help="Start of the last complete batch detection run of the company: the "
        "hourly run looks at the complaints changed since then.",
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

    @api.constrains("quality_portal_max_quantity", "quality_portal_max_upload_mb")
    def _check_quality_portal_limits(self):
        for company in self:
            if (
                company.quality_portal_max_quantity < 1
                or company.quality_portal_max_upload_mb < 1
            ):
                raise ValidationError(
                    self.env._(
                        "%(company)s: the portal quantity cap and upload size are "
                        "at least 1.",
                        company=company.name,
                    )
                )

    @api.constrains("quality_capa_answer_days")
    def _check_quality_capa_answer_days(self):
        for company in self:
            if company.quality_capa_answer_days < 1:
                raise ValidationError(
                    self.env._(
                        "%(company)s: a CAPA notice is answered in at least 1 day.",
                        company=company.name,
                    )
                )

    def _get_quality_note_lang(self):
        """The language of the notes and texts the addon writes by itself
        (batch detection, SLA check, e-mail intake): the company's, not the
        one of the user who happens to run the job."""
        return self[:1].partner_id.lang or self.env.lang or "en_US"

    def _get_quality_rma_location(self):
        """The company's quality quarantine location, which must lie inside
        the RMA location of one of its warehouses: rma receives there, through
        that warehouse's RMA route. None set: rma's own default location.

        :return: stock.location record, possibly empty
        """
        self.ensure_one()
        location = self.quality_quarantine_location_id
        if location and not self.env["stock.warehouse"].search_count(
            [
                ("company_id", "=", self.id),
                ("rma_loc_id", "parent_of", location.id),
            ],
            limit=1,
        ):
            raise UserError(
                self.env._(
                    "The complaint returns location %(location)s of %(company)s is "
                    "not inside the RMA location of one of its warehouses: RMAs "
                    "cannot receive there. Move it under a warehouse's RMA "
                    "location, or choose another one in the settings.",
                    location=location.display_name,
                    company=self.name,
                )
            )
        return location
