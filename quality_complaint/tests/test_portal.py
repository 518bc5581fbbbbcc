from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import QualityPortalCommon, new_portal_user


@tagged("post_install", "-at_install")
class TestPortal(QualityPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Tour Customer")
        cls.other_customer = cls._create_customer("Other Customer")
        cls.portal_user = new_portal_user(
            cls.env,
            "tour_portal",
            cls.customer,
            name="Tour Buyer",
            email="buyer@tour.example.com",
        )
        cls.engineer = new_test_user(
            cls.env,
            login="tour_engineer",
            groups="quality_complaint.group_quality_engineer",
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Tour Purifier",
                "is_storable": True,
                "tracking": "lot",
                "sale_ok": True,
            }
        )
        cls.other_product = cls.env["product.product"].create(
            {"name": "Tour Filter", "is_storable": True, "tracking": "lot"}
        )
        cls.lot = cls.env["stock.lot"].create(
            {"name": "TOUR-LOT-1", "product_id": cls.product.id}
        )
        cls.other_lot = cls.env["stock.lot"].create(
            {"name": "TOUR-LOT-9", "product_id": cls.other_product.id}
        )
        cls._stock_and_deliver(cls.customer, cls.lot, 20)
        cls.defect = cls.env["quality.defect.type"].create(
            {"name": "Tour leak", "code": "TOUR-LEAK", "default_severity": "major"}
        )

    def _to_follow_up(self, complaint):
        complaint.write(
            {
                "defect_type_id": self.defect.id,
                "complaint_line_ids": [
                    Command.create({"product_id": self.product.id, "quantity": 1})
                ],
                "root_cause": "<p>Loose pump mount</p>",
                "cause_category": "production",
                "remedy_type": "repair",
            }
        )
        for phase in ("triage", "investigation", "solution", "execution", "follow_up"):
            complaint.stage_id = self.env.ref(
                f"quality_complaint.helpdesk_ticket_stage_quality_{phase}"
            )

    def _submit(self, **values):
        data = {
            "product_id": str(self.product.id),
            "lot": "TOUR-LOT-1",
            "quantity": "2",
            "subject": "Leaking",
            "description": "Drips",
        }
        data.update(values)
        data["csrf_token"] = self._form_csrf()
        return self.url_open("/my/quality/complaint/submit", data=data)

    def _complaints(self):
        return self.env["helpdesk.ticket"].search(
            [("partner_id", "=", self.portal_user.partner_id.id)]
        )

    def test_portal_form_creates_a_complaint_with_a_line(self):
        self.authenticate("tour_portal", "tour_portal")
        response = self._submit()
        self.assertEqual(response.status_code, 200)
        complaint = self._complaints()
        self.assertEqual(len(complaint), 1)
        self.assertTrue(complaint.is_quality_complaint)
        self.assertEqual(complaint.team_id, self.team)
        self.assertEqual(complaint.quality_phase, "intake")
        line = complaint.complaint_line_ids
        self.assertEqual(
            (line.product_id, line.lot_id, line.quantity), (self.product, self.lot, 2)
        )
        self.assertIn(f"/my/ticket/{complaint.id}", response.url)
        # the page shows the number, status and lines, not internal fields
        complaint.sudo().write(
            {"root_cause": "<p>Secret resin story</p>", "remedy_amount": 4321}
        )
        page = self.url_open(f"/my/ticket/{complaint.id}")
        self.assertIn(complaint.number, page.text)
        self.assertIn("TOUR-LOT-1", page.text)
        self.assertIn(complaint.stage_id.name, page.text)
        self.assertNotIn("Secret resin story", page.text)
        self.assertNotIn("4,321", page.text)
        self.assertNotIn("4321", page.text)

    def test_portal_form_validation(self):
        self.authenticate("tour_portal", "tour_portal")
        cases = [
            ({"product_id": ""}, "Choose the product concerned."),
            ({"quantity": "0"}, "The quantity must be more than zero."),
            ({"quantity": "-3"}, "The quantity must be more than zero."),
            ({"lot": "TOUR-LOT-9"}, "TOUR-LOT-9 is not among the lots of"),
            ({"lot": "NO-SUCH-LOT"}, "NO-SUCH-LOT is not among the lots of"),
            ({"quantity": "50"}, "At most 20 units can be declared here"),
            ({"description": " "}, "Describe the problem."),
        ]
        for values, message in cases:
            with self.subTest(values=values):
                response = self._submit(**values)
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_quality_form_errors", response.text)
                self.assertIn(message, response.text)
        self.assertFalse(self._complaints(), "nothing is created on bad input")

    def test_another_customers_complaint_is_not_found(self):
        other = self.env["helpdesk.ticket"].create(
            {
                "name": "Other customer's leak",
                "description": "<p>x</p>",
                "team_id": self.team.id,
                "partner_id": self.other_customer.id,
            }
        )
        self.authenticate("tour_portal", "tour_portal")
        response = self.url_open(f"/my/ticket/{other.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Other customer", response.text)
        # and its follow-up cannot be answered either
        self._to_follow_up(other)
        response = self.url_open(
            f"/my/quality/complaint/{other.id}/feedback",
            data={"satisfaction": "5", "csrf_token": self._form_csrf()},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(other.satisfaction)

    def test_customer_answers_the_follow_up(self):
        complaint = self.env["helpdesk.ticket"].create(
            {
                "name": "Noise",
                "description": "<p>x</p>",
                "team_id": self.team.id,
                "partner_id": self.portal_user.partner_id.id,
            }
        )
        self.authenticate("tour_portal", "tour_portal")
        url = f"/my/quality/complaint/{complaint.id}/feedback"
        # not in follow-up yet
        response = self.url_open(
            url, data={"satisfaction": "4", "csrf_token": self._form_csrf()}
        )
        self.assertEqual(response.status_code, 404)
        self._to_follow_up(complaint)
        page = self.url_open(f"/my/ticket/{complaint.id}")
        self.assertIn("o_quality_portal_feedback", page.text)
        response = self.url_open(
            url,
            data={
                "satisfaction": "4",
                "feedback": "Quick and kind",
                "csrf_token": self._form_csrf(),
            },
        )
        self.assertEqual(response.status_code, 200)
        complaint.invalidate_recordset()
        self.assertEqual(complaint.satisfaction, "4")
        self.assertEqual(complaint.follow_up_feedback, "Quick and kind")

    def test_tour_customer_files_a_complaint_with_a_photo(self):
        self.start_tour(
            "/my/quality/complaint/new",
            "quality_complaint_portal_tour",
            login="tour_portal",
        )
        complaint = self._complaints()
        self.assertEqual(complaint.name, "Leaking tour purifier")
        self.assertEqual(complaint.complaint_line_ids.lot_id, self.lot)
        self.assertEqual(complaint.complaint_line_ids.quantity, 2)
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", complaint.id)]
        )
        self.assertEqual(attachments.mapped("name"), ["leak.png"])

    def test_tour_agent_adds_a_line_and_starts_the_investigation(self):
        complaint = self.env["helpdesk.ticket"].create(
            {
                "name": "Leaking tour purifier",
                "description": "<p>Filed on the portal</p>",
                "team_id": self.team.id,
                "partner_id": self.portal_user.partner_id.id,
                "defect_type_id": self.defect.id,
                "user_id": self.engineer.id,
            }
        )
        self.start_tour(
            "/odoo/action-quality_complaint.helpdesk_ticket_action_quality",
            "quality_complaint_backend_tour",
            login="tour_engineer",
        )
        self.assertEqual(complaint.quality_phase, "investigation")
        self.assertEqual(complaint.complaint_line_ids.product_id, self.product)
        self.assertEqual(complaint.complaint_line_ids.quantity, 3)

    def test_form_offers_the_products_delivered_to_the_customer(self):
        if not self.env.ref(
            "quality_complaint.user_portal_distributor_demo", raise_if_not_found=False
        ):
            self.skipTest("installed without demo data")
        self.authenticate("distributor", "distributor")
        page = self.url_open("/my/quality/complaint/new")
        delivered = self.env.ref("quality_complaint.product_water_purifier_demo")
        self.assertIn(f'<option value="{delivered.id}"', page.text)
        self.assertEqual(page.text.count("<option value="), 2, "one product + empty")
