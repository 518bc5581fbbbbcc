"""Issue 11, as the hostile users came in: plain JSON-RPC calls of the web
client's endpoint, with guarded states, forged reviews, NaN and huge numbers
in the raw JSON body. Each refusal is checked by its message and by nothing
being written."""

import json

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestHardeningRpc(HttpCase, QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env,
            login="qc_rpc_buyer",
            groups="purchase.group_purchase_user,account.group_account_invoice",
        )
        cls.purchase_manager = new_test_user(
            cls.env,
            login="qc_rpc_purchase_manager",
            groups="purchase.group_purchase_manager,account.group_account_invoice",
        )
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.password = "qc_rpc_admin"
        cls.vendor.email = "quality@membrane.example.com"

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _rpc(self, login, model, method, *args, password=None, **kwargs):
        """Call `model.method(*args, **kwargs)` through /web/dataset/call_kw as
        `login`; the body is written by json.dumps, so NaN and Infinity go as
        the bare tokens a hostile client sends.

        :return: ("result", value) or ("error", message)
        """
        self.authenticate(login, password or login)
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
        self.assertEqual(response.status_code, 200)
        payload = response.json()
        if "error" in payload:
            return "error", payload["error"]["data"]["message"]
        # Odoo leaves a None result out of the response
        return "result", payload.get("result")

    def assertRefused(self, outcome, message):
        kind, value = outcome
        self.assertEqual(kind, "error", f"not refused: {value!r}")
        self.assertIn(message, value)

    def _awaiting_manager(self, amount=6800):
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        self._ready_for(ticket, "solution")
        for phase in ("triage", "investigation", "solution"):
            ticket.stage_id = self.stages[phase]
        ticket.write({"remedy_type": "refund", "remedy_amount": amount})
        ticket.with_user(self.cs_user).action_request_remedy_approval()
        self.assertEqual(ticket.remedy_state, "to_approve")
        return ticket

    def _claim(self, amount):
        claim = self.env["quality.supplier.claim"].create(
            {
                "partner_id": self.vendor.id,
                "line_ids": [
                    Command.create(
                        {"description": "Sorting", "quantity": 1, "price_unit": amount}
                    )
                ],
            }
        )
        return claim

    # ------------------------------------------------------------
    # 1. Approvals cannot be walked around
    # ------------------------------------------------------------

    def test_remedy_state_written_directly_is_refused(self):
        ticket = self._awaiting_manager()
        for login, values in (
            ("qc_customer_service", {"remedy_state": "done"}),
            ("qc_engineer", {"remedy_state": "approved"}),
            ("qc_manager", {"remedy_state": "approved"}),
        ):
            with self.subTest(login=login):
                self.assertRefused(
                    self._rpc(login, "helpdesk.ticket", "write", ticket.ids, values),
                    "changes only through its buttons",
                )
        self.assertRefused(
            self._rpc(
                self.admin.login,
                "helpdesk.ticket",
                "write",
                ticket.ids,
                {"remedy_state": "approved"},
                password="qc_rpc_admin",
            ),
            "changes only through its buttons",
        )
        ticket.invalidate_recordset()
        self.assertEqual(ticket.remedy_state, "to_approve")
        # and so the complaint still cannot enter execution
        self.assertRefused(
            self._rpc(
                "qc_customer_service",
                "helpdesk.ticket",
                "write",
                ticket.ids,
                {"stage_id": self.stages["execution"].id},
            ),
            "a review is pending",
        )

    def test_amount_and_approval_written_together_are_refused(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        outcome = self._rpc(
            "qc_customer_service",
            "helpdesk.ticket",
            "write",
            ticket.ids,
            {"remedy_amount": 99999, "remedy_state": "approved"},
        )
        self.assertRefused(outcome, "changes only through its buttons")
        ticket.invalidate_recordset()
        self.assertEqual((ticket.remedy_state, ticket.remedy_amount), ("draft", 0))

    def test_skipping_the_tier_check_by_context_resets_the_approval(self):
        ticket = self._awaiting_manager()
        self._rpc(
            "qc_customer_service",
            "helpdesk.ticket",
            "write",
            ticket.ids,
            {"remedy_amount": 4000},
            context={"skip_validation_check": True},
        )
        ticket.invalidate_recordset()
        # the amount under review changed: the review is void
        self.assertEqual(ticket.remedy_state, "draft")
        self.assertFalse(ticket.review_ids)

    def test_state_follows_the_reviews_when_requested_directly(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        self._ready_for(ticket, "solution")
        ticket.write({"remedy_type": "refund", "remedy_amount": 6800})
        self._rpc(
            "qc_customer_service", "helpdesk.ticket", "request_validation", ticket.ids
        )
        ticket.invalidate_recordset()
        self.assertEqual(ticket.remedy_state, "to_approve")
        self._rpc("qc_manager", "helpdesk.ticket", "validate_tier", ticket.ids)
        ticket.invalidate_recordset()
        # approved by the last review, before anyone enters execution
        self.assertEqual(ticket.remedy_state, "approved")

    def test_reviews_cannot_be_forged(self):
        ticket = self._awaiting_manager()
        review = ticket.review_ids
        self.assertRefused(
            self._rpc(
                "qc_customer_service",
                "tier.review",
                "write",
                review.ids,
                {"status": "approved"},
            ),
            "cannot be created, changed or deleted directly",
        )
        self.assertRefused(
            self._rpc(
                "qc_customer_service",
                "tier.review",
                "create",
                [
                    {
                        "model": "helpdesk.ticket",
                        "res_id": ticket.id,
                        "definition_id": review.definition_id.id,
                        "status": "approved",
                    }
                ],
            ),
            "cannot be created, changed or deleted directly",
        )
        self.assertRefused(
            self._rpc("qc_customer_service", "tier.review", "unlink", review.ids),
            "cannot be created, changed or deleted directly",
        )
        ticket.invalidate_recordset()
        self.assertEqual(review.status, "pending")
        self.assertEqual(ticket.review_ids, review)
        self.assertEqual(ticket.remedy_state, "to_approve")

    def test_claim_state_written_directly_is_refused(self):
        claim = self._claim(50000)
        claim.action_submit()
        self.assertEqual(claim.state, "to_approve")
        for login, state in (
            ("qc_rpc_buyer", "settled"),
            ("qc_rpc_buyer", "sent"),
            ("qc_rpc_purchase_manager", "approved"),
        ):
            with self.subTest(login=login, state=state):
                self.assertRefused(
                    self._rpc(
                        login,
                        "quality.supplier.claim",
                        "write",
                        claim.ids,
                        {"state": state},
                    ),
                    "changes only through its buttons",
                )
        draft = self._claim(90000)
        self.assertRefused(
            self._rpc(
                "qc_engineer",
                "quality.supplier.claim",
                "write",
                draft.ids,
                {"state": "settled"},
            ),
            "changes only through its buttons",
        )
        (claim | draft).invalidate_recordset()
        self.assertEqual((claim.state, draft.state), ("to_approve", "draft"))

    def test_claim_line_added_after_approval_asks_again(self):
        claim = self._claim(5000)
        claim.with_user(self.buyer).action_submit()
        self.assertEqual(claim.state, "approved", "below the threshold")
        self._rpc(
            "qc_rpc_buyer",
            "quality.supplier.claim.line",
            "create",
            [{"claim_id": claim.id, "description": "Recall", "price_unit": 200000}],
        )
        claim.invalidate_recordset()
        self.assertEqual(claim.state, "draft")
        self.assertEqual(claim.amount_claimed, 205000)
        claim.with_user(self.buyer).action_submit()
        self.assertEqual(claim.state, "to_approve")
        # once sent to the vendor, the amounts it was sent with stay
        claim.with_user(self.purchase_manager).validate_tier()
        self.assertEqual(claim.state, "approved")
        claim.with_user(self.buyer).action_send()
        self.assertRefused(
            self._rpc(
                "qc_rpc_buyer",
                "quality.supplier.claim.line",
                "write",
                claim.line_ids[:1].ids,
                {"price_unit": 1},
            ),
            "was sent to the vendor",
        )
        claim.invalidate_recordset()
        self.assertEqual(claim.amount_claimed, 205000)

    def test_batch_issue_state_written_directly_is_refused(self):
        issue = self.env["quality.batch.issue"].create(
            {
                "rule_id": self.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": self.company.id,
                "product_id": self.product.id,
                "lot_id": self.lot_a.id,
            }
        )
        issue.with_user(self.manager).action_confirm()
        self.assertRefused(
            self._rpc(
                "qc_manager",
                "quality.batch.issue",
                "write",
                issue.ids,
                {"state": "detected"},
            ),
            "changes only through its buttons",
        )
        self.assertRefused(
            self._rpc("qc_manager", "quality.batch.issue", "unlink", issue.ids),
            "cannot be deleted",
        )
        issue.invalidate_recordset()
        self.assertEqual(issue.state, "confirmed")

    # ------------------------------------------------------------
    # 3. Numbers are finite and plausible
    # ------------------------------------------------------------

    def test_nan_and_huge_numbers_in_json_are_refused(self):
        policy = self.env.ref("quality_complaint.quality_sla_policy_major_response")
        rule = self.env.ref("quality_complaint.quality_batch_rule_lot")
        hours, threshold, window = policy.hours, rule.threshold, rule.window_days
        cases = [
            ("quality.sla.policy", policy, {"hours": float("nan")}, "finite number"),
            ("quality.sla.policy", policy, {"hours": float("inf")}, "finite number"),
            ("quality.sla.policy", policy, {"hours": 1e9}, "at most 8,760"),
            ("quality.batch.rule", rule, {"threshold": float("nan")}, "finite number"),
            (
                "quality.batch.rule",
                rule,
                {"window_days": 100000000},
                "at most ten years",
            ),
        ]
        for model, record, values, message in cases:
            with self.subTest(model=model, values=values):
                self.assertRefused(
                    self._rpc("qc_manager", model, "write", record.ids, values),
                    message,
                )
        policy.invalidate_recordset()
        rule.invalidate_recordset()
        self.assertEqual(
            (policy.hours, rule.threshold, rule.window_days), (hours, threshold, window)
        )
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        for values, message in (
            ({"remedy_amount": float("nan")}, "finite number"),
            ({"remedy_amount": float("-inf")}, "finite number"),
            ({"remedy_amount": 1e15}, "cannot exceed"),
        ):
            with self.subTest(values=values):
                self.assertRefused(
                    self._rpc(
                        "qc_customer_service",
                        "helpdesk.ticket",
                        "write",
                        ticket.ids,
                        values,
                    ),
                    message,
                )
        self.assertRefused(
            self._rpc(
                "qc_customer_service",
                "quality.complaint.line",
                "write",
                ticket.complaint_line_ids.ids,
                {"quantity": float("nan")},
            ),
            "finite number",
        )
        ticket.invalidate_recordset()
        self.assertEqual(ticket.remedy_amount, 0)
        self.assertEqual(ticket.complaint_line_ids.quantity, 1)
        # intake goes on: a major complaint is created and timed
        outcome = self._rpc(
            "qc_customer_service",
            "helpdesk.ticket",
            "create",
            [
                {
                    "name": "After the attack",
                    "description": "x",
                    "team_id": self.team.id,
                    "partner_id": self.distributor.id,
                    "defect_type_id": self.defect_leak.id,
                }
            ],
        )
        self.assertEqual(outcome[0], "result", outcome)
        created = self.env["helpdesk.ticket"].browse(outcome[1])
        self.assertEqual(created.severity, "major")
        self.assertTrue(created.sudo().sla_ids)

    # ------------------------------------------------------------
    # 5. Never deleted
    # ------------------------------------------------------------

    def test_records_once_started_are_never_deleted(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        ticket.stage_id = self.stages["triage"]
        ticket.stage_id = self.stages["intake"]
        self.assertRefused(
            self._rpc(
                "qc_customer_service",
                "helpdesk.ticket",
                "write",
                ticket.ids,
                {"has_left_intake": False},
            ),
            "changes only through its buttons",
        )
        self.assertRefused(
            self._rpc(
                self.admin.login,
                "helpdesk.ticket",
                "unlink",
                ticket.ids,
                password="qc_rpc_admin",
            ),
            "left intake cannot be deleted",
        )
        claim = self._claim(100)
        claim.with_user(self.buyer).action_submit()
        claim.with_user(self.buyer).action_cancel()
        claim.with_user(self.buyer).action_draft()
        self.assertRefused(
            self._rpc(
                "qc_rpc_purchase_manager", "quality.supplier.claim", "unlink", claim.ids
            ),
            "were submitted cannot be deleted",
        )
        self.assertTrue(ticket.exists() and claim.exists())

    def test_action_deadline_cannot_be_moved_into_the_past(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        action = self.env["quality.action"].create(
            {
                "name": "Sort the stock",
                "action_type": "containment",
                "user_id": self.engineer.id,
                "date_deadline": "2099-01-01",
                "ticket_id": ticket.id,
            }
        )
        self.assertRefused(
            self._rpc(
                "qc_engineer",
                "quality.action",
                "write",
                action.ids,
                {"date_deadline": "2000-01-01"},
            ),
            "is in the past",
        )
        action.invalidate_recordset()
        self.assertEqual(str(action.date_deadline), "2099-01-01")

    # ------------------------------------------------------------
    # The batch procedure's part 2 (issue 15), the same ways
    # ------------------------------------------------------------

    def _plan_and_notice(self):
        issue = self.env["quality.batch.issue"].create(
            {
                "rule_id": self.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": self.company.id,
                "product_id": self.product.id,
                "lot_id": self.lot_a.id,
            }
        )
        issue.with_user(self.manager).action_confirm()
        plan = self.env["quality.replacement.plan"].create(
            {
                "batch_issue_id": issue.id,
                "line_ids": [
                    Command.create(
                        {
                            "partner_id": self.distributor.id,
                            "units_delivered": 4,
                            "units_complained": 2,
                            "decision": "replace_failed",
                        }
                    )
                ],
            }
        )
        notice = self.env["quality.capa.notice"].create(
            {
                "batch_issue_id": issue.id,
                "responsible_type": "production",
                "user_id": self.engineer.id,
            }
        )
        return issue, plan, notice

    def test_plan_notice_and_alert_states_written_directly_are_refused(self):
        issue, plan, notice = self._plan_and_notice()
        for model, record, values in (
            ("quality.replacement.plan", plan, {"state": "approved"}),
            ("quality.replacement.plan", plan, {"state": "in_progress"}),
            ("quality.capa.notice", notice, {"state": "answered"}),
            ("quality.batch.issue", issue, {"alert_sent_date": "2026-01-01 08:00:00"}),
        ):
            with self.subTest(model=model, values=values):
                before = record.read(list(values))[0]
                self.assertRefused(
                    self._rpc("qc_manager", model, "write", record.ids, values),
                    "changes only through its buttons",
                )
                record.invalidate_recordset()
                self.assertEqual(record.read(list(values))[0], before)

    def test_nan_and_huge_plan_figures_in_json_are_refused(self):
        _issue, plan, _notice = self._plan_and_notice()
        line = plan.line_ids
        for field, value in (
            ("units_delivered", float("nan")),
            ("units_complained", float("inf")),
            ("cost_estimate", 1e15),
        ):
            with self.subTest(field=field, value=value):
                outcome = self._rpc(
                    "qc_engineer",
                    "quality.replacement.plan.line",
                    "write",
                    line.ids,
                    {field: value},
                )
                self.assertEqual(outcome[0], "error", outcome)
                line.invalidate_recordset()
                self.assertEqual(line.units_delivered, 4)
                self.assertEqual(line.units_complained, 2)
        self.assertEqual(plan.state, "draft")

    def test_portal_reads_no_plan_notice_or_bulletin(self):
        _issue, plan, notice = self._plan_and_notice()
        portal = new_test_user(
            self.env,
            login="qc_rpc_portal",
            groups="base.group_portal",
            partner_id=self.env["res.partner"]
            .create({"name": "Portal Buyer", "parent_id": self.distributor.id})
            .id,
        )
        self.assertTrue(portal.share)
        for model, ids in (
            ("quality.replacement.plan", plan.ids),
            ("quality.replacement.plan.line", plan.line_ids.ids),
            ("quality.capa.notice", notice.ids),
            ("quality.batch.issue.progress.bulletin", []),
        ):
            with self.subTest(model=model):
                self.assertRefused(
                    self._rpc("qc_rpc_portal", model, "search_read", [], ["id"]),
                    "You are not allowed to access",
                )
                if ids:
                    self.assertRefused(
                        self._rpc("qc_rpc_portal", model, "read", ids, ["id"]),
                        "You are not allowed to access",
                    )
