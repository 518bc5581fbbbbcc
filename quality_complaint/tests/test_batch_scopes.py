from datetime import timedelta

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.quality_complaint.models.quality_batch_issue import OPEN_ISSUE_INDEX
from odoo.addons.quality_complaint.models.quality_batch_rule_query import SCOPE_KEYS

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestBatchScopes(QualityComplaintCommon):
    """Component and region rules (SPEC §11.1), their installed bases and the
    warranty condition.

    Installed bases of the data below (units delivered to customers):

    ============  =========  ======  ======  =========
    product       component  East    West    no state
    ============  =========  ======  ======  =========
    Purifier      membrane,  40      40      -
    (+10 to the   pump
    distributor,
    no address)
    Compact       membrane   60      -       20
    ============  =========  ======  ======  =========

    membrane: 170 (East 100, West 40, country only 20); pump: 90 (East 40).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.membrane = Product.create({"name": "RO Membrane", "type": "consu"})
        cls.pump = Product.create({"name": "Booster Pump", "type": "consu"})
        cls.product.complaint_component_ids = cls.membrane | cls.pump
        cls.compact = Product.create(
            {
                "name": "Compact Purifier",
                "is_storable": True,
                "tracking": "lot",
                "complaint_component_ids": [Command.set(cls.membrane.ids)],
            }
        )
        country = cls.env["res.country"].create({"name": "Testland", "code": "TQ"})
        State = cls.env["res.country.state"]
        cls.east = State.create(
            {"name": "East Province", "code": "EP", "country_id": country.id}
        )
        cls.west = State.create(
            {"name": "West Province", "code": "WP", "country_id": country.id}
        )
        cls.country = country
        Partner = cls.env["res.partner"]
        cls.east_customer = Partner.create(
            {"name": "East Hotel", "is_company": True, "state_id": cls.east.id}
        )
        cls.west_customer = Partner.create(
            {
                "name": "West School",
                "is_company": True,
                "state_id": cls.west.id,
                "country_id": country.id,
            }
        )
        cls.countryside_customer = Partner.create(
            {"name": "Country Farm", "is_company": True, "country_id": country.id}
        )
        cls.lot_compact = cls._create_lot("CP-1", cls.compact)
        cls.env["stock.quant"]._update_available_quantity(
            cls.compact,
            cls.env.ref("stock.stock_location_stock"),
            100,
            lot_id=cls.lot_compact,
        )
        # lot A: 20 received, 10 delivered to the distributor; lot B: 20 in stock
        cls.lot_big = cls._create_lot("LOT-BIG")
        cls._receive({cls.lot_big: 80})
        cls._deliver(cls.east_customer, {cls.lot_big: 40})
        cls._deliver(cls.west_customer, {cls.lot_big: 40})
        cls._deliver(cls.east_customer, {cls.lot_compact: 60})
        cls._deliver(cls.countryside_customer, {cls.lot_compact: 20})
        cls.Rule = cls.env["quality.batch.rule"]
        cls.Issue = cls.env["quality.batch.issue"]
        cls.products = cls.product | cls.compact
        cls.rule_component = cls.env.ref(
            "quality_complaint.quality_batch_rule_component"
        )
        cls.rule_region_component = cls.env.ref(
            "quality_complaint.quality_batch_rule_region_component"
        )
        # only this test's products count (the demo data has complaints too)
        (cls.rule_component | cls.rule_region_component).product_ids = cls.products
        cls.rule_region_product = cls.Rule.create(
            {
                "name": "Region, product and failure: more than 5 %",
                "scope": "region_product_defect",
                "threshold_type": "ratio",
                "comparison": ">",
                "threshold": 5,
                "product_ids": [Command.set(cls.products.ids)],
            }
        )

    def _complain(self, partner, lot, qty, component=None, defect=None):
        defect = defect or self.defect_leak
        return self._create_complaint(
            partner=partner,
            defect_type_id=defect.id,
            complaint_line_ids=[
                Command.create(
                    {
                        "product_id": lot.product_id.id,
                        "lot_id": lot.id,
                        "quantity": qty,
                        "component_id": component and component.id,
                    }
                )
            ],
        )

    def _issues(self, rule):
        # this test's products and components only (the demo data has issues)
        return self.Issue.search(
            [
                ("rule_id", "=", rule.id),
                "|",
                ("product_id", "in", self.products.ids),
                ("component_id", "in", (self.membrane | self.pump).ids),
            ]
        )

    # ------------------------------------------------------------
    # Definition
    # ------------------------------------------------------------

    def test_line_stores_component_and_region_of_the_customer(self):
        contact = self.env["res.partner"].create(
            {"name": "Front desk", "parent_id": self.east_customer.id}
        )
        ticket = self._create_complaint(
            partner=contact,
            complaint_line_ids=[
                Command.create(
                    {
                        "product_id": self.product.id,
                        "lot_id": self.lot_big.id,
                        "quantity": 1,
                        "component_id": self.pump.id,
                    }
                )
            ],
        )
        line = ticket.complaint_line_ids
        self.assertEqual(line.component_id, self.pump)
        # the commercial partner's state, its country from the state
        self.assertEqual(line.state_id, self.east)
        self.assertEqual(line.country_id, self.country)
        # stored at creation: the customer moving later does not move the line
        self.east_customer.state_id = self.west
        line.invalidate_recordset()
        self.assertEqual(line.state_id, self.east)
        no_state = self._complain(self.countryside_customer, self.lot_compact, 1)
        self.assertFalse(no_state.complaint_line_ids.state_id)
        self.assertEqual(no_state.complaint_line_ids.country_id, self.country)

    def test_component_must_be_one_of_the_product(self):
        ticket = self._complain(self.east_customer, self.lot_compact, 1, self.membrane)
        line = ticket.complaint_line_ids
        with self.assertRaisesMessage(
            ValidationError, "Booster Pump is not a component of Compact Purifier"
        ):
            line.component_id = self.pump
        self.assertEqual(line.component_id, self.membrane)
        # a product listing no component accepts any
        self.compact.complaint_component_ids = False
        line.component_id = self.pump
        self.assertEqual(line.component_id, self.pump)

    # ------------------------------------------------------------
    # Scopes: one group crossing, one staying below
    # ------------------------------------------------------------

    def test_component_scope_counts_every_product_listing_it(self):
        # membrane: 170 installed, 5 % is 8.5 units; pump: 90, 5 % is 4.5
        self._complain(self.east_customer, self.lot_big, 4, self.membrane)
        self._complain(self.countryside_customer, self.lot_compact, 4, self.membrane)
        self._complain(self.west_customer, self.lot_big, 4, self.pump)
        self.rule_component._detect()
        self.assertFalse(self._issues(self.rule_component))  # 8 of 170, 4 of 90
        self._complain(self.east_customer, self.lot_compact, 1, self.membrane)
        result = self.rule_component._detect()
        issue = self._issues(self.rule_component)
        self.assertEqual(result["created"], issue)
        self.assertEqual(issue.component_id, self.membrane)
        self.assertEqual(issue.defect_type_id, self.defect_leak)
        self.assertFalse(issue.product_id)
        self.assertEqual(issue.affected_qty, 9)
        self.assertEqual(issue.installed_base, 170)
        self.assertAlmostEqual(issue.ratio, 900 / 170, places=2)
        self.assertEqual(len(issue.ticket_ids), 3)
        # another failure of the same component is another group
        self._complain(
            self.east_customer, self.lot_big, 9, self.membrane, self.defect_scratch
        )
        self.rule_component._detect()
        self.assertEqual(
            self._issues(self.rule_component).mapped("defect_type_id"),
            self.defect_leak | self.defect_scratch,
        )

    def test_region_component_scope_state_or_country(self):
        # membrane in East: 100 installed (5 units is 5 %, not more)
        self._complain(self.east_customer, self.lot_big, 3, self.membrane)
        self._complain(self.east_customer, self.lot_compact, 2, self.membrane)
        # West: 40 installed, 2 units is 5 %: stays below
        self._complain(self.west_customer, self.lot_big, 2, self.membrane)
        self.rule_region_component._detect()
        self.assertFalse(self._issues(self.rule_region_component))
        self._complain(self.east_customer, self.lot_compact, 1, self.membrane)
        # a customer without a state: its country is the region (20 installed)
        self._complain(self.countryside_customer, self.lot_compact, 2, self.membrane)
        self.rule_region_component._detect()
        issues = self._issues(self.rule_region_component)
        self.assertEqual(len(issues), 2)
        east = issues.filtered(lambda i: i.state_id == self.east)
        self.assertEqual(east.country_id, self.country)
        self.assertEqual(east.component_id, self.membrane)
        self.assertEqual(east.affected_qty, 6)
        self.assertEqual(east.installed_base, 100)
        self.assertEqual(east.ratio, 6)
        country = issues - east
        self.assertFalse(country.state_id)
        self.assertEqual(country.country_id, self.country)
        self.assertEqual(country.installed_base, 20)
        self.assertEqual(country.ratio, 10)
        # re-detection updates the open issues, the empty state included
        self._complain(self.countryside_customer, self.lot_compact, 1, self.membrane)
        result = self.rule_region_component._detect()
        self.assertFalse(result["created"])
        self.assertEqual(result["updated"], country)
        self.assertEqual(country.affected_qty, 3)
        self.assertEqual(self._issues(self.rule_region_component), issues)

    def test_region_product_scope(self):
        # the purifier in East: 40 installed, 2 units is 5 %; in West 1 of 40
        self._complain(self.east_customer, self.lot_big, 2)
        self._complain(self.west_customer, self.lot_big, 1)
        self.rule_region_product._detect()
        self.assertFalse(self._issues(self.rule_region_product))
        self._complain(self.east_customer, self.lot_big, 1)
        self.rule_region_product._detect()
        issue = self._issues(self.rule_region_product)
        self.assertEqual(issue.state_id, self.east)
        self.assertEqual(issue.product_id, self.product)
        self.assertEqual(issue.affected_qty, 3)
        self.assertEqual(issue.installed_base, 40)
        self.assertEqual(issue.ratio, 7.5)
        # the distributor has no address: no region, it is not counted
        self._complain(self.distributor, self.lot_a, 5)
        self.rule_region_product._detect()
        self.assertEqual(self._issues(self.rule_region_product), issue)

    def _any_group_rule(self, scope):
        """A rule of `scope` over this test's products that any group of
        their complaints passes (at least 1 % of its installed base)."""
        return self.Rule.create(
            {
                "name": f"Any {scope}",
                "scope": scope,
                "threshold_type": "ratio",
                "threshold": 1,
                "product_ids": [Command.set(self.products.ids)],
            }
        )

    def test_one_aggregate_query_per_rule_and_scope(self):
        self._complain(self.east_customer, self.lot_big, 6, self.membrane)
        for scope in SCOPE_KEYS:
            rule = self._any_group_rule(scope)
            rule._query_groups()  # warms the caches (the rule's fields)
            self.env.flush_all()
            # the aggregate, the installed base kept for the hourly runs (the
            # one kept before deleted, the new one inserted), then the lines
            # of the groups over the threshold
            with self.subTest(scope=scope), self.assertQueryCount(4):
                groups = rule._query_groups()
            self.assertEqual(len(groups), 1, scope)
            self.assertTrue(groups[0]["installed_base"], scope)

    def test_incremental_query_finds_what_the_full_one_does_in_every_scope(self):
        """The hourly run sums each touched group on its own (its lines read
        by the group's key): the same figures as the full aggregate, for a
        customer without a state too, and nothing of the untouched groups."""
        touched = self._complain(
            self.countryside_customer, self.lot_compact, 6, self.membrane
        )
        untouched = self._complain(self.west_customer, self.lot_big, 6, self.pump)
        self.env.flush_all()
        now = self.env.cr.now()
        # the second complaint was last written before the last run's mark
        for table, column in (
            ("quality_complaint_line", "ticket_id"),
            ("helpdesk_ticket", "id"),
        ):
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = %s WHERE %s = %s",
                    SQL.identifier(table),
                    now - timedelta(days=2),
                    SQL.identifier(column),
                    untouched.id,
                )
            )
        touched_line = touched.complaint_line_ids

        def figures(groups, keys):
            return {
                tuple(group[key] for key in keys): (
                    group["qty"],
                    group["installed_base"],
                    group["ratio"],
                    sorted(group["line_ids"]),
                )
                for group in groups
            }

        for scope, keys in SCOPE_KEYS.items():
            rule = self._any_group_rule(scope)
            with self.subTest(scope=scope):
                full = rule._query_groups()
                self.assertEqual(len(full), 2, "the touched and the untouched group")
                expected = [g for g in full if touched_line.id in g["line_ids"]]
                self.assertEqual(len(expected), 1)
                self.assertTrue(expected[0]["installed_base"])
                incremental = rule._query_groups(since=now - timedelta(hours=1))
                self.assertEqual(figures(incremental, keys), figures(expected, keys))
                # the full run kept the base of every candidate's key: at a
                # base of a million units, the touched group cannot pass 1 %,
                # and the hourly run does not count it (the keys of every
                # scope match)
                kept = self.env["quality.batch.installed.base"].search(
                    [("rule_id", "=", rule.id)]
                )
                self.assertLessEqual(
                    {group["installed_base"] for group in full},
                    set(kept.mapped("installed")),
                )
                kept.installed = 10**6
                kept.flush_recordset()
                self.assertFalse(rule._query_groups(since=now - timedelta(hours=1)))

    # ------------------------------------------------------------
    # Within warranty
    # ------------------------------------------------------------

    def test_out_of_warranty_lines_do_not_count_unknown_ones_do(self):
        rule = self.env.ref("quality_complaint.quality_batch_rule_lot")
        rule.write(
            {"auto_hold_lots": False, "product_ids": [Command.set(self.product.ids)]}
        )
        self.assertTrue(rule.warranty_only)
        # delivered to the distributor 0 months of warranty ago: out of warranty
        self.product.complaint_warranty_months = 0
        out = self._complain(self.distributor, self.lot_a, 3)
        self.assertEqual(out.complaint_line_ids.warranty_state, "out_of_warranty")
        # lot A never went to this customer: warranty unknown
        unknown = self._complain(self.direct_customer, self.lot_a, 2)
        self.assertEqual(unknown.complaint_line_ids.warranty_state, "unknown")
        rule._detect()
        self.assertFalse(self._issues(rule))  # 2 units count, not 5
        self._complain(self.direct_customer, self.lot_a, 3)
        rule._detect()
        issue = self._issues(rule)
        self.assertEqual(issue.affected_qty, 5)
        self.assertNotIn(out, issue.ticket_ids)
        # a rule counting every line sees the 8 units
        rule.warranty_only = False
        rule._detect()
        self.assertEqual(issue.affected_qty, 8)
        self.assertIn(out, issue.ticket_ids)

    def test_shipped_rules_count_within_warranty_only(self):
        rules = self.Rule.search(
            [
                (
                    "id",
                    "in",
                    [
                        self.env.ref(f"quality_complaint.quality_batch_rule_{name}").id
                        for name in (
                            "lot",
                            "customer_small",
                            "customer_large",
                            "product",
                            "component",
                            "region_component",
                        )
                    ],
                )
            ]
        )
        self.assertEqual(len(rules), 6)
        self.assertEqual(set(rules.mapped("warranty_only")), {True})
        self.assertEqual(
            {
                (r.scope, r.threshold_type, r.comparison, r.threshold, r.window_days)
                for r in self.rule_component | self.rule_region_component
            },
            {
                ("component_defect", "ratio", ">", 5, 90),
                ("region_component_defect", "ratio", ">", 5, 90),
            },
        )

    # ------------------------------------------------------------
    # One open issue per rule and key, by the database
    # ------------------------------------------------------------

    def test_unique_open_issue_with_an_empty_state(self):
        vals = {
            "rule_id": self.rule_region_component.id,
            "company_id": self.company.id,
            "component_id": self.membrane.id,
            "defect_type_id": self.defect_leak.id,
            "country_id": self.country.id,
            "state_id": False,
        }
        first = self.Issue._create_without_duplicates([vals])
        self.assertEqual(len(first), 1)
        again = self.Issue._create_without_duplicates([dict(vals), dict(vals)])
        self.assertFalse(again)
        # the same component and failure in a state is another region
        east = self.Issue._create_without_duplicates(
            [dict(vals, state_id=self.east.id)]
        )
        self.assertEqual(len(east), 1)

    def test_index_of_the_old_key_is_replaced(self):
        cr = self.env.cr
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(OPEN_ISSUE_INDEX)))
        # the version 1 key, without component and region
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX %s ON quality_batch_issue (rule_id,"
                " COALESCE(product_id, 0), COALESCE(lot_id, 0),"
                " COALESCE(defect_type_id, 0), COALESCE(partner_id, 0))"
                " WHERE state NOT IN ('closed', 'dismissed')",
                SQL.identifier(OPEN_ISSUE_INDEX),
            )
        )
        self.Issue.init()
        cr.execute("SELECT pg_get_indexdef(to_regclass(%s))", [OPEN_ISSUE_INDEX])
        definition = cr.fetchone()[0]
        for column in ("component_id", "state_id", "country_id"):
            self.assertIn(f"COALESCE({column}, 0)", definition)
        # unchanged on the next upgrade
        self.Issue.init()
        cr.execute("SELECT pg_get_indexdef(to_regclass(%s))", [OPEN_ISSUE_INDEX])
        self.assertEqual(cr.fetchone()[0], definition)
