"""Issue 11 on the portal, over HTTP: a customer alone cannot hold a lot,
inflate a quantity, probe other customers' lots or upload anything; a
distributor reads only its own company's complaints, and read-only the ones
it services, never their follow-up answer; nobody on the portal reads tier
reviews."""

import base64
import json
import os

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import QualityComplaintCommon, QualityPortalCommon, new_portal_user

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@tagged("post_install", "-at_install")
class TestHardeningPortal(QualityPortalCommon, QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a hotel below the distributor, which the distributor services, and
        # a separate company below it that the manufacturer services
        cls.hotel = cls.env["res.partner"].create(
            {
                "name": "Harbour Hotel",
                "is_company": True,
                "complaint_customer_tier": "end_user",
                "parent_id": cls.distributor.id,
            }
        )
        cls.branch = cls.env["res.partner"].create(
            {
                "name": "Distributor Branch Co.",
                "is_company": True,
                "complaint_customer_tier": "direct",
                "parent_id": cls.distributor.id,
            }
        )
        cls.distributor_user = new_portal_user(
            cls.env, "qc_hard_distributor", cls.distributor
        )
        cls.hotel_user = new_portal_user(cls.env, "qc_hard_hotel", cls.hotel)
        cls.other_customer = cls._create_customer("Other Purifier Buyer")
        cls.lot_other = cls._create_lot("LOT-OTHER")
        cls._receive({cls.lot_other: 10})
        cls._deliver(cls.other_customer, {cls.lot_other: 10})
        cls.product.sale_ok = True
        cls.untraced_product = cls.env["product.product"].create(
            {"name": "Untraced Tap", "is_storable": True, "sale_ok": True}
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _submit(self, files=None, **values):
        data = {
            "product_id": str(self.product.id),
            "lot": self.lot_a.name,
            "quantity": "2",
            "subject": "Leaking",
            "description": "Drips under the sink",
        }
        data.update(values)
        data["csrf_token"] = self._form_csrf()
        return self.url_open("/my/quality/complaint/submit", data=data, files=files)

    def _complaints_of(self, user):
        return self.env["helpdesk.ticket"].search(
            [("partner_id", "=", user.partner_id.id)]
        )

    def _to_follow_up(self, complaint):
        self._ready_for(complaint, "follow_up")
        for phase in ("triage", "investigation", "solution", "execution", "follow_up"):
            complaint.stage_id = self.stages[phase]

    def _rpc(self, model, method, *args, **kwargs):
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs,
                },
            }
        )
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        payload = response.json()
        if "error" in payload:
            return "error", payload["error"]["data"]["message"]
        return "result", payload.get("result")

    # ------------------------------------------------------------
    # 2. A portal customer alone holds nothing, inflates nothing
    # ------------------------------------------------------------

    def test_quantity_is_bounded_by_the_units_delivered(self):
        self.authenticate("qc_hard_distributor", "qc_hard_distributor")
        # 10 units of lot A were delivered to the distributor
        for quantity in ("1e15", "11"):
            with self.subTest(quantity=quantity):
                response = self._submit(quantity=quantity)
                self.assertIn("At most 10 units can be declared here", response.text)
        self.assertFalse(self._complaints_of(self.distributor_user))
        response = self._submit(quantity="10")
        complaint = self._complaints_of(self.distributor_user)
        self.assertEqual(complaint.complaint_line_ids.quantity, 10)
        self.assertTrue(complaint.filed_by_customer)

    def test_untraced_product_is_capped_by_the_company(self):
        self.company.quality_portal_max_quantity = 3
        self.authenticate("qc_hard_distributor", "qc_hard_distributor")
        # the form offers the delivered products only: the cap applies when
        # the customer's company has no traced delivery at all
        response = self._submit(
            product_id=str(self.untraced_product.id), lot="", quantity="4"
        )
        self.assertIn("Choose the product concerned.", response.text)
        self.authenticate("qc_hard_hotel", "qc_hard_hotel")
        response = self._submit(
            product_id=str(self.untraced_product.id), lot="", quantity="4"
        )
        self.assertIn("At most 3 units can be declared here", response.text)
        self._submit(product_id=str(self.untraced_product.id), lot="", quantity="3")
        self.assertEqual(self._complaints_of(self.hotel_user).affected_qty, 3)

    def test_lot_errors_do_not_tell_whose_lot_it_is(self):
        self.authenticate("qc_hard_distributor", "qc_hard_distributor")
        messages = {}
        for lot in (self.lot_other.name, "NO-SUCH-LOT"):
            response = self._submit(lot=lot)
            start = response.text.index("Lot/serial number")
            end = response.text.index("</li>", start)
            messages[lot] = response.text[start:end].replace(lot, "<lot>")
        self.assertEqual(messages[self.lot_other.name], messages["NO-SUCH-LOT"])
        self.assertIn("is not among the lots of", messages["NO-SUCH-LOT"])
        self.assertFalse(self._complaints_of(self.distributor_user))

    def test_portal_complaint_alone_holds_no_lot(self):
        rule = self.env.ref("quality_complaint.quality_batch_rule_lot")
        self.assertTrue(rule.auto_hold_lots)
        self.authenticate("qc_hard_distributor", "qc_hard_distributor")
        self._submit(quantity="6")
        complaint = self._complaints_of(self.distributor_user)
        rule._detect()
        issue = complaint.batch_issue_ids.filtered(lambda i: i.rule_id == rule)
        self.assertEqual(issue.affected_qty, 6, "the portal complaint counts")
        self.assertFalse(self.lot_a.locked, "but holds no lot by itself")
        self.assertFalse(issue.held_lot_ids)
        # staff take it in: the next run holds the lot
        complaint.stage_id = self.stages["triage"]
        rule._detect()
        self.assertTrue(self.lot_a.locked)
        self.assertEqual(issue.held_lot_ids, self.lot_a)
        # released by a manager, it is not held again by the next run
        issue.with_user(self.manager).action_release_lots()
        rule._detect()
        self.assertFalse(self.lot_a.locked)

    def test_uploads_are_photos_pdf_or_videos_within_the_size(self):
        self.authenticate("qc_hard_distributor", "qc_hard_distributor")
        refused = [
            ("virus.exe", EXE, "is not a photo, a PDF or a video"),
            ("leak.jpg", os.urandom(2048), "is not a photo, a PDF or a video"),
            ("leak.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "is not a"),
            ("big.png", PNG + os.urandom(10 * 1024 * 1024), "larger than 10 MB"),
        ]
        for name, content, message in refused:
            with self.subTest(name=name):
                response = self._submit(files=[("attachment", (name, content))])
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
        self.assertFalse(self._complaints_of(self.distributor_user))
        self._submit(
            files=[("attachment", ("leak.png", PNG)), ("attachment", ("leak.mp4", MP4))]
        )
        complaint = self._complaints_of(self.distributor_user)
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", complaint.id)]
        )
        self.assertEqual(
            sorted(attachments.mapped("mimetype")), ["image/png", "video/mp4"]
        )

    # ------------------------------------------------------------
    # 4. Portal isolation across companies
    # ------------------------------------------------------------

    def test_child_company_complaints_are_not_the_distributors(self):
        complaint = self._create_complaint(partner=self.branch, lines=[(self.lot_a, 1)])
        self._to_follow_up(complaint)
        self.authenticate("qc_hard_distributor", "qc_hard_distributor")
        response = self.url_open(f"/my/ticket/{complaint.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(complaint.number, self.url_open("/my/tickets").text)
        self.assertEqual(
            self._rpc(
                "helpdesk.ticket", "search_read", [("id", "=", complaint.id)], ["name"]
            ),
            ("result", []),
        )
        self.assertEqual(
            self._rpc(
                "quality.complaint.line",
                "search_read",
                [("ticket_id", "=", complaint.id)],
                ["lot_id"],
            ),
            ("result", []),
        )
        response = self.url_open(
            f"/my/quality/complaint/{complaint.id}/feedback",
            data={"satisfaction": "5", "csrf_token": self._form_csrf()},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(complaint.satisfaction)

    def test_serviced_complaint_is_read_only_without_the_answer(self):
        complaint = self._create_complaint(partner=self.hotel, lines=[(self.lot_a, 1)])
        self.assertEqual(complaint.service_partner_id, self.distributor)
        self._to_follow_up(complaint)
        complaint.message_post(
            body="Private word to the hotel",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.hotel_user.partner_id.ids,
        )
        complaint.message_post(
            body="Please visit the hotel",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.distributor_user.partner_id.ids,
        )
        self.authenticate("qc_hard_distributor", "qc_hard_distributor")
        page = self.url_open(f"/my/ticket/{complaint.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_quality_portal_serviced", page.text)
        self.assertIn(self.lot_a.name, page.text)
        self.assertNotIn("o_quality_portal_feedback", page.text)
        self.assertNotIn(complaint.sudo().access_token, page.text)
        response = self.url_open(
            f"/my/quality/complaint/{complaint.id}/feedback",
            data={"satisfaction": "1", "csrf_token": self._form_csrf()},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(complaint.satisfaction)
        # nor through JSON-RPC: read-only, no answer, no token
        kind, values = self._rpc(
            "helpdesk.ticket",
            "read",
            complaint.ids,
            ["name", "satisfaction", "follow_up_feedback", "access_token"],
        )
        self.assertEqual(kind, "result")
        self.assertEqual(values[0]["name"], complaint.name)
        self.assertFalse(values[0]["satisfaction"] or values[0]["access_token"])
        kind, message = self._rpc(
            "helpdesk.ticket", "write", complaint.ids, {"name": "Taken over"}
        )
        self.assertEqual(kind, "error")
        kind, messages = self._rpc(
            "mail.message",
            "search_read",
            [("model", "=", "helpdesk.ticket"), ("res_id", "=", complaint.id)],
            ["body"],
        )
        bodies = " ".join(m["body"] for m in messages)
        self.assertIn("Please visit the hotel", bodies)
        self.assertNotIn("Private word to the hotel", bodies)
        # the hotel itself answers its follow-up
        complaint.invalidate_recordset()
        self.authenticate("qc_hard_hotel", "qc_hard_hotel")
        response = self.url_open(
            f"/my/quality/complaint/{complaint.id}/feedback",
            data={
                "satisfaction": "4",
                "feedback": "Fixed",
                "csrf_token": self._form_csrf(),
            },
        )
        self.assertEqual(response.status_code, 200)
        complaint.invalidate_recordset()
        self.assertEqual(complaint.satisfaction, "4")

    def test_rating_with_a_bad_rate_is_a_bad_request(self):
        complaint = self._create_complaint(partner=self.hotel, lines=[(self.lot_a, 1)])
        self._to_follow_up(complaint)
        token = complaint.rating_ids[:1].access_token
        self.assertTrue(token, "entering follow-up asks for a rating")
        self.authenticate("qc_hard_hotel", "qc_hard_hotel")
        for rate in ("nan", "1e9", "2", "x"):
            with self.subTest(rate=rate):
                response = self.url_open(
                    f"/rate/{token}/submit_feedback",
                    data={"rate": rate, "csrf_token": self._form_csrf()},
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("Choose one of the offered ratings.", response.text)
        complaint.invalidate_recordset()
        self.assertFalse(complaint.satisfaction)
        response = self.url_open(
            f"/rate/{token}/submit_feedback",
            data={"rate": "5", "feedback": "Good", "csrf_token": self._form_csrf()},
        )
        self.assertEqual(response.status_code, 200)
        complaint.invalidate_recordset()
        self.assertEqual(complaint.satisfaction, "5")

    def test_portal_never_reads_tier_reviews(self):
        complaint = self._create_complaint(partner=self.hotel, lines=[(self.lot_a, 2)])
        self._ready_for(complaint, "solution")
        complaint.write({"remedy_type": "refund", "remedy_amount": 6800})
        complaint.action_request_remedy_approval()
        self.assertTrue(complaint.review_ids)
        self.authenticate("qc_hard_hotel", "qc_hard_hotel")
        for model in ("tier.review", "tier.definition"):
            with self.subTest(model=model):
                self.assertEqual(
                    self._rpc(model, "search_read", [], ["name"]), ("result", [])
                )
        kind, _message = self._rpc("tier.review", "read", complaint.review_ids.ids)
        self.assertEqual(kind, "error")

    def test_company_limits_are_sane(self):
        for values, message in (
            ({"quality_portal_max_quantity": 0}, "at least 1"),
            ({"quality_portal_max_upload_mb": 0}, "at least 1"),
            ({"quality_portal_max_upload_mb": 100000}, "cannot exceed 1,024"),
            ({"quality_portal_max_quantity": float("nan")}, "finite number"),
        ):
            with self.subTest(values=values):
                with self.assertRaisesMessage(ValidationError, message):
                    self.company.write(values)
        self.assertEqual(self.company.quality_portal_max_upload_mb, 10)
        self.company.write({"quality_portal_max_upload_mb": 25})
        self.assertEqual(self.company.quality_portal_max_upload_mb, 25)
