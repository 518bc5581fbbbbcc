from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    def test_demo_complaints_are_traced_and_in_several_phases(self):
        if not self.env.ref(
            "quality_complaint.complaint_leak_intake_demo", raise_if_not_found=False
        ):
            self.skipTest("installed without demo data")
        complaints = self.env["helpdesk.ticket"].search(
            [
                (
                    "id",
                    "in",
                    [
                        self.env.ref(f"quality_complaint.{xmlid}").id
                        for xmlid in (
                            "complaint_leak_intake_demo",
                            "complaint_shock_triage_demo",
                            "complaint_noise_investigation_demo",
                            "complaint_leak_solution_demo",
                            "complaint_scratch_done_demo",
                            "complaint_misuse_rejected_demo",
                        )
                    ],
                )
            ]
        )
        self.assertEqual(
            set(complaints.mapped("quality_phase")),
            {"intake", "triage", "investigation", "solution", "done", "rejected"},
        )
        lines = complaints.complaint_line_ids
        vendor = self.env.ref("quality_complaint.partner_vendor_demo")
        self.assertEqual(lines.vendor_id, vendor)
        self.assertTrue(all(lines.mapped("delivery_picking_id")))
        self.assertEqual(set(lines.mapped("warranty_state")), {"in_warranty"})
        lot_a = self.env.ref("quality_complaint.lot_wp500_a_demo")
        issue = self.env["quality.batch.issue"].search(
            [
                (
                    "rule_id",
                    "=",
                    self.env.ref("quality_complaint.quality_batch_rule_lot").id,
                ),
                ("lot_id", "=", lot_a.id),
            ]
        )
        self.assertEqual(issue.affected_qty, 5)
        self.assertEqual(issue.held_lot_ids, lot_a)
        self.assertTrue(lot_a.locked)
        hotel_complaint = self.env.ref(
            "quality_complaint.complaint_noise_investigation_demo"
        )
        self.assertEqual(
            hotel_complaint.service_partner_id,
            self.env.ref("quality_complaint.partner_sub_distributor_demo"),
        )

    def test_demo_investigation_and_remedy_approval(self):
        complaint = self.env.ref(
            "quality_complaint.complaint_leak_solution_demo", raise_if_not_found=False
        )
        if not complaint:
            self.skipTest("installed without demo data")
        self.assertEqual(len(complaint._get_five_whys()), 5)
        self.assertEqual(
            set(complaint.action_ids.mapped("action_type")),
            {"containment", "corrective", "preventive"},
        )
        self.assertEqual(
            self.env.ref("quality_complaint.action_hold_lot_demo").state, "done"
        )
        self.assertEqual(complaint.remedy_state, "to_approve")
        self.assertEqual(complaint.validation_status, "pending")

    def test_demo_supplier_claim_from_the_lot_problem(self):
        lot_a = self.env.ref(
            "quality_complaint.lot_wp500_a_demo", raise_if_not_found=False
        )
        if not lot_a:
            self.skipTest("installed without demo data")
        claim = self.env["quality.supplier.claim"].search(
            [("lot_ids", "in", lot_a.ids), ("batch_issue_id", "!=", False)]
        )
        self.assertEqual(len(claim), 1)
        self.assertEqual(
            claim.partner_id, self.env.ref("quality_complaint.partner_vendor_demo")
        )
        self.assertTrue(claim.purchase_order_ids)
        self.assertGreater(claim.amount_claimed, 0)
