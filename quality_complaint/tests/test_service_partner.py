from odoo.tests import tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestServicePartner(QualityComplaintCommon):
    def test_service_partner_by_tier(self):
        company_partner = self.company.partner_id
        contact = self.env["res.partner"].create(
            {"name": "Buyer at hotel", "parent_id": self.end_user.id}
        )
        untiered = self.env["res.partner"].create({"name": "Walk-in customer"})
        expected = {
            self.distributor: company_partner,
            self.direct_customer: company_partner,
            self.sub_distributor: self.distributor,
            self.end_user: self.sub_distributor,
            contact: self.sub_distributor,  # inherits the tier of its company
            untiered: company_partner,
        }
        for partner, service_partner in expected.items():
            with self.subTest(partner=partner.name):
                ticket = self._create_complaint(partner=partner)
                self.assertEqual(ticket.service_partner_id, service_partner)

    def test_end_user_skips_to_distributor_without_sub_distributor(self):
        end_user = self.env["res.partner"].create(
            {
                "name": "Direct end user of distributor",
                "is_company": True,
                "complaint_customer_tier": "end_user",
                "parent_id": self.distributor.id,
            }
        )
        ticket = self._create_complaint(partner=end_user)
        self.assertEqual(ticket.service_partner_id, self.distributor)

    def test_service_partner_follows_tier_change(self):
        ticket = self._create_complaint(partner=self.sub_distributor)
        self.assertEqual(ticket.service_partner_id, self.distributor)
        self.sub_distributor.complaint_customer_tier = "direct"
        self.assertEqual(ticket.service_partner_id, self.company.partner_id)
