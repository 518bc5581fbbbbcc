from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged, warmup

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestReplacementPlan(QualityComplaintCommon):
    """The replacement plan of a confirmed batch problem (SPEC §11.3): drafted
    from the traced deliveries, approved by tier validation, carried out as
    RMAs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Plan = cls.env["quality.replacement.plan"]
        cls.quarantine = cls.env.ref(
            "quality_complaint.stock_location_quality_quarantine"
        )
        cls.cafe = cls.env["res.partner"].create(
            {"name": "Corner Cafe", "is_company": True}
        )
        cls.buyer_contact = cls.env["res.partner"].create(
            {"name": "Direct Buyer's Storekeeper", "parent_id": cls.direct_customer.id}
        )
        # The distributor has 10 units of LOT-A from today (common.py). The
        # direct buyer got 6 units of LOT-A 18 months ago (through a contact of
        # it: out of the 12 months' warranty) and 2 of LOT-B today. The cafe
        # got 4 units of LOT-B and sent 1 back.
        cls.old_delivery = cls._deliver(cls.buyer_contact, {cls.lot_a: 6})
        old = fields.Datetime.now() - relativedelta(months=18)
        cls.old_delivery.move_ids.date = old
        cls.old_delivery.move_line_ids.date = old
        cls.delivery_direct_b = cls._deliver(cls.direct_customer, {cls.lot_b: 2})
        cls.delivery_cafe = cls._deliver(cls.cafe, {cls.lot_b: 4})
        cls._return(cls.delivery_cafe, 1)
        cls.ticket_distributor = cls._create_complaint(lines=[(cls.lot_a, 2)])
        cls.ticket_direct = cls._create_complaint(
            partner=cls.direct_customer, lines=[(cls.lot_b, 1)]
        )
        cls.issue = cls._confirmed_issue(
            cls.ticket_distributor.complaint_line_ids
            | cls.ticket_direct.complaint_line_ids
        )

    @classmethod
    def _return(cls, delivery, quantity):
        wizard = (
            cls.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = quantity
        returned = wizard._create_return()
        returned.move_ids.picked = True
        returned.button_validate()
        assert returned.state == "done"
        return returned

    @classmethod
    def _confirmed_issue(cls, lines, **vals):
        return cls.env["quality.batch.issue"].create(
            {
                "rule_id": cls.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": cls.company.id,
                "lot_id": lines.lot_id[:1].id,
                "product_id": cls.product.id,
                "line_ids": [Command.set(lines.ids)],
                "ticket_ids": [Command.set(lines.ticket_id.ids)],
                "state": "confirmed",
                **vals,
            }
        )

    def _plan(self, issue=None, user=None):
        issue = issue or self.issue
        issue.with_user(user or self.engineer).action_create_replacement_plan()
        return issue.replacement_plan_ids.sorted("id")[-1:]

    def _figures(self, plan):
        return {
            line.partner_id: (
                line.units_delivered,
                line.units_in_warranty,
                line.units_complained,
                line.decision,
                line.cost_estimate,
            )
            for line in plan.line_ids
        }

    def _line(self, plan, partner):
        return plan.line_ids.filtered(lambda line: line.partner_id == partner)

    def _approved(self, plan, decisions=None):
        for partner, decision in (decisions or {}).items():
            self._line(plan, partner).decision = decision
        plan.with_user(self.engineer).action_submit()
        plan.with_user(self.manager).validate_tier()
        self.assertEqual(plan.state, "approved")
        return plan

    # ------------------------------------------------------------
    # Drafted from the deliveries
    # ------------------------------------------------------------

    def test_plan_figures_per_customer(self):
        action = self.issue.with_user(self.engineer).action_create_replacement_plan()
        plan = self.issue.replacement_plan_ids
        self.assertEqual(len(plan), 1)
        self.assertEqual(action["res_id"], plan.id)
        self.assertEqual(plan.state, "draft")
        self.assertTrue(plan.name.startswith("RP/"))
        self.assertEqual(plan.company_id, self.company)
        self.assertEqual(self.issue.replacement_plan_count, 1)
        self.assertEqual(
            self._figures(plan),
            {
                # 10 delivered today, 2 complained: replace them, 2 × 100
                self.distributor: (10, 10, 2, "replace_failed", 200),
                # 6 of LOT-A 18 months ago (its contact) + 2 of LOT-B today
                self.direct_customer: (8, 2, 1, "replace_failed", 100),
                # 4 delivered, 1 returned; no complaint: nothing to do
                self.cafe: (3, 3, 0, "none", 0),
            },
        )
        self.assertEqual(plan.amount_estimated, 300)

    def test_warranty_counts_the_products_months_from_the_delivery(self):
        self.product.complaint_warranty_months = 24
        self.assertEqual(self._figures(self._plan())[self.direct_customer][1], 8)
        # no warranty at all: no unit in warranty
        self.product.complaint_warranty_months = 0
        self.assertEqual(
            [figures[1] for figures in self._figures(self._plan()).values()],
            [0, 0, 0],
        )

    def test_reported_before_acceptance_replaces_all_units(self):
        """§3.1: a problem during the customer's acceptance: whole-unit
        replacement first."""
        issue = self._confirmed_issue(
            self.issue.line_ids,
            rule_id=False,
            origin="reported",
            units_reported=3,
            reported_by_id=self.distributor.id,
        )
        self.assertFalse(issue.customer_accepted)
        figures = self._figures(self._plan(issue))
        self.assertEqual(figures[self.distributor][3:], ("replace_all", 1000))
        self.assertEqual(figures[self.direct_customer][3:], ("replace_all", 800))
        self.assertEqual(figures[self.cafe][3:], ("none", 0))

    def test_decision_change_recomputes_the_cost(self):
        plan = self._plan()
        line = self._line(plan, self.cafe)
        line.decision = "replace_all"
        self.assertEqual(line.cost_estimate, 300)
        self.assertEqual(plan.amount_estimated, 600)
        # the estimate stays editable
        line.cost_estimate = 250
        self.assertEqual(plan.amount_estimated, 550)

    def test_plan_of_an_unconfirmed_issue_is_refused(self):
        for state in ("detected", "closed", "dismissed"):
            with self.subTest(state=state):
                issue = self._confirmed_issue(
                    self.issue.line_ids, lot_id=self._create_lot(state).id
                )
                issue.sudo().state = state
                with self.assertRaisesMessage(
                    UserError, "drafted only for a confirmed problem"
                ):
                    issue.with_user(self.engineer).action_create_replacement_plan()
                self.assertFalse(self.Plan.search([("batch_issue_id", "=", issue.id)]))

    @warmup
    def test_creation_runs_a_fixed_number_of_queries(self):
        """Whatever the number of customers the lots reached."""
        self.env["product.product"].invalidate_model()
        lot_x, lot_y = self._create_lot("LOT-X"), self._create_lot("LOT-Y")
        self._receive({lot_x: 10, lot_y: 10})
        customers = self.env["res.partner"].create(
            [{"name": f"Customer {index}", "is_company": True} for index in range(6)]
        )
        for customer in customers[:2]:
            self._deliver(customer, {lot_x: 1})
        for customer in customers:
            self._deliver(customer, {lot_y: 1})
        small = self._create_complaint(partner=customers[0], lines=[(lot_x, 1)])
        large = self._create_complaint(partner=customers[0], lines=[(lot_y, 1)])
        issues = [
            self._confirmed_issue(ticket.complaint_line_ids)
            for ticket in (small, large)
        ]
        counts = []
        for issue in issues:
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(QUERIES):
                start = self.env.cr.sql_log_count
                self._plan(issue)
                self.env.flush_all()
                counts.append(self.env.cr.sql_log_count - start)
        if self.warm:
            self.assertEqual(counts[0], counts[1])
        self.assertEqual(
            [len(issue.replacement_plan_ids[:1].line_ids) for issue in issues], [2, 6]
        )

    # ------------------------------------------------------------
    # Security
    # ------------------------------------------------------------

    def test_customer_service_reads_but_cannot_create_or_carry_out(self):
        with self.assertRaises(AccessError):
            self.issue.with_user(self.cs_user).action_create_replacement_plan()
        self.assertFalse(self.issue.replacement_plan_ids)
        plan = self._approved(self._plan())
        self.assertEqual(plan.with_user(self.cs_user).amount_estimated, 300)
        with self.assertRaises(AccessError):
            plan.with_user(self.cs_user).action_carry_out()
        with self.assertRaises(AccessError):
            self._line(plan, self.cafe).with_user(self.cs_user).decision = "repair"
        self.assertEqual(plan.state, "approved")
        self.assertFalse(plan.rma_ids)

    def test_other_company_does_not_see_the_plan(self):
        plan = self._plan()
        other = self.env["res.company"].create({"name": "Other Quality Co"})
        user = new_test_user(
            self.env,
            login="qc_manager_other",
            groups="quality_complaint.group_quality_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(self.Plan.with_user(user).search([("id", "=", plan.id)]))
        self.assertFalse(
            self.env["quality.replacement.plan.line"]
            .with_user(user)
            .search([("plan_id", "=", plan.id)])
        )

    def test_state_is_never_written_directly(self):
        plan = self._plan()
        admin = self.env.ref("base.user_admin")
        for state in ("approved", "in_progress", "done"):
            with self.assertRaisesMessage(UserError, "cannot be written directly"):
                plan.with_user(admin).state = state
        with self.assertRaisesMessage(UserError, "cannot be written directly"):
            plan.with_user(admin).was_submitted = True
        self.assertEqual(plan.state, "draft")

    def test_never_deleted_once_submitted(self):
        draft = self._plan()
        draft.with_user(self.manager).unlink()
        self.assertFalse(draft.exists())
        plan = self._plan()
        plan.with_user(self.engineer).action_submit()
        plan.with_user(self.engineer).action_draft()
        self.assertEqual(plan.state, "draft")
        with self.assertRaisesMessage(UserError, "cannot be deleted"):
            plan.with_user(self.manager).unlink()
        with self.assertRaises(AccessError):
            self._plan().with_user(self.engineer).unlink()

    # ------------------------------------------------------------
    # Approval
    # ------------------------------------------------------------

    def test_a_quality_manager_approves(self):
        plan = self._plan()
        plan.with_user(self.engineer).action_submit()
        self.assertEqual(plan.state, "to_approve")
        self.assertTrue(plan.was_submitted)
        review = plan.review_ids
        self.assertIn(self.manager, review.reviewer_ids)
        self.assertNotIn(self.engineer, review.reviewer_ids)
        # the engineer's approval does nothing
        plan.with_user(self.engineer).validate_tier()
        self.assertEqual(plan.state, "to_approve")
        self.assertNotEqual(review.status, "approved")
        plan.with_user(self.manager).validate_tier()
        self.assertEqual(review.status, "approved")
        self.assertEqual(plan.state, "approved")

    def test_a_refusal_sends_the_plan_back_to_draft(self):
        plan = self._plan()
        plan.with_user(self.engineer).action_submit()
        plan.with_user(self.manager).reject_tier()
        self.assertEqual(plan.state, "draft")
        self.assertEqual(plan.review_ids.status, "rejected")
        # corrected, and submitted again for a new review
        self._line(plan, self.cafe).with_user(self.engineer).decision = "repair"
        plan.with_user(self.engineer).action_submit()
        self.assertEqual(plan.state, "to_approve")
        # the refused review is replaced by a new one
        self.assertEqual(len(plan.review_ids), 1)
        self.assertIn(plan.review_ids.status, ("waiting", "pending"))
        plan.with_user(self.manager).validate_tier()
        self.assertEqual(plan.state, "approved")

    def test_changing_a_line_after_approval_asks_for_a_new_one(self):
        plan = self._approved(self._plan())
        self._line(plan, self.cafe).with_user(self.engineer).cost_estimate = 50
        self.assertEqual(plan.state, "draft")
        self.assertFalse(plan.review_ids)
        self.assertIn("approval is reset to draft", plan.message_ids[:1].body)
        self._approved(plan)
        self._line(plan, self.cafe).with_user(self.engineer).decision = "repair"
        self.assertEqual(plan.state, "draft")

    def test_a_plan_replacing_nothing_is_not_submitted(self):
        plan = self._plan()
        plan.line_ids.decision = "none"
        with self.assertRaisesMessage(UserError, "replaces or repairs nothing"):
            plan.with_user(self.engineer).action_submit()
        self.assertEqual(plan.state, "draft")
        self.assertFalse(plan.was_submitted)

    # ------------------------------------------------------------
    # Carried out as RMAs
    # ------------------------------------------------------------

    def test_carry_out_the_default_decisions(self):
        plan = self._approved(self._plan())
        plan.with_user(self.engineer).action_carry_out()
        self.assertEqual(plan.state, "in_progress")
        replace = self.env.ref("rma.rma_operation_replace")
        rmas = plan.rma_ids
        self.assertEqual(len(rmas), 2)
        for partner, lot, qty, complaint in (
            (self.distributor, self.lot_a, 2, self.ticket_distributor),
            (self.direct_customer, self.lot_b, 1, self.ticket_direct),
        ):
            rma = rmas.filtered(lambda r, p=partner: r.partner_id == p)
            self.assertEqual(len(rma), 1)
            self.assertEqual(rma.replacement_plan_line_id, self._line(plan, partner))
            self.assertEqual(rma.product_id, self.product)
            self.assertEqual(rma.lot_id, lot)
            self.assertEqual(rma.product_uom_qty, qty)
            self.assertEqual(rma.operation_id, replace)
            self.assertEqual(rma.location_id, self.quarantine)
            self.assertEqual(rma.state, "confirmed")
            self.assertEqual(rma.origin, plan.name)
            self.assertEqual(
                rma.picking_id, complaint.complaint_line_ids.delivery_picking_id
            )
            # not the complaint's remedy: that stays the complaint's
            self.assertFalse(rma.ticket_id)
        self.assertFalse(self._line(plan, self.cafe).rma_ids)
        self.assertEqual(
            [(line.rma_count, line.progress) for line in plan.line_ids.sorted("id")],
            [(1, 0.0), (1, 0.0), (0, 0.0)],
        )

    def test_progress_bulletin_tells_the_plans_progress(self):
        plan = self._approved(self._plan())
        plan.with_user(self.engineer).action_carry_out()
        follower = self.env["res.partner"].create(
            {"name": "Plan Follower", "email": "plan.follower@example.com"}
        )
        self.issue.message_subscribe(partner_ids=follower.ids)
        today = fields.Date.context_today(self.issue)
        week = today - relativedelta(days=today.weekday())
        bulletins = self.env[
            "quality.batch.issue.progress.bulletin"
        ]._send_progress_bulletins(week)
        bulletin = bulletins.filtered(lambda b: b.issue_id == self.issue)
        self.assertEqual(len(bulletin), 1)
        body = " ".join(str(bulletin.mail_ids.body_html).split())
        self.assertIn("o_bulletin_replacement", body)
        self.assertIn(f"{plan.name}: <span>In Progress</span>", body)
        self.assertIn("3 customer(s), 0 / 2 RMAs finished", body)

    def test_carry_out_replace_all_and_repair(self):
        plan = self._approved(
            self._plan(),
            {
                self.distributor: "replace_all",
                self.direct_customer: "repair",
                self.cafe: "replace_all",
            },
        )
        plan.with_user(self.engineer).action_carry_out()
        replace = self.env.ref("rma.rma_operation_replace")
        repair = self.env.ref("rma.rma_operation_return")
        got = sorted(
            (
                rma.partner_id.name,
                rma.lot_id.name,
                rma.product_uom_qty,
                rma.operation_id.id,
            )
            for rma in plan.rma_ids
        )
        self.assertEqual(
            got,
            sorted(
                [
                    # every unit delivered, one RMA per lot
                    (self.distributor.name, "LOT-A", 10, replace.id),
                    # net of the returned unit
                    (self.cafe.name, "LOT-B", 3, replace.id),
                    (self.direct_customer.name, "LOT-B", 1, repair.id),
                ]
            ),
        )
        cafe_rma = self._line(plan, self.cafe).rma_ids
        self.assertEqual(cafe_rma.picking_id, self.delivery_cafe)

    def test_replace_all_leaves_out_units_the_complaint_takes_back(self):
        complaint_rma = self.env["rma"].create(
            {
                "partner_id": self.distributor.id,
                "product_id": self.product.id,
                "lot_id": self.lot_a.id,
                "product_uom_qty": 2,
                "product_uom": self.product.uom_id.id,
                "operation_id": self.env.ref("rma.rma_operation_replace").id,
                "ticket_id": self.ticket_distributor.id,
                "complaint_line_id": self.ticket_distributor.complaint_line_ids.id,
            }
        )
        self.assertTrue(complaint_rma)
        plan = self._approved(self._plan(), {self.distributor: "replace_all"})
        plan.with_user(self.engineer).action_carry_out()
        self.assertEqual(self._line(plan, self.distributor).rma_ids.product_uom_qty, 8)

    def test_done_when_every_rma_is_finished(self):
        plan = self._approved(self._plan())
        plan.with_user(self.engineer).action_carry_out()
        first, second = plan.rma_ids.sorted("id")
        first.action_cancel()
        self.assertEqual(plan.state, "in_progress")
        receipts = second.reception_move_id.picking_id
        receipts.move_ids.picked = True
        receipts.button_validate()
        self.assertEqual(second.state, "received")
        self.assertEqual(plan.state, "in_progress")
        second.action_lock()
        self.assertEqual(second.state, "locked")
        self.assertEqual(plan.state, "done")
        self.assertEqual(plan.progress, 100)
        self.assertEqual(second.replacement_plan_line_id.progress, 100)
        self.assertEqual(first.replacement_plan_line_id.rma_count, 0)

    def test_a_plan_with_nothing_to_send_is_done_at_once(self):
        plan = self._plan()
        self._line(plan, self.cafe).decision = "replace_failed"  # no complaint
        (plan.line_ids - self._line(plan, self.cafe)).decision = "none"
        self._approved(plan)
        plan.with_user(self.engineer).action_carry_out()
        self.assertFalse(plan.rma_ids)
        self.assertEqual(plan.state, "done")

    def test_carried_out_plan_keeps_its_lines(self):
        plan = self._approved(self._plan())
        plan.with_user(self.engineer).action_carry_out()
        with self.assertRaisesMessage(UserError, "cannot change any more"):
            self._line(plan, self.cafe).decision = "repair"
        with self.assertRaisesMessage(UserError, "cannot change any more"):
            self._line(plan, self.cafe).unlink()
        with self.assertRaisesMessage(UserError, "cannot cancel"):
            plan.with_user(self.engineer).action_cancel()

    def test_rma_is_linked_to_a_plan_by_carry_out_only(self):
        plan = self._approved(self._plan())
        plan.with_user(self.engineer).action_carry_out()
        rma = plan.rma_ids[:1]
        other = self._line(plan, self.cafe)
        with self.assertRaisesMessage(UserError, "Carry Out button only"):
            rma.with_user(self.manager).replacement_plan_line_id = other
        with self.assertRaisesMessage(UserError, "Carry Out button only"):
            self.env["rma"].with_user(self.manager).create(
                {
                    "partner_id": self.cafe.id,
                    "product_id": self.product.id,
                    "product_uom_qty": 1,
                    "product_uom": self.product.uom_id.id,
                    "replacement_plan_line_id": other.id,
                }
            )

    # ------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------

    def test_carry_out_before_approval_is_refused(self):
        plan = self._plan()
        for step in ("draft", "to_approve"):
            self.assertEqual(plan.state, step)
            with self.assertRaisesMessage(UserError, "cannot carry out"):
                plan.with_user(self.engineer).action_carry_out()
            self.assertFalse(self.env["rma"].search([("origin", "=", plan.name)]))
            if step == "draft":
                plan.with_user(self.engineer).action_submit()
        self.assertEqual(plan.state, "to_approve")

    def test_negative_and_impossible_figures_are_refused(self):
        plan = self._plan()
        line = self._line(plan, self.cafe)
        for fname in ("cost_estimate", "unit_cost", "units_delivered"):
            with self.subTest(field=fname):
                with self.assertRaisesMessage(ValidationError, "cannot be negative"):
                    line.write({fname: -1})
        with self.assertRaisesMessage(ValidationError, "finite number"):
            line.write({"units_complained": float("nan")})
        with self.assertRaisesMessage(ValidationError, "cannot exceed"):
            line.write({"cost_estimate": 1e12})
        with self.assertRaisesMessage(ValidationError, "more units in warranty"):
            line.write({"units_in_warranty": 4})
        self.assertEqual(
            (line.units_delivered, line.units_in_warranty, line.cost_estimate),
            (3, 3, 0),
        )


# Queries of action_create_replacement_plan, the same for 2 or 6 customers.
QUERIES = 33


@tagged("post_install", "-at_install")
class TestReplacementPlanDemo(QualityComplaintCommon):
    def test_demo_plan_in_progress_with_open_rmas(self):
        lot_a = self.env.ref(
            "quality_complaint.lot_wp500_a_demo", raise_if_not_found=False
        )
        if not lot_a:
            self.skipTest("installed without demo data")
        plan = self.env["quality.replacement.plan"].search(
            [("batch_issue_id.lot_id", "=", lot_a.id)]
        )
        self.assertEqual(len(plan), 1)
        self.assertEqual(plan.batch_issue_id.state, "confirmed")
        self.assertEqual(plan.state, "in_progress")
        self.assertEqual(plan.review_ids.status, "approved")
        distributor = self.env.ref("quality_complaint.partner_distributor_demo")
        line = plan.line_ids.filtered(lambda line: line.partner_id == distributor)
        self.assertEqual(line.units_delivered, 12)
        self.assertEqual(line.decision, "replace_failed")
        self.assertTrue(line.rma_ids)
        self.assertTrue(all(rma.state == "confirmed" for rma in plan.rma_ids))
        self.assertLess(plan.progress, 100)
