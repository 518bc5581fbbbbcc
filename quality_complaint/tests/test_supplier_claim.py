from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestSupplierClaim(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env,
            login="qc_buyer",
            groups="purchase.group_purchase_user,stock.group_stock_user,"
            "account.group_account_invoice",
        )
        cls.purchase_manager = new_test_user(
            cls.env,
            login="qc_purchase_manager",
            groups="purchase.group_purchase_manager,account.group_account_invoice",
        )
        cls.vendor.email = "quality@membrane.example.com"
        cls.vendor_2 = cls.env["res.partner"].create(
            {"name": "Pump Vendor", "is_company": True, "email": "qa@pump.example.com"}
        )
        cls.lot_c = cls._create_lot("LOT-C")
        cls.purchase_order_2 = cls._receive({cls.lot_c: 10}, vendor=cls.vendor_2)
        cls._deliver(cls.distributor, {cls.lot_c: 5})
        cls.Claim = cls.env["quality.supplier.claim"]
        cls.ticket_a = cls._create_complaint(
            lines=[(cls.lot_a, 3)], remedy_type="replace"
        )
        cls.ticket_c = cls._create_complaint(
            lines=[(cls.lot_c, 2)], remedy_type="refund", remedy_amount=500
        )

    def _issue(self, lines):
        return self.env["quality.batch.issue"].create(
            {
                "rule_id": self.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": self.company.id,
                "lot_id": lines.lot_id[:1].id,
                "product_id": self.product.id,
                "line_ids": [Command.set(lines.ids)],
                "ticket_ids": [Command.set(lines.ticket_id.ids)],
                "state": "confirmed",
            }
        )

    def _claim_for(self, tickets):
        tickets.action_create_supplier_claims()
        return tickets.supplier_claim_ids

    def _acknowledged(self, claim, agreed):
        claim.action_submit()
        claim.action_send()
        claim.amount_agreed = agreed
        claim.action_acknowledge()
        return claim

    # Drafting

    def test_draft_from_a_batch_problem(self):
        issue = self._issue(self.ticket_a.complaint_line_ids)
        issue.with_user(self.engineer).action_create_supplier_claims()
        claim = issue.supplier_claim_ids
        self.assertEqual(len(claim), 1)
        self.assertEqual(claim.state, "draft")
        self.assertEqual(claim.partner_id, self.vendor)
        self.assertEqual(claim.batch_issue_id, issue)
        self.assertEqual(claim.purchase_order_ids, self.purchase_order)
        self.assertEqual(claim.lot_ids, self.lot_a)
        self.assertEqual(claim.product_ids, self.product)
        self.assertEqual(claim.ticket_ids, self.ticket_a)
        self.assertEqual(self.ticket_a.supplier_claim_ids, claim)
        line = claim.line_ids
        self.assertEqual(line.cost_type, "replacement")
        self.assertEqual((line.quantity, line.price_unit, line.amount), (3, 100, 300))
        self.assertEqual(claim.amount_claimed, 300)
        self.assertTrue(claim.name.startswith("SC/"))

    def test_draft_from_complaints_of_two_vendors(self):
        tickets = self.ticket_a | self.ticket_c
        tickets.with_user(self.engineer).action_create_supplier_claims()
        claims = tickets.supplier_claim_ids
        self.assertEqual(len(claims), 2)
        by_vendor = {claim.partner_id: claim for claim in claims}
        self.assertEqual(set(by_vendor), {self.vendor, self.vendor_2})
        pump = by_vendor[self.vendor_2]
        self.assertEqual(pump.purchase_order_ids, self.purchase_order_2)
        self.assertEqual(pump.ticket_ids, self.ticket_c)
        self.assertEqual(pump.line_ids.cost_type, "compensation")
        self.assertEqual(pump.amount_claimed, 500)
        self.assertEqual(by_vendor[self.vendor].amount_claimed, 300)
        # lines stay editable in draft
        pump.line_ids.price_unit = 450
        self.assertEqual(pump.amount_claimed, 450)

    def test_draft_from_a_purchase_order(self):
        action = self.purchase_order.with_user(
            self.buyer
        ).action_create_supplier_claim()
        claim = self.Claim.browse(action["res_id"])
        self.assertEqual(claim.partner_id, self.vendor)
        self.assertEqual(claim.purchase_order_ids, self.purchase_order)
        self.assertEqual(claim.ticket_ids, self.ticket_a)
        self.assertEqual(claim.amount_claimed, 300)
        self.assertEqual(self.purchase_order.supplier_claim_count, 1)
        # an order without complaints gives an empty claim to fill in
        order = self._receive({self._create_lot("LOT-D"): 4})
        action = order.with_user(self.buyer).action_create_supplier_claim()
        empty = self.Claim.browse(action["res_id"])
        self.assertEqual(empty.purchase_order_ids, order)
        self.assertFalse(empty.line_ids)

    def test_a_complaint_is_claimed_once_per_vendor(self):
        claim = self._claim_for(self.ticket_a)
        count = self.Claim.search_count([])
        with self.assertRaisesMessage(UserError, "already claimed"):
            self.ticket_a.action_create_supplier_claims()
        self.assertEqual(self.Claim.search_count([]), count)
        # with another complaint, only the new one is claimed
        (self.ticket_a | self.ticket_c).action_create_supplier_claims()
        self.assertEqual(self.ticket_a.supplier_claim_ids, claim)
        self.assertEqual(self.ticket_c.supplier_claim_ids.ticket_ids, self.ticket_c)
        # a cancelled claim frees its complaints
        claim.action_cancel()
        self.ticket_a.action_create_supplier_claims()
        self.assertEqual(len(self.ticket_a.supplier_claim_ids), 2)

    def test_no_vendor_traced_is_refused(self):
        lot = self._create_lot("LOT-NOWHERE")
        ticket = self._create_complaint(lines=[(lot, 1)])
        count = self.Claim.search_count([])
        with self.assertRaisesMessage(UserError, "traced to a vendor"):
            ticket.action_create_supplier_claims()
        self.assertEqual(self.Claim.search_count([]), count)

    def test_bad_amounts_are_refused(self):
        claim = self._claim_for(self.ticket_a)
        line = claim.line_ids
        for values in ({"quantity": -1}, {"price_unit": -5}):
            with self.subTest(values=values):
                with self.assertRaisesMessage(ValidationError, "cannot be negative"):
                    line.write(values)
        self.assertEqual((line.quantity, line.price_unit), (3, 100))
        with self.assertRaisesMessage(ValidationError, "cannot be negative"):
            claim.amount_agreed = -1
        self.assertEqual(claim.amount_agreed, 0)

    # Approval, sending, answer

    def test_claim_above_threshold_needs_a_purchase_manager(self):
        claim = self._claim_for(self.ticket_a)
        claim.line_ids.quantity = 150  # 15,000
        claim.with_user(self.buyer).action_submit()
        self.assertEqual(claim.state, "to_approve")
        self.assertIn(self.purchase_manager, claim.review_ids.reviewer_ids)
        claim.with_user(self.buyer).validate_tier()
        self.assertEqual(claim.state, "to_approve")
        with self.assertRaisesMessage(UserError, "cannot send"):
            claim.with_user(self.buyer).action_send()
        claim.with_user(self.purchase_manager).validate_tier()
        self.assertEqual(claim.state, "approved")

    def test_claim_refused_by_the_reviewer(self):
        claim = self._claim_for(self.ticket_a)
        claim.line_ids.quantity = 150
        claim.action_submit()
        claim.with_user(self.purchase_manager).reject_tier()
        self.assertEqual(claim.state, "rejected")

    def test_claim_below_threshold_is_approved_at_once(self):
        claim = self._claim_for(self.ticket_a)
        claim.with_user(self.buyer).action_submit()
        self.assertEqual(claim.state, "approved")
        self.assertFalse(claim.review_ids)

    def test_submit_without_amount_is_refused(self):
        order = self._receive({self._create_lot("LOT-E"): 4})
        action = order.action_create_supplier_claim()
        claim = self.Claim.browse(action["res_id"])
        with self.assertRaisesMessage(UserError, "no amount to claim"):
            claim.action_submit()
        self.assertEqual(claim.state, "draft")

    def test_send_mails_the_report_and_waits_for_the_answer(self):
        self.company.quality_claim_response_days = 7
        claim = self._claim_for(self.ticket_a)
        claim.user_id = self.buyer
        claim.action_submit()
        claim.with_user(self.buyer).action_send()
        self.assertEqual(claim.state, "sent")
        self.assertEqual(
            claim.response_deadline,
            self._today(claim.with_user(self.buyer)) + timedelta(days=7),
        )
        message = claim.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.attachment_ids
        )
        self.assertEqual(len(message), 1)
        self.assertIn(self.vendor, message.partner_ids)
        # the claim appraisal report (rendered as HTML in test mode, PDF otherwise)
        attachment = message.attachment_ids
        self.assertTrue(attachment.name.startswith(f"Claim - {claim.name}"))
        self.assertIn(b"Claim Appraisal Report", attachment.raw)
        activity = claim.activity_ids
        self.assertEqual(activity.user_id, self.buyer)
        self.assertEqual(activity.date_deadline, claim.response_deadline)
        claim.action_acknowledge()
        self.assertEqual(claim.state, "acknowledged")
        self.assertFalse(claim.activity_ids)

    def test_agreed_above_claimed_needs_a_reason(self):
        claim = self._claim_for(self.ticket_a)
        claim.action_submit()
        claim.action_send()
        with self.assertRaisesMessage(ValidationError, "give the reason"):
            claim.amount_agreed = 350
        self.assertEqual(claim.amount_agreed, 0)
        claim.write(
            {"amount_agreed": 350, "agreed_note": "Includes our sorting labour"}
        )
        self.assertEqual(claim.amount_agreed, 350)

    # Documents

    def test_credit_note_only_once_acknowledged(self):
        claim = self._claim_for(self.ticket_a)
        claim.action_submit()
        moves = self.env["account.move"].search_count([])
        with self.assertRaisesMessage(UserError, "is not acknowledged"):
            claim.action_create_refund()
        self.assertEqual(self.env["account.move"].search_count([]), moves)

    def test_credit_notes_and_recovery(self):
        claim = self._acknowledged(self._claim_for(self.ticket_a), 200)
        claim.with_user(self.buyer).action_create_refund()
        refund = claim.refund_move_ids
        self.assertEqual(refund.move_type, "in_refund")
        self.assertEqual(refund.state, "draft")
        self.assertEqual(refund.partner_id, self.vendor)
        self.assertEqual(refund.amount_total, 200)
        self.assertEqual(claim.amount_recovered, 0)
        # partial: accounting credits 120 now, the rest later
        refund.invoice_line_ids.price_unit = 120
        refund.action_post()
        self.assertEqual(claim.amount_recovered, 120)
        claim.action_create_refund()
        second = claim.refund_move_ids - refund
        self.assertEqual(second.amount_total, 80)
        second.action_post()
        self.assertEqual(claim.amount_recovered, 200)
        with self.assertRaisesMessage(UserError, "already credited"):
            claim.action_create_refund()
        claim.with_user(self.purchase_manager).action_settle()
        self.assertEqual(claim.state, "settled")

    def test_return_to_vendor_of_the_defective_lot(self):
        claim = self._claim_for(self.ticket_a)
        claim.with_user(self.buyer).action_return_to_vendor()
        returned = claim.return_picking_ids
        self.assertEqual(len(returned), 1)
        receipt = self.purchase_order.picking_ids.filtered(
            lambda p: p.picking_type_code == "incoming"
        )
        self.assertEqual(returned.return_id, receipt)
        self.assertEqual(returned.location_dest_id.usage, "supplier")
        self.assertEqual(returned.move_ids.product_uom_qty, 3)
        self.assertEqual(returned.move_line_ids.lot_id, self.lot_a)
        self.assertEqual(sum(returned.move_line_ids.mapped("quantity")), 3)

    def test_corrective_action_request_to_the_vendor(self):
        claim = self._claim_for(self.ticket_a)
        claim.corrective_action_request = "<p>Calibrate the moulding heaters</p>"
        self.env["quality.action"].create(
            {
                "name": "Vendor to send its 8D",
                "action_type": "corrective",
                "user_id": self.buyer.id,
                "date_deadline": date.today() + timedelta(days=14),
                "claim_id": claim.id,
            }
        )
        self.assertEqual(self.vendor.open_claim_action_count, 1)
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            "quality_complaint.report_supplier_claim", claim.ids
        )
        html = html.decode()
        for text in (
            "Claim Appraisal Report",
            claim.name,
            "LOT-A",
            self.ticket_a.number,
            "Calibrate the moulding heaters",
            "Vendor to send its 8D",
            "300.00",
        ):
            self.assertIn(text, html)
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        self.vendor.lang = "zh_CN"
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("quality_complaint.report_supplier_claim", claim.ids)[0]
            .decode()
        )
        self.assertIn("索赔鉴定报告", html)
        self.assertIn("纠正预防", html)

    # Purchasing: scorecard

    def test_vendor_scorecard(self):
        claim = self._acknowledged(self._claim_for(self.ticket_a), 200)
        claim.action_create_refund()
        claim.refund_move_ids.action_post()
        self._create_complaint(lines=[(self.lot_b, 1)])
        self.vendor.invalidate_recordset()
        # 40 units received, 3 + 1 complained
        self.assertEqual(self.vendor.received_qty, 40)
        self.assertEqual(self.vendor.complaint_unit_qty, 4)
        self.assertAlmostEqual(self.vendor.complaint_rate, 10.0)
        self.assertEqual(self.vendor.supplier_claim_count, 1)
        self.assertEqual(self.vendor.claim_amount_claimed, 300)
        self.assertEqual(self.vendor.claim_amount_agreed, 200)
        self.assertEqual(self.vendor.claim_amount_recovered, 200)
        self.assertEqual(self.vendor_2.complaint_unit_qty, 2)
        self.assertAlmostEqual(self.vendor_2.complaint_rate, 20.0)
        self.assertEqual(self.vendor_2.supplier_claim_count, 0)

    def test_vendor_scorecard_query_count_does_not_grow(self):
        vendors = self.env["res.partner"].create(
            [{"name": f"Vendor {index}"} for index in range(20)]
        )
        self.Claim.create(
            [
                {
                    "partner_id": vendor.id,
                    "line_ids": [
                        Command.create({"description": "Sorting", "price_unit": 10})
                    ],
                }
                for vendor in vendors
            ]
        )

        def queries(partners):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            partners.mapped("complaint_rate")
            return self.env.cr.sql_log_count - before

        queries(vendors)  # warm-up
        one, twenty = queries(vendors[:1]), queries(vendors)
        self.assertEqual(one, twenty)
        self.assertEqual(vendors[7].supplier_claim_count, 1)
        self.assertEqual(vendors[7].claim_amount_claimed, 10)

    # Security

    def test_access_per_group(self):
        issue = self._issue(self.ticket_a.complaint_line_ids)
        # quality engineers read claims and draft them from batch problems
        issue.with_user(self.engineer).action_create_supplier_claims()
        claim = issue.supplier_claim_ids
        claim.with_user(self.engineer).line_ids.write({"price_unit": 90})
        claim.with_user(self.buyer).action_submit()
        with self.assertRaises(AccessError):
            claim.with_user(self.engineer).write({"description": "<p>x</p>"})
        claim.with_user(self.engineer).read(["amount_claimed"])
        # buyers pursue; managers settle; nobody deletes a claim past draft
        claim.with_user(self.buyer).action_send()
        claim.with_user(self.buyer).write({"amount_agreed": 100})
        claim.with_user(self.buyer).action_acknowledge()
        with self.assertRaisesMessage(AccessError, "Only purchase managers"):
            claim.with_user(self.buyer).action_settle()
        with self.assertRaisesMessage(UserError, "cannot be deleted"):
            claim.with_user(self.purchase_manager).unlink()
        claim.with_user(self.purchase_manager).action_settle()
        # buyers read the complaints of their claims, not the others
        self.assertEqual(
            claim.with_user(self.buyer).ticket_ids.number, self.ticket_a.number
        )
        with self.assertRaises(AccessError):
            self.ticket_c.with_user(self.buyer).read(["name"])
        # customer service and portal users never see claims
        with self.assertRaises(AccessError):
            claim.with_user(self.cs_user).read(["name"])
        portal = new_test_user(
            self.env, login="qc_portal_claim", groups="base.group_portal"
        )
        with self.assertRaises(AccessError):
            claim.with_user(portal).read(["name"])
        self.assertNotIn(
            "supplier_claim_ids", self.ticket_a.with_user(portal).fields_get()
        )
