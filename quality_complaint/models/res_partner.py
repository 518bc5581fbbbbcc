from collections import defaultdict

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

    is_service_station = fields.Boolean(
        string="Authorized Service Station",
        help="An authorized service station (授权维修站): its portal users report "
        "batch problems and follow their review.",
    )

    # Vendor quality scorecard
    supplier_claim_count = fields.Integer(
        string="Supplier Claims",
        compute="_compute_quality_scorecard",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
    )
    complaint_unit_qty = fields.Float(
        string="Complained Units",
        compute="_compute_quality_scorecard",
        digits="Product Unit of Measure",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
        help="Units of complaints whose lots came from this vendor.",
    )
    received_qty = fields.Float(
        string="Received Units",
        compute="_compute_quality_scorecard",
        digits="Product Unit of Measure",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
        help="Units received on this vendor's purchase orders.",
    )
    complaint_rate = fields.Float(
        string="Complaint Rate (%)",
        compute="_compute_quality_scorecard",
        digits=(16, 2),
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
        help="Complained units per 100 units received from this vendor.",
    )
    claim_amount_claimed = fields.Monetary(
        string="Amount Claimed",
        compute="_compute_quality_scorecard",
        currency_field="claim_currency_id",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
    )
    claim_amount_agreed = fields.Monetary(
        string="Amount Agreed",
        compute="_compute_quality_scorecard",
        currency_field="claim_currency_id",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
    )
    claim_amount_recovered = fields.Monetary(
        string="Amount Recovered",
        compute="_compute_quality_scorecard",
        currency_field="claim_currency_id",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
    )
    claim_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_quality_scorecard"
    )
    open_claim_action_count = fields.Integer(
        string="Open Corrective Actions",
        compute="_compute_quality_scorecard",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
        help="Actions requested from this vendor by its claims, not verified yet.",
    )

    def _compute_quality_scorecard(self):
        """Aggregates of the vendors in a fixed number of queries."""
        partners = self.filtered("id")
        ids = partners.ids
        complained = dict(
            self.env["quality.complaint.line"]
            .sudo()
            ._read_group([("vendor_id", "in", ids)], ["vendor_id"], ["quantity:sum"])
        )
        received = dict(
            self.env["purchase.order.line"]
            .sudo()
            ._read_group(
                [("partner_id", "in", ids), ("state", "in", ("purchase", "done"))],
                ["partner_id"],
                ["qty_received:sum"],
            )
        )
        claims = {
            partner: (count, claimed, agreed, recovered)
            for partner, count, claimed, agreed, recovered in self.env[
                "quality.supplier.claim"
            ]
            .sudo()
            ._read_group(
                [("partner_id", "in", ids), ("state", "!=", "cancelled")],
                ["partner_id"],
                [
                    "__count",
                    "amount_claimed:sum",
                    "amount_agreed:sum",
                    "amount_recovered:sum",
                ],
            )
        }
        actions = defaultdict(int)
        for claim, count in (
            self.env["quality.action"]
            .sudo()
            ._read_group(
                [("claim_id.partner_id", "in", ids), ("state", "in", ("open", "done"))],
                ["claim_id"],
                ["__count"],
            )
        ):
            actions[claim.partner_id] += count
        currency = self.env.company.currency_id
        for partner in self:
            key = partner._origin
            count, claimed, agreed, recovered = claims.get(key, (0, 0.0, 0.0, 0.0))
            complained_qty = complained.get(key, 0.0)
            received_qty = received.get(key, 0.0)
            partner.supplier_claim_count = count
            partner.claim_amount_claimed = claimed
            partner.claim_amount_agreed = agreed
            partner.claim_amount_recovered = recovered
            partner.claim_currency_id = currency
            partner.complaint_unit_qty = complained_qty
            partner.received_qty = received_qty
            partner.complaint_rate = (
                100.0 * complained_qty / received_qty if received_qty else 0.0
            )
            partner.open_claim_action_count = actions.get(key, 0)

    def action_view_supplier_claims(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_supplier_claim_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

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
