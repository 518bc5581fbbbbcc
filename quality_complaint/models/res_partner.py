from odoo import fields, models

# 谁销售谁服务: these tiers are serviced by the company itself, the others by
# the partner that sold to them.
COMPANY_SERVICED_TIERS = ("distributor", "direct")


class ResPartner(models.Model):
    _inherit = "res.partner"

    complaint_customer_tier = fields.Selection(
        selection=[
            ("distributor", "Distributor (A-class)"),
            ("sub_distributor", "Sub-distributor"),
            ("end_user", "End User"),
            ("direct", "Direct Customer"),
        ],
        string="Customer Tier",
        help="Sales channel tier used to decide who services a complaint: "
        "A-class distributors and direct customers are serviced by the company, "
        "sub-distributors and end users by the distributor that sold to them "
        "(its parent in the partner hierarchy).",
    )

    def _get_complaint_tier_holder(self):
        """The partner itself or its nearest ancestor that has a tier."""
        self.ensure_one()
        partner = self
        while partner and not partner.complaint_customer_tier:
            partner = partner.parent_id
        return partner

    def _get_complaint_service_partner(self, company):
        """Who services complaints of this customer (谁销售谁服务).

        Sub-distributors are serviced by the nearest A-class distributor above
        them; end users by the nearest distributor or sub-distributor above them.
        Everyone else, and anyone whose seller is unknown, by the company.
        """
        self.ensure_one()
        holder = self._get_complaint_tier_holder()
        tier = holder.complaint_customer_tier
        if not holder or tier in COMPANY_SERVICED_TIERS:
            return company.partner_id
        seller_tiers = (
            ("distributor",)
            if tier == "sub_distributor"
            else ("distributor", "sub_distributor")
        )
        seller = holder.parent_id
        while seller and seller.complaint_customer_tier not in seller_tiers:
            seller = seller.parent_id
        return seller or company.partner_id
