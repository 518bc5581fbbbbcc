"""Issue 17: a full detection run keeps the installed base of a ratio rule's
groups; until the next full run, the hourly run bounds a touched group's
installed base from below with it (less the deliveries that left the period
and the returns since) and computes it only for the groups that can pass at
that bound, and for the open issues."""

from datetime import timedelta

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestKeptInstalledBase(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["quality.batch.rule"]
        cls.Base = cls.env["quality.batch.installed.base"]
        # "Model and failure: more than 5 %", on this test's product alone
        cls.rule = cls.env.ref("quality_complaint.quality_batch_rule_product")
        (cls.Rule.search([]) - cls.rule).active = False
        cls.rule.product_ids = [Command.set(cls.product.ids)]
        # installed base: 10 units of lot A (common set-up) and 90 of lot C
        cls.lot_c = cls._create_lot("LOT-C")
        cls._receive({cls.lot_c: 100})
        cls.delivery_c = cls._deliver(cls.direct_customer, {cls.lot_c: 90})

    def setUp(self):
        super().setUp()
        self.now = fields.Datetime.now().replace(microsecond=0)

    def _complain(self, qty):
        return self._create_complaint(
            lines=[(self.lot_a, qty)], defect_type_id=self.defect_leak.id
        )

    def _issue(self):
        return self.env["quality.batch.issue"].search(
            [("rule_id", "=", self.rule.id), ("product_id", "=", self.product.id)]
        )

    def _assert_issue(self, units, installed_base):
        issue = self._issue()
        self.assertEqual(
            (issue.affected_qty, issue.installed_base), (units, installed_base)
        )

    def _run(self, hours, full=False):
        with self._at(self.now + timedelta(hours=hours)):
            self.Rule._cron_detect(full=full)

    def _kept(self):
        return self.Base.search(
            [("rule_id", "=", self.rule.id), ("product_id", "=", self.product.id)]
        )

    def _keep_wrong_base(self, installed):
        """What a done delivery edited since the full run does: the base it
        kept is not the base any more, and the bound cannot know."""
        self.env.cr.execute(
            SQL(
                "UPDATE quality_batch_installed_base SET installed = %s"
                " WHERE rule_id = %s",
                installed,
                self.rule.id,
            )
        )

    def _return(self, lot, qty):
        customers = self.env.ref("stock.stock_location_customers")
        picking = self.env["stock.picking"].create(
            {
                "partner_id": self.direct_customer.id,
                "picking_type_id": self.env.ref("stock.picking_type_in").id,
                "location_id": customers.id,
                "location_dest_id": self.env.ref("stock.stock_location_stock").id,
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "lot_id": lot.id,
                            "quantity": qty,
                            "picked": True,
                        }
                    )
                ],
            }
        )
        picking.button_validate()

    def test_a_full_run_keeps_the_base_of_each_key(self):
        self._complain(1)
        self._run(0, full=True)
        kept = self._kept()
        self.assertEqual(len(kept), 1, "one row per product: failure modes share it")
        self.assertEqual(kept.installed, 100)
        self.assertEqual(kept.computed_at, self.now)
        self.assertEqual(kept.period_start, self.now - relativedelta(months=36))
        # the next full run replaces it
        self._run(1, full=True)
        self.assertEqual(self._kept().computed_at, self.now + timedelta(hours=1))
        self.assertEqual(len(self._kept()), 1)

    def test_the_hourly_run_skips_the_groups_that_cannot_pass_at_the_bound(self):
        self._complain(1)
        self._run(0, full=True)
        # 6 units of 100 pass 5 %; of the 1,000 the full run is made to have
        # kept, they cannot: the hourly run does not count the installed base
        self._keep_wrong_base(1000)
        self._complain(5)
        self._run(1)
        self.assertFalse(self._issue())
        # the full run counts it
        self._run(2, full=True)
        self.assertEqual(self._issue().installed_base, 100)
        self.assertEqual(self._issue().affected_qty, 6)

    def test_the_groups_that_can_pass_at_the_bound_are_counted(self):
        self._complain(1)
        self._run(0, full=True)
        self._complain(5)
        self._run(1)
        self._assert_issue(6, 100)

    def test_returns_since_the_full_run_lower_the_bound(self):
        self._complain(1)
        self._run(0, full=True)
        # 60 units back: 40 installed, where 3 units are 7.5 %
        with self._at(self.now + timedelta(minutes=30)):
            self._return(self.lot_c, 60)
        self._complain(2)
        self._run(1)
        self._assert_issue(3, 40)

    def test_deliveries_leaving_the_period_lower_the_bound(self):
        # lot C's delivery is dated a day after the period's start: the full
        # run counts it, three days later it has left the period
        period_start = self.now - relativedelta(months=36)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_move_line SET date = %s WHERE picking_id = %s",
                period_start + timedelta(days=1),
                self.delivery_c.id,
            )
        )
        self._complain(1)
        self._run(0, full=True)
        self.assertEqual(self._kept().installed, 100)
        self.assertFalse(self._issue())
        # 2 units of the 10 of lot A left: 20 %
        self._complain(1)
        self._run(72)
        self._assert_issue(2, 10)

    def test_open_issues_are_refreshed_whatever_the_bound(self):
        self._complain(6)
        self._run(0, full=True)
        self.assertEqual(self._issue().affected_qty, 6)
        self._keep_wrong_base(10**6)
        self._complain(1)
        self._run(1)
        self._assert_issue(7, 100)

    def test_no_kept_base_no_bound(self):
        # no base kept (the demo data's detection kept one: forgotten): the
        # hourly run counts every touched group's installed base
        self.Base.search([("rule_id", "=", self.rule.id)]).unlink()
        self.company.quality_detection_since = self.now - timedelta(hours=1)
        self._complain(6)
        self._run(1)
        self.assertEqual(self._issue().installed_base, 100)

    def test_a_kept_base_older_than_the_period_is_not_used(self):
        self._complain(1)
        self._run(0, full=True)
        self._keep_wrong_base(1000)
        self.env.cr.execute(
            SQL(
                "UPDATE quality_batch_installed_base SET computed_at = %s"
                " WHERE rule_id = %s",
                self.now - timedelta(days=40 * 30),
                self.rule.id,
            )
        )
        self._complain(5)
        self._run(1)
        self.assertEqual(self._issue().installed_base, 100)

    def test_a_new_scope_or_period_forgets_the_kept_base(self):
        self._complain(1)
        self._run(0, full=True)
        self.assertTrue(self._kept())
        self.rule.name = "Renamed"
        self.assertTrue(self._kept(), "only what the base is counted by matters")
        self.rule.installed_base_months = 12
        self.assertFalse(self.Base.search([("rule_id", "=", self.rule.id)]))
        self._run(1, full=True)
        self.assertTrue(self._kept())
        self.rule.scope = "component_defect"
        self.assertFalse(self.Base.search([("rule_id", "=", self.rule.id)]))

    def test_units_rules_keep_nothing(self):
        lot_rule = self.env.ref("quality_complaint.quality_batch_rule_lot")
        lot_rule.write(
            {
                "active": True,
                "auto_hold_lots": False,
                "product_ids": [Command.set(self.product.ids)],
            }
        )
        self._complain(5)
        self._run(0, full=True)
        self.assertFalse(self.Base.search([("rule_id", "=", lot_rule.id)]))
        self.assertTrue(self._kept())

    def test_only_managers_read_it(self):
        self._complain(1)
        self._run(0, full=True)
        self.assertTrue(self.Base.with_user(self.manager).search([]))
        for user in (self.engineer, self.cs_user):
            with self.subTest(user=user.login):
                self.assertFalse(
                    self.Base.with_user(user).has_access("read"), user.login
                )
        # what a JSON-RPC call of a manager would do: refused, nothing written
        kept = self._kept()
        for method, args in (
            ("write", ({"installed": 10**9},)),
            ("create", ({"rule_id": self.rule.id, "installed": float("nan")},)),
            ("unlink", ()),
        ):
            with self.subTest(method=method), self.assertRaises(AccessError):
                target = kept if method != "create" else self.Base
                getattr(target.with_user(self.manager), method)(*args)
        kept.invalidate_recordset()
        self.assertEqual((len(self._kept()), self._kept().installed), (1, 100))

    def test_two_full_runs_at_once_keep_one_base(self):
        """A second process running the full detection of the same rule: the
        one that writes its base second fails as a concurrent run (the
        detection skips it), and the rule keeps one row per key."""
        registry = self.env.registry
        with registry.cursor() as cr:
            rule = api.Environment(cr, SUPERUSER_ID, {})["quality.batch.rule"].create(
                {
                    "name": "Two runs at once",
                    "scope": "product",
                    "threshold_type": "ratio",
                    "threshold": 5,
                    "active": False,
                }
            )
            rule_id = rule.id
            cr.commit()  # pylint: disable=invalid-commit
        start = self.now - relativedelta(months=36)

        def keep(cursor, installed):
            rule = api.Environment(cursor, SUPERUSER_ID, {})[
                "quality.batch.rule"
            ].browse(rule_id)
            rule._store_installed_base(
                ("product_id",),
                [{"product_id": 1, "installed_base": installed}],
                start,
            )

        try:
            with registry.cursor() as cr1, registry.cursor() as cr2:
                # the second run reads before the first one commits
                cr2.execute("SELECT 1 FROM quality_batch_installed_base LIMIT 1")
                keep(cr1, 10.0)
                cr1.commit()  # pylint: disable=invalid-commit
                with (
                    self.assertRaises(psycopg2.errors.UniqueViolation),
                    mute_logger("odoo.sql_db"),
                ):
                    keep(cr2, 12.0)
                cr2.rollback()
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT installed FROM quality_batch_installed_base"
                    " WHERE rule_id = %s",
                    [rule_id],
                )
                self.assertEqual(cr.fetchall(), [(10.0,)])
        finally:
            with registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["quality.batch.rule"].browse(
                    rule_id
                ).unlink()
                cr.commit()  # pylint: disable=invalid-commit
