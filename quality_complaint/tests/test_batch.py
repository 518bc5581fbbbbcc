import logging
import threading
from datetime import datetime, timedelta
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.quality_complaint.models.quality_batch_rule import QualityBatchRule
from odoo.addons.quality_complaint.models.quality_batch_rule_query import (
    QualityBatchRule as QualityBatchRuleQuery,
)

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestBatchDetection(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_lot = cls.env.ref("quality_complaint.quality_batch_rule_lot")
        cls.rule_small = cls.env.ref(
            "quality_complaint.quality_batch_rule_customer_small"
        )
        cls.rule_large = cls.env.ref(
            "quality_complaint.quality_batch_rule_customer_large"
        )
        cls.rule_product = cls.env.ref("quality_complaint.quality_batch_rule_product")
        # only this test's product counts (demo data may have complaints too)
        (cls.rule_lot | cls.rule_small | cls.rule_large | cls.rule_product).write(
            {"product_ids": [Command.set(cls.product.ids)]}
        )
        cls.rule_lot.notify_user_ids = cls.manager
        cls.Issue = cls.env["quality.batch.issue"]

    def _complain(self, lot, qty, partner=None, defect=None):
        return self._create_complaint(
            partner=partner,
            lines=[(lot, qty)],
            defect_type_id=(defect or self.defect_leak).id,
        )

    def _issues(self, rule):
        # this test's product only: the demo data has batch problems too
        return self.Issue.search(
            [("rule_id", "=", rule.id), ("product_id", "in", self.product.ids)]
        )

    def test_lot_rule_at_threshold(self):
        self._complain(self.lot_b, 2)
        self._complain(self.lot_b, 2)
        self.rule_lot._detect()
        self.assertFalse(self._issues(self.rule_lot))  # 4 < 5
        third = self._complain(self.lot_b, 1)
        result = self.rule_lot._detect()
        issue = self._issues(self.rule_lot)
        self.assertEqual(len(issue), 1)
        self.assertEqual(result["created"], issue)
        self.assertEqual(issue.lot_id, self.lot_b)
        self.assertEqual(issue.product_id, self.product)
        self.assertEqual(issue.affected_qty, 5)
        self.assertEqual(len(issue.ticket_ids), 3)
        self.assertIn(issue, third.batch_issue_ids)
        self.assertEqual(third.open_batch_issue_count, 1)
        self.assertTrue(issue.name.startswith("BQ/"))
        # notified: activity for the rule's user, message on each complaint
        self.assertEqual(issue.activity_ids.user_id, self.manager)
        self.assertIn(issue.name, third.message_ids[0].body)
        # auto hold of the lot
        self.assertEqual(issue.held_lot_ids, self.lot_b)
        self.assertTrue(self.lot_b.locked)

    def test_strictly_more_than(self):
        self.rule_lot.write({"comparison": ">", "auto_hold_lots": False})
        self._complain(self.lot_b, 5)
        self.rule_lot._detect()
        self.assertFalse(self._issues(self.rule_lot))
        self._complain(self.lot_b, 1)
        self.rule_lot._detect()
        self.assertEqual(self._issues(self.rule_lot).affected_qty, 6)

    def test_rejected_and_other_complaints_do_not_count(self):
        rejected = self._complain(self.lot_b, 5)
        rejected.write(
            {"rejection_reason": "Misuse", "stage_id": self.stages["rejected"].id}
        )
        self._complain(self.lot_b, 2).active = False
        self.rule_lot._detect()
        self.assertFalse(self._issues(self.rule_lot))

    def test_customer_rules_follow_the_installed_base_band(self):
        # the distributor received 10 units: under 300, the units rule applies
        self._complain(self.lot_a, 15)
        self.rule_small._detect()
        self.assertFalse(self._issues(self.rule_small))
        self._complain(self.lot_a, 1)
        self.rule_small._detect()
        self.rule_large._detect()
        issue = self._issues(self.rule_small)
        self.assertEqual(issue.partner_id, self.distributor)
        self.assertEqual(issue.defect_type_id, self.defect_leak)
        self.assertEqual(issue.affected_qty, 16)
        self.assertEqual(issue.installed_base, 10)
        self.assertFalse(self._issues(self.rule_large))
        # a customer using 300 units: the ratio rule applies, not the units one
        lot_c = self._create_lot("LOT-C")
        self._receive({lot_c: 400})
        self._deliver(self.direct_customer, {lot_c: 300})
        self._complain(lot_c, 15, partner=self.direct_customer)  # 5 %
        self.rule_large._detect()
        self.assertFalse(self._issues(self.rule_large))
        self._complain(lot_c, 1, partner=self.direct_customer)  # 5.33 %
        self.rule_large._detect()
        self.rule_small._detect()
        issue = self._issues(self.rule_large)
        self.assertEqual(issue.partner_id, self.direct_customer)
        self.assertEqual(issue.installed_base, 300)
        self.assertAlmostEqual(issue.ratio, 16 / 3, places=2)
        self.assertFalse(
            self._issues(self.rule_small).filtered(
                lambda i: i.partner_id == self.direct_customer
            )
        )

    def test_rules_of_one_signature_share_their_candidates(self):
        """The two customer rules shipped differ only by their thresholds: a
        full run reads their candidate groups and installed base once, and
        each finds what it finds on its own."""
        Rule = self.env["quality.batch.rule"]
        self.assertEqual(
            self.rule_small._candidates_signature(),
            self.rule_large._candidates_signature(),
        )
        self.assertNotEqual(
            self.rule_small._candidates_signature(),
            self.rule_product._candidates_signature(),
        )
        lot_c = self._create_lot("LOT-C")
        self._receive({lot_c: 400})
        self._deliver(self.direct_customer, {lot_c: 300})
        self._complain(self.lot_a, 16)  # the distributor: 16 of 10 units
        self._complain(lot_c, 16, partner=self.direct_customer)  # 5.33 % of 300
        self._complain(
            lot_c, 15, partner=self.direct_customer, defect=self.defect_scratch
        )  # 5 %: not more than 5 %
        (Rule.search([]) - self.rule_small - self.rule_large).active = False

        def figures(records):
            return sorted(
                (
                    record["partner_id"],
                    record["defect_type_id"],
                    record["qty"],
                    record["installed_base"],
                    tuple(sorted(record["line_ids"])),
                )
                for record in records
            )

        # each rule on its own
        expected = {
            rule: figures(rule._query_groups())
            for rule in (self.rule_small, self.rule_large)
        }
        self.assertEqual(
            [row[:4] for row in expected[self.rule_small]],
            [(self.distributor.id, self.defect_leak.id, 16, 10)],
        )
        self.assertEqual(
            [row[:4] for row in expected[self.rule_large]],
            [(self.direct_customer.id, self.defect_leak.id, 16, 300)],
        )
        original = QualityBatchRuleQuery._shared_candidates
        calls = []

        def shared_candidates(rule, *args):
            calls.append(rule)
            return original(rule, *args)

        with patch.object(
            QualityBatchRuleQuery, "_shared_candidates", shared_candidates
        ):
            Rule._cron_detect(full=True)
        self.assertEqual(len(calls), 1, "read once for the two rules")
        for rule in (self.rule_small, self.rule_large):
            with self.subTest(rule=rule.name):
                found = [
                    {
                        "partner_id": issue.partner_id.id,
                        "defect_type_id": issue.defect_type_id.id,
                        "qty": issue.affected_qty,
                        "installed_base": issue.installed_base,
                        "line_ids": issue.line_ids.ids,
                    }
                    for issue in self._issues(rule)
                ]
                self.assertEqual(figures(found), expected[rule])
        # the ratio rule kept its installed base, per customer and product
        kept = self.env["quality.batch.installed.base"].search(
            [("rule_id", "=", self.rule_large.id)]
        )
        self.assertIn(
            (self.direct_customer.id, self.product.id, 300.0),
            kept.mapped(lambda k: (k.partner_id, k.product_id, k.installed)),
        )

    def test_ratio_over_deliveries_net_of_returns(self):
        lot_c = self._create_lot("LOT-C")
        self._receive({lot_c: 100})
        self._deliver(self.direct_customer, {lot_c: 90})
        customers = self.env.ref("stock.stock_location_customers")
        stock = self.env.ref("stock.stock_location_stock")
        receipt_type = self.env.ref("stock.picking_type_in")
        returned = self.env["stock.picking"].create(
            {
                "partner_id": self.direct_customer.id,
                "picking_type_id": receipt_type.id,
                "location_id": customers.id,
                "location_dest_id": stock.id,
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "lot_id": lot_c.id,
                            "quantity": 20,
                            "picked": True,
                        }
                    )
                ],
            }
        )
        returned.button_validate()
        # installed base: 10 (lot A) + 90 - 20 = 80 units; 5 % of 80 is 4
        self._complain(self.lot_a, 4)
        self.rule_product._detect()
        self.assertFalse(self._issues(self.rule_product))
        self._complain(self.lot_a, 1)
        self.rule_product._detect()
        issue = self._issues(self.rule_product)
        self.assertEqual(issue.installed_base, 80)
        self.assertEqual(issue.ratio, 6.25)
        self.assertEqual(issue.defect_type_id, self.defect_leak)
        self.assertFalse(issue.partner_id)

    def test_detection_is_idempotent_and_updates_the_open_issue(self):
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        self.rule_lot._detect()
        result = self.rule_lot._detect()
        issue = self._issues(self.rule_lot)
        self.assertEqual(len(issue), 1)
        self.assertFalse(result["created"] | result["updated"])
        late = self._complain(self.lot_b, 2)
        result = self.rule_lot._detect()
        self.assertEqual(result["updated"], issue)
        self.assertFalse(result["created"])
        self.assertEqual(self._issues(self.rule_lot), issue)
        self.assertEqual(issue.affected_qty, 7)
        self.assertIn(late, issue.ticket_ids)
        self.assertIn(issue.name, late.message_ids[0].body)

    def test_dismissed_group_raised_again_only_by_new_complaints(self):
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        self.rule_lot._detect()
        issue = self._issues(self.rule_lot)
        Dismiss = self.env["quality.batch.issue.dismiss"]
        with self.assertRaisesMessage(UserError, "Give the reason"):
            Dismiss.with_context(active_ids=issue.ids).create(
                {"reason": "  "}
            ).action_dismiss()
        self.assertEqual(issue.state, "detected")
        wizard = Form.from_action(self.env, issue.action_open_dismiss_wizard())
        wizard.reason = "Installer error, not the product"
        wizard.save().action_dismiss()
        self.assertEqual(issue.state, "dismissed")
        self.rule_lot._detect()
        self.assertEqual(self._issues(self.rule_lot), issue)
        with self._at(datetime.now() + timedelta(hours=1)):
            self._complain(self.lot_b, 1)
            self.rule_lot._detect()
        new_issue = self._issues(self.rule_lot) - issue
        self.assertEqual(len(new_issue), 1)
        self.assertEqual(new_issue.affected_qty, 6)
        # the old one cannot be reopened while the new one is open
        with self.assertRaisesMessage(UserError, "Another batch problem"):
            issue.action_reopen()

    def test_workflow(self):
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        self.rule_lot._detect()
        issue = self._issues(self.rule_lot).with_user(self.engineer)
        with self.assertRaisesMessage(UserError, "cannot become Closed"):
            issue.action_close()
        issue.with_user(self.manager).action_confirm()
        issue.action_contain()
        issue.action_solve()
        issue.action_close()
        self.assertEqual(issue.state, "closed")
        self.assertTrue(issue.closed_date)
        # closed: the same complaints do not raise it again
        self.rule_lot._detect()
        self.assertEqual(self._issues(self.rule_lot), issue)
        with self.assertRaisesMessage(UserError, "past detection cannot be deleted"):
            issue.sudo().unlink()

    def test_duplicate_creation_is_skipped(self):
        """The unique index holds when a detection creates an issue that another
        run created meanwhile (same transaction here, see the two-cursor test)."""
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        groups = self.rule_lot._query_groups()
        first = self.Issue._sync_rule_groups(self.rule_lot, groups)["created"]
        vals = {
            "rule_id": self.rule_lot.id,
            "company_id": self.company.id,
            "product_id": self.product.id,
            "lot_id": self.lot_b.id,
            "affected_qty": 5,
        }
        again = self.Issue._create_without_duplicates([vals, dict(vals)])
        self.assertFalse(again)
        self.assertEqual(self._issues(self.rule_lot), first)

    def test_race_loser_logs_one_info_line(self):
        """The run that loses a race logs one line, no traceback: an issue
        another run created, and issues another run updated meanwhile."""
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        created = self.rule_lot._detect()["created"]
        vals = {
            "rule_id": self.rule_lot.id,
            "company_id": self.company.id,
            "product_id": self.product.id,
            "lot_id": self.lot_b.id,
            "affected_qty": 5,
        }
        models = "odoo.addons.quality_complaint.models"
        with self.assertLogs(
            f"{models}.quality_batch_issue_detection", level=logging.INFO
        ) as logs:
            self.assertFalse(self.Issue._create_without_duplicates([vals]))
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertIn("already created by another run", logs.output[0])
        self.assertEqual(self._issues(self.rule_lot), created)

        original = QualityBatchRule._detect

        def concurrent_update(rule, **kwargs):
            if rule == self.rule_lot:
                raise psycopg2.errors.SerializationFailure("concurrent update")
            return original(rule, **kwargs)

        with (
            patch.object(QualityBatchRule, "_detect", concurrent_update),
            self.assertLogs(f"{models}.quality_batch_rule", level=logging.INFO) as logs,
        ):
            self.env["quality.batch.rule"]._cron_detect()
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertEqual(logs.records[0].levelno, logging.INFO)
        self.assertIn("another detection run is updating", logs.output[0])
        self.assertIsNone(logs.records[0].exc_info)

    def test_failing_rule_does_not_stop_the_others(self):
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        original = QualityBatchRuleQuery._query_groups

        def query(rule, **kwargs):
            if rule == self.rule_small:
                raise ValueError("broken rule")
            return original(rule, **kwargs)

        with patch.object(QualityBatchRuleQuery, "_query_groups", query):
            self.env["quality.batch.rule"]._cron_detect()
        self.assertEqual(len(self._issues(self.rule_lot)), 1)

    def test_detect_now_button(self):
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        action = self.rule_lot.with_user(self.manager).action_detect_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("1 new batch problem", action["params"]["message"])
        self.assertEqual(
            action["params"]["next"]["domain"], [("rule_id", "=", self.rule_lot.id)]
        )

    def test_query_count_does_not_depend_on_line_count(self):
        """Detecting a group of 200 lines costs what one of 10 lines costs."""
        Rule = self.env["quality.batch.rule"]
        counts = []
        for size in (3, 10, 200):  # the first run only warms the caches
            product = self.env["product.product"].create(
                {"name": f"P{size}", "is_storable": True, "tracking": "lot"}
            )
            lot = self._create_lot(f"L{size}", product)
            rule = Rule.create(
                {
                    "name": f"Rule {size}",
                    "scope": "lot",
                    "threshold": 1,
                    "product_ids": [Command.set(product.ids)],
                    "notify_user_ids": [Command.set(self.manager.ids)],
                }
            )
            ticket = self._create_complaint(defect_type_id=self.defect_leak.id)
            self.env["quality.complaint.line"].create(
                [
                    {
                        "ticket_id": ticket.id,
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "quantity": 1,
                    }
                    for _index in range(size)
                ]
            )
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = rule._detect()
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(result["created"].line_ids), size)
        self.assertEqual(counts[1], counts[2], counts)

    def test_hold_unreserves_and_release(self):
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        self.rule_lot._detect()
        issue = self._issues(self.rule_lot)
        picking_type = self.env.ref("stock.picking_type_out")
        delivery = self.env["stock.picking"].create(
            {
                "partner_id": self.end_user.id,
                "picking_type_id": picking_type.id,
                "location_id": picking_type.default_location_src_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    Command.create(
                        {
                            "name": "purifiers",
                            "product_id": self.product.id,
                            "product_uom_qty": 25,
                            "location_id": picking_type.default_location_src_id.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        delivery.action_assign()
        self.assertIn(self.lot_b, delivery.move_line_ids.lot_id)
        with self.assertRaises(AccessError):
            issue.with_user(self.engineer).action_hold_lots()
        issue.with_user(self.manager).action_hold_lots()
        self.assertTrue(self.lot_b.locked)
        self.assertEqual(issue.held_lot_ids, self.lot_b)
        self.assertNotIn(self.lot_b, delivery.move_line_ids.lot_id)
        self.assertIn(issue.name, delivery.message_ids[0].body)
        self.assertIn(delivery.name, issue.message_ids[1].body)
        self.assertEqual(sum(issue.held_quant_ids.mapped("quantity")), 20)
        # a held lot is not reserved again
        delivery.action_assign()
        self.assertNotIn(self.lot_b, delivery.move_line_ids.lot_id)
        # downstream: who received the complained lots
        issue_a = self.Issue.create(
            {
                "rule_id": self.rule_lot.id,
                "company_id": self.company.id,
                "product_id": self.product.id,
                "lot_id": self.lot_a.id,
            }
        )
        self.assertEqual(issue_a.customer_count, 1)
        self.assertEqual(
            issue_a.delivered_move_line_ids.picking_partner_id, self.distributor
        )
        issue.with_user(self.manager).action_release_lots()
        self.assertFalse(self.lot_b.locked)
        self.assertFalse(issue.held_lot_ids)
        delivery.do_unreserve()
        delivery.action_assign()
        self.assertIn(self.lot_b, delivery.move_line_ids.lot_id)

    def test_access(self):
        self.rule_lot.auto_hold_lots = False
        self._complain(self.lot_b, 5)
        self.rule_lot._detect()
        issue = self._issues(self.rule_lot)
        self.assertEqual(issue.with_user(self.cs_user).affected_qty, 5)
        # confirming is a quality manager's step (SPEC §11.2), for detected
        # problems too
        for user in (self.cs_user, self.engineer):
            with (
                self.subTest(user=user.login),
                self.assertRaisesMessage(AccessError, "Only quality managers"),
            ):
                issue.with_user(user).action_confirm()
        self.assertEqual(issue.state, "detected")
        issue.with_user(self.manager).action_confirm()
        self.assertEqual(issue.state, "confirmed")
        Rule = self.env["quality.batch.rule"]
        for user in (self.cs_user, self.engineer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Rule.with_user(user).create({"name": "Mine", "threshold": 3})
        Rule.with_user(self.manager).create({"name": "Mine", "threshold": 3})

    def test_bad_rule_input_refused(self):
        Rule = self.env["quality.batch.rule"]
        for vals, message in (
            ({"threshold": 0}, "the threshold must be greater than zero"),
            ({"threshold": -1}, "the threshold must be greater than zero"),
            ({"window_days": 0}, "the window is at least one day"),
            ({"window_days": 100_000_000}, "at most ten years (3650 days)"),
            ({"installed_base_months": 121}, "at most ten years (120 months)"),
            ({"threshold": float("nan")}, "must be a finite number"),
            ({"max_installed_base": float("inf")}, "must be a finite number"),
            (
                {"threshold_type": "ratio", "threshold": 120},
                "a ratio cannot exceed 100 %.",
            ),
            (
                {"min_installed_base": 300, "max_installed_base": 100},
                "the maximum installed base must be above the minimum",
            ),
        ):
            values = dict({"name": "Bad rule", "threshold": 5}, **vals)
            with (
                self.subTest(vals=vals),
                self.assertRaisesMessage(ValidationError, message),
            ):
                Rule.create(values)
        self.assertFalse(Rule.search([("name", "=", "Bad rule")]))


@tagged("post_install", "-at_install")
class TestConcurrentDetection(QualityComplaintCommon):
    """Two detections in two transactions at once create one issue.

    The data must be committed for the two transactions to see it, and is
    removed at the end; hence the commits."""

    def test_two_cursors_one_issue(self):
        registry = self.env.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].create(
                {"name": "Concurrency purifier", "is_storable": True, "tracking": "lot"}
            )
            lot = env["stock.lot"].create({"name": "CONC-1", "product_id": product.id})
            rule = env["quality.batch.rule"].create(
                {
                    "name": "Concurrency rule",
                    "scope": "lot",
                    "threshold": 1,
                    "product_ids": [Command.set(product.ids)],
                }
            )
            ticket = env["helpdesk.ticket"].create(
                {
                    "name": "Concurrency",
                    "description": "x",
                    "team_id": env.ref(
                        "quality_complaint.helpdesk_ticket_team_quality"
                    ).id,
                    "complaint_line_ids": [
                        Command.create(
                            {"product_id": product.id, "lot_id": lot.id, "quantity": 2}
                        )
                    ],
                }
            )
            ids = {
                "product": product.id,
                "lot": lot.id,
                "rule": rule.id,
                "ticket": ticket.id,
            }
            cr.commit()  # pylint: disable=invalid-commit
        try:
            first_created = threading.Event()
            results = {}

            def second_detection():
                with registry.cursor() as cr2:
                    env2 = api.Environment(cr2, SUPERUSER_ID, {})
                    rule2 = env2["quality.batch.rule"].browse(ids["rule"])
                    groups = rule2._query_groups()
                    first_created.wait(30)
                    # blocks on the first transaction's open issue until it commits
                    results["second"] = (
                        env2["quality.batch.issue"]
                        ._sync_rule_groups(rule2, groups)["created"]
                        .ids
                    )
                    cr2.commit()  # pylint: disable=invalid-commit

            with registry.cursor() as cr1:
                env1 = api.Environment(cr1, SUPERUSER_ID, {})
                rule1 = env1["quality.batch.rule"].browse(ids["rule"])
                thread = threading.Thread(target=second_detection)
                thread.start()
                results["first"] = rule1._detect()["created"].ids
                first_created.set()
                cr1.commit()  # pylint: disable=invalid-commit
            thread.join(60)
            self.assertFalse(thread.is_alive())
            self.assertEqual(len(results["first"]), 1)
            self.assertEqual(results["second"], [])
            with registry.cursor() as cr:
                count = api.Environment(cr, SUPERUSER_ID, {})[
                    "quality.batch.issue"
                ].search_count([("rule_id", "=", ids["rule"])])
            self.assertEqual(count, 1)
        finally:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["quality.batch.issue"].search(
                    [("rule_id", "=", ids["rule"])]
                ).unlink()
                env["quality.batch.rule"].browse(ids["rule"]).unlink()
                env["helpdesk.ticket"].browse(ids["ticket"]).unlink()
                env["stock.lot"].browse(ids["lot"]).unlink()
                env["product.product"].browse(ids["product"]).unlink()
                cr.commit()  # pylint: disable=invalid-commit
