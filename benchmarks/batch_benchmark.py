#!/usr/bin/env python3
"""Batch detection benchmark: the six default rules against hand-written SQL,
and the hourly incremental run against a full one.

    python3 benchmarks/batch_benchmark.py [--lines 1000000] [--keep] [--db NAME]
    python3 benchmarks/batch_benchmark.py --quick [--database DB]

Needs Odoo 18.0 importable and PostgreSQL (as for scripts/test). It creates a
database with quality_complaint (dropped at the end unless --keep), or works
in an existing one (--database, everything rolled back at the end), and
bulk-inserts, with SQL: 2,000 products listing two of 200 components each,
50,000 lots, 500 customers in 30 states of a country (one in ten without a
state), deliveries making their installed base, and complaint lines over one
year (half of them name the failed component, one in ten is out of warranty),
last written a week back. A few groups are made to pass the rules' thresholds (the
same ones at every size); the rest of the lines stay below them, as in real
data.

Measured in one run, at 10 % of --lines and at --lines (medians of three
alternate measurements):
- the same groups found by a hand-written `GROUP BY ... HAVING` per rule (with
  the installed base for the ratio and band rules), wall time;
- a full detection run of the six default rules (`_cron_detect(full=True)`):
  from scratch (creating and announcing the issues), and again with the issues
  there (the weekly run), wall time and SQL queries; the script checks that
  detection and the hand-written queries find the same groups, rule by rule;
- at --lines, the hourly run after 1,000 new lines (`_cron_detect()`), against
  the weekly run on the same data; the script checks that the weekly run
  changes nothing the hourly one left (same issues, same figures).

--quick (20,000 lines, one measurement) is what the test command runs: it
asserts only that the groups and issues agree, never a time.
"""

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.tools import config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sla_benchmark import addons_path, install  # noqa: E402

PRODUCTS, LOTS, CUSTOMERS, DEFECTS = 2000, 50000, 500, 10
COMPONENTS, STATES = 200, 30
HOT_LOTS, HOT_PRODUCTS, HOT_SMALL, HOT_LARGE = 10, 3, 5, 2
HOT_COMPONENTS, HOT_REGIONS = 2, 2
# every shipped rule counts lines within warranty only
IN_WARRANTY = "AND l.warranty_state IS DISTINCT FROM 'out_of_warranty'"

BASE_BY_CUSTOMER = """
        WITH base AS (
            SELECT sml.product_id, p.commercial_partner_id AS partner_id,
                   SUM(CASE WHEN d.usage = 'customer' THEN sml.quantity_product_uom
                            ELSE -sml.quantity_product_uom END) AS installed
              FROM stock_move_line sml
              JOIN stock_picking pk ON pk.id = sml.picking_id
              JOIN res_partner p ON p.id = pk.partner_id
              JOIN stock_location s ON s.id = sml.location_id
              JOIN stock_location d ON d.id = sml.location_dest_id
             WHERE sml.state = 'done' AND sml.date >= %(base_since)s
               AND (d.usage = 'customer') <> (s.usage = 'customer')
          GROUP BY sml.product_id, p.commercial_partner_id
        )
"""
# {rule xml id: (key fields of its issues, query returning the keys, then the sum)}
HAND_WRITTEN = {
    "quality_batch_rule_lot": (
        ("product_id", "lot_id"),
        """
        SELECT l.product_id, l.lot_id, SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
         WHERE l.date >= %(since)s AND l.lot_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected' """
        + IN_WARRANTY
        + """
      GROUP BY l.product_id, l.lot_id
        HAVING SUM(l.quantity) >= 5
    """,
    ),
    "quality_batch_rule_customer_small": (
        ("partner_id", "product_id", "defect_type_id"),
        BASE_BY_CUSTOMER
        + """
        SELECT l.commercial_partner_id, l.product_id, l.defect_type_id,
               SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
     LEFT JOIN base b ON b.product_id = l.product_id
                     AND b.partner_id = l.commercial_partner_id
         WHERE l.date >= %(since)s AND l.defect_type_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected' """
        + IN_WARRANTY
        + """
      GROUP BY l.commercial_partner_id, l.product_id, l.defect_type_id
        HAVING SUM(l.quantity) > 15 AND MAX(COALESCE(b.installed, 0)) < 300
    """,
    ),
    "quality_batch_rule_customer_large": (
        ("partner_id", "product_id", "defect_type_id"),
        BASE_BY_CUSTOMER
        + """
        SELECT l.commercial_partner_id, l.product_id, l.defect_type_id,
               SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
          JOIN base b ON b.product_id = l.product_id
                     AND b.partner_id = l.commercial_partner_id
         WHERE l.date >= %(since)s AND l.defect_type_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected' """
        + IN_WARRANTY
        + """
      GROUP BY l.commercial_partner_id, l.product_id, l.defect_type_id
        HAVING MAX(b.installed) >= 300
           AND 100.0 * SUM(l.quantity) / MAX(b.installed) > 5
    """,
    ),
    "quality_batch_rule_product": (
        ("product_id", "defect_type_id"),
        """
        WITH base AS (
            SELECT sml.product_id,
                   SUM(CASE WHEN d.usage = 'customer' THEN sml.quantity_product_uom
                            ELSE -sml.quantity_product_uom END) AS installed
              FROM stock_move_line sml
              JOIN stock_location s ON s.id = sml.location_id
              JOIN stock_location d ON d.id = sml.location_dest_id
             WHERE sml.state = 'done' AND sml.date >= %(base_since)s
               AND (d.usage = 'customer') <> (s.usage = 'customer')
          GROUP BY sml.product_id
        )
        SELECT l.product_id, l.defect_type_id, SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
          JOIN base b ON b.product_id = l.product_id
         WHERE l.date >= %(since)s AND l.defect_type_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected' """
        + IN_WARRANTY
        + """
      GROUP BY l.product_id, l.defect_type_id
        HAVING 100.0 * SUM(l.quantity) / NULLIF(MAX(b.installed), 0) > 5
    """,
    ),
    # installed base of a component: units delivered of the products listing it
    "quality_batch_rule_component": (
        ("component_id", "defect_type_id"),
        """
        WITH base AS (
            SELECT r.component_id,
                   SUM(CASE WHEN d.usage = 'customer' THEN sml.quantity_product_uom
                            ELSE -sml.quantity_product_uom END) AS installed
              FROM stock_move_line sml
              JOIN product_product pp ON pp.id = sml.product_id
              JOIN product_template_complaint_component_rel r
                   ON r.template_id = pp.product_tmpl_id
              JOIN stock_location s ON s.id = sml.location_id
              JOIN stock_location d ON d.id = sml.location_dest_id
             WHERE sml.state = 'done' AND sml.date >= %(base_since)s
               AND (d.usage = 'customer') <> (s.usage = 'customer')
          GROUP BY r.component_id
        )
        SELECT l.component_id, l.defect_type_id, SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
          JOIN base b ON b.component_id = l.component_id
         WHERE l.date >= %(since)s AND l.defect_type_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected' """
        + IN_WARRANTY
        + """
      GROUP BY l.component_id, l.defect_type_id
        HAVING 100.0 * SUM(l.quantity) / NULLIF(MAX(b.installed), 0) > 5
    """,
    ),
    # ... per region: the state, or the country of customers without a state
    "quality_batch_rule_region_component": (
        ("state_id", "country_id", "component_id", "defect_type_id"),
        """
        WITH base AS (
            SELECT r.component_id, c.state_id,
                   COALESCE(c.country_id, cs.country_id) AS country_id,
                   SUM(CASE WHEN d.usage = 'customer' THEN sml.quantity_product_uom
                            ELSE -sml.quantity_product_uom END) AS installed
              FROM stock_move_line sml
              JOIN product_product pp ON pp.id = sml.product_id
              JOIN product_template_complaint_component_rel r
                   ON r.template_id = pp.product_tmpl_id
              JOIN stock_picking pk ON pk.id = sml.picking_id
              JOIN res_partner p ON p.id = pk.partner_id
              JOIN res_partner c ON c.id = p.commercial_partner_id
         LEFT JOIN res_country_state cs ON cs.id = c.state_id
              JOIN stock_location s ON s.id = sml.location_id
              JOIN stock_location d ON d.id = sml.location_dest_id
             WHERE sml.state = 'done' AND sml.date >= %(base_since)s
               AND (d.usage = 'customer') <> (s.usage = 'customer')
          GROUP BY 1, 2, 3
        )
        SELECT l.state_id, l.country_id, l.component_id, l.defect_type_id,
               SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
          JOIN base b ON b.component_id = l.component_id
                     AND COALESCE(b.state_id, 0) = COALESCE(l.state_id, 0)
                     AND b.country_id = l.country_id
         WHERE l.date >= %(since)s AND l.defect_type_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected' """
        + IN_WARRANTY
        + """
      GROUP BY l.state_id, l.country_id, l.component_id, l.defect_type_id
        HAVING 100.0 * SUM(l.quantity) / NULLIF(MAX(b.installed), 0) > 5
    """,
    ),
}


def generate_fixtures(env):
    """Products, lots, customers, defect types and deliveries; return ids."""
    categ = env.ref("product.product_category_all")
    products = env["product.product"].create(
        [
            {
                "name": f"Model {index:04d}",
                "is_storable": True,
                "tracking": "lot",
                "categ_id": categ.id,
            }
            for index in range(PRODUCTS)
        ]
    )
    product_ids = products.ids
    env.cr.execute(
        """
        INSERT INTO stock_lot (name, product_id, company_id, locked, create_uid,
                               write_uid, create_date, write_date)
        SELECT 'BL' || n, (%s::int[])[1 + n %% %s], %s, false, 1, 1, now(), now()
          FROM generate_series(0, %s - 1) n
        RETURNING id, product_id
        """,
        [product_ids, PRODUCTS, env.company.id, LOTS],
    )
    lots = env.cr.fetchall()
    # each product lists two components: p % 200 and (7 p + 3) % 200
    components = env["product.product"].create(
        [{"name": f"Part {index:03d}", "type": "consu"} for index in range(COMPONENTS)]
    )
    product_components = [
        (
            components.ids[index % COMPONENTS],
            components.ids[(7 * index + 3) % COMPONENTS],
        )
        for index in range(PRODUCTS)
    ]
    env.cr.execute(
        """
        INSERT INTO product_template_complaint_component_rel (template_id, component_id)
        SELECT DISTINCT t, c FROM unnest(%s::int[], %s::int[]) AS r(t, c)
        """,
        [
            products.product_tmpl_id.ids * 2,
            [pair[0] for pair in product_components]
            + [pair[1] for pair in product_components],
        ],
    )
    # two more components, each in two products only (products 1990 to 1993)
    hot_components = env["product.product"].create(
        [
            {"name": f"Hot Part {index}", "type": "consu"}
            for index in range(HOT_COMPONENTS)
        ]
    )
    hot_products = [
        [product_ids[PRODUCTS - 10 + 2 * index + i] for i in range(2)]
        for index in range(HOT_COMPONENTS)
    ]
    env.cr.execute(
        """
        INSERT INTO product_template_complaint_component_rel (template_id, component_id)
        SELECT pp.product_tmpl_id, r.c
          FROM unnest(%s::int[], %s::int[]) AS r(p, c)
          JOIN product_product pp ON pp.id = r.p
        """,
        [
            [p for pair in hot_products for p in pair],
            [c for c in hot_components.ids for _i in range(2)],
        ],
    )
    # customers in 30 states of one country; one in ten has the country only
    country = env["res.country"].create({"name": "Benchland", "code": "QB"})
    states = env["res.country.state"].create(
        [
            {
                "name": f"Province {index:02d}",
                "code": f"P{index:02d}",
                "country_id": country.id,
            }
            for index in range(STATES)
        ]
    )
    regions = [
        (False if index % 10 == 9 else states.ids[index % STATES], country.id)
        for index in range(CUSTOMERS)
    ]
    customers = env["res.partner"].create(
        [
            {
                "name": f"Customer {index:03d}",
                "is_company": True,
                "state_id": state_id,
                "country_id": country_id,
            }
            for index, (state_id, country_id) in enumerate(regions)
        ]
    )
    defects = env["quality.defect.type"].create(
        [{"name": f"Failure {index}", "code": f"BF{index}"} for index in range(DEFECTS)]
    )
    stock = env.ref("stock.stock_location_stock")
    customer_location = env.ref("stock.stock_location_customers")
    out_type = env.ref("stock.picking_type_out")
    env.cr.execute(
        """
        INSERT INTO stock_picking (name, partner_id, picking_type_id, location_id,
                                   location_dest_id, state, company_id, move_type,
                                   create_uid, write_uid, create_date, write_date)
        SELECT 'BENCH/OUT/' || n, (%s::int[])[n], %s, %s, %s, 'done', %s, 'direct',
               1, 1, now(), now()
          FROM generate_series(1, %s) n
        RETURNING id
        """,
        [
            customers.ids,
            out_type.id,
            stock.id,
            customer_location.id,
            env.company.id,
            CUSTOMERS,
        ],
    )
    pickings = [row[0] for row in env.cr.fetchall()]
    # every product: 50 deliveries of 40 units to 50 customers (2,000 installed),
    # plus 400 units of the first products to two customers (large customers)
    env.cr.execute(
        """
        INSERT INTO stock_move_line (product_id, product_uom_id, picking_id,
               location_id, location_dest_id, quantity, quantity_product_uom,
               state, date, company_id, create_uid, write_uid, create_date,
               write_date)
        SELECT (%(products)s::int[])[1 + p],
               %(uom)s,
               (%(pickings)s::int[])[1 + (p * 7 + c) %% %(customers)s],
               %(stock)s, %(customer_location)s, 40, 40, 'done',
               now() - interval '100 days', %(company)s, 1, 1, now(), now()
          FROM generate_series(0, %(product_count)s - 1) p,
               generate_series(0, 49) c
        """,
        {
            "products": product_ids,
            "uom": env.ref("uom.product_uom_unit").id,
            "pickings": pickings,
            "customers": CUSTOMERS,
            "stock": stock.id,
            "customer_location": customer_location.id,
            "company": env.company.id,
            "product_count": PRODUCTS,
        },
    )
    for index in range(HOT_LARGE):
        env.cr.execute(
            """
            INSERT INTO stock_move_line (product_id, product_uom_id, picking_id,
                   location_id, location_dest_id, quantity, quantity_product_uom,
                   state, date, company_id, create_uid, write_uid, create_date,
                   write_date)
            VALUES (%s, %s, %s, %s, %s, 400, 400, 'done', now() - interval '100 days',
                    %s, 1, 1, now(), now())
            """,
            [
                product_ids[100 + index],
                env.ref("uom.product_uom_unit").id,
                pickings[400 + index],
                stock.id,
                customer_location.id,
                env.company.id,
            ],
        )
    return {
        "products": product_ids,
        "lots": lots,
        "customers": customers.ids,
        "defects": defects.ids,
        "components": components.ids,
        "product_components": dict(zip(product_ids, product_components, strict=True)),
        "regions": dict(zip(customers.ids, regions, strict=True)),
        "hot_components": list(zip(hot_components.ids, hot_products, strict=True)),
    }


def insert_complaints(env, fixtures, count, rng, hot, fresh_lot=False, written=7):
    """Bulk-insert complaints with 4 lines each; `hot` adds the groups meant to
    pass the rules' thresholds, `fresh_lot` six lines of the last lot, which
    makes it cross the lot rule. They were last written `written` days ago
    (the history, before the hourly run's last mark), 0 for new ones."""
    team = env.ref("quality_complaint.helpdesk_ticket_team_quality")
    stage = env.ref("quality_complaint.helpdesk_ticket_stage_quality_triage")
    lines = []
    products, lots = fixtures["products"], fixtures["lots"]
    customers, defects = fixtures["customers"], fixtures["defects"]
    components, product_components = (
        fixtures["components"],
        fixtures["product_components"],
    )
    # the rules' today: their user's time zone decides (the demo
    # administrator works in Brussels)
    today = fields.Date.context_today(env["quality.batch.rule"])
    background_lots = lots[HOT_LOTS:]
    warranties = ["in_warranty"] * 8 + ["unknown", "out_of_warranty"]
    for index in range(count):
        product = products[rng.randrange(PRODUCTS)]
        lot = None
        if index % 20 == 0:  # one line in 20 knows its lot, spread evenly
            lot_id, product = background_lots[(index // 20) % len(background_lots)]
            lot = lot_id
        # one line in two names the failed component
        component = product_components[product][rng.randrange(2)] if index % 2 else None
        lines.append(
            (
                product,
                lot,
                customers[rng.randrange(CUSTOMERS)],
                defects[rng.randrange(DEFECTS)],
                1.0,
                today - timedelta(days=rng.randrange(365)),
                component,
                warranties[index % 10],
            )
        )
    if hot:
        recent = today - timedelta(days=10)

        def hot_line(product, customer, defect, lot=None, component=None):
            return (
                product,
                lot,
                customer,
                defect,
                1.0,
                recent,
                component,
                "in_warranty",
            )

        for lot_id, product in lots[:HOT_LOTS]:
            lines += [hot_line(product, customers[0], defects[0], lot_id)] * 6
        for index in range(HOT_PRODUCTS):  # 150 of 2,000 installed: 7.5 %
            lines += [hot_line(products[index], customers[1], defects[1])] * 150
        for index in range(HOT_SMALL):  # 20 units at a customer using < 300
            lines += [
                hot_line(products[200 + index], customers[10 + index], defects[2])
            ] * 20
        for index in range(HOT_LARGE):  # 25 of >= 300 units: 6 %+
            # the customer of pickings[400 + index] is customers[400 + index]
            lines += [
                hot_line(products[100 + index], customers[400 + index], defects[3])
            ] * 25
        # the hot components: 250 failures of 4,000 units delivered of their
        # two products (6.25 %, so each product is over 5 % too), at the 17
        # customers of one state (its region is over 5 % too; 7 or 8 units
        # per customer and product stay under the customer rules)
        for index, (component, listing) in enumerate(fixtures["hot_components"]):
            state_customers = [
                customers[k] for k in range(12 + index, CUSTOMERS, STATES)
            ]
            lines += [
                hot_line(
                    listing[position % 2],
                    state_customers[position % len(state_customers)],
                    defects[4],
                    component=component,
                )
                for position in range(250)
            ]
        # components 5 and 6 in the states of customers 0 and 1, component 7
        # in the country of the customers without a state (customers 9, 19...):
        # 400 failures over the region's customers and the 20 products listing
        # the component, under every other rule
        regions_hot = [
            [customers[k] for k in range(i, CUSTOMERS, STATES) if k % 10 != 9]
            for i in range(HOT_REGIONS)
        ] + [[customers[k] for k in range(9, CUSTOMERS, 10)]]
        for index, region_customers in enumerate(regions_hot):
            component = components[5 + index]
            listing = [p for p in products if component in product_components[p]]
            lines += [
                hot_line(
                    listing[position % len(listing)],
                    region_customers[position % len(region_customers)],
                    defects[5],
                    component=component,
                )
                for position in range(400)
            ]
    if fresh_lot:
        lot_id, product = lots[-1]
        lines += [
            (
                product,
                lot_id,
                customers[2],
                defects[6],
                1.0,
                today - timedelta(days=1),
                None,
                "in_warranty",
            )
        ] * 6
    tickets_needed = (len(lines) + 3) // 4
    env.cr.execute(
        """
        INSERT INTO helpdesk_ticket (name, description, number, team_id, stage_id,
               company_id, priority, active, is_quality_complaint, quality_phase,
               create_uid, write_uid, create_date, write_date, last_stage_update,
               rating_status, remedy_state)
        SELECT 'Benchmark', '<p>x</p>', 'BB' || n, %s, %s, %s, '1', true, true,
               'triage', 1, 1, now() - %s * interval '1 day',
               now() - %s * interval '1 day', now(), 'stage_change', 'draft'
          FROM generate_series(1, %s) n
        RETURNING id
        """,
        [team.id, stage.id, env.company.id, written, written, tickets_needed],
    )
    ticket_ids = [row[0] for row in env.cr.fetchall()]
    regions = fixtures["regions"]
    rows = [
        (
            ticket_ids[position // 4],
            product,
            lot,
            customer,
            defect,
            qty,
            date,
            env.company.id,
            component,
            regions[customer][0] or None,
            regions[customer][1],
            warranty,
        )
        for position, (
            product,
            lot,
            customer,
            defect,
            qty,
            date,
            component,
            warranty,
        ) in enumerate(lines)
    ]
    chunk = 100000
    for start in range(0, len(rows), chunk):
        env.cr.execute(
            """
            INSERT INTO quality_complaint_line (ticket_id, product_id, lot_id,
                   commercial_partner_id, defect_type_id, quantity, date,
                   company_id, component_id, state_id, country_id, warranty_state,
                   sequence, create_uid, write_uid, create_date, write_date)
            SELECT r.* , 10, 1, 1, now() - %s * interval '1 day',
                   now() - %s * interval '1 day'
              FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[],
                          %s::float[], %s::date[], %s::int[], %s::int[], %s::int[],
                          %s::int[], %s::varchar[])
                   AS r(ticket_id, product_id, lot_id, partner_id, defect_id, qty,
                        date, company_id, component_id, state_id, country_id,
                        warranty_state)
            """,
            [written, written]
            + [
                list(column)
                for column in zip(*rows[start : start + chunk], strict=True)
            ],
        )
    env.cr.execute("ANALYZE quality_complaint_line")
    env.cr.execute("ANALYZE helpdesk_ticket")
    env.cr.execute("ANALYZE stock_move_line")
    env.invalidate_all()
    return len(lines)


def measure_detection(env, from_scratch=True, full=True):
    """Wall time and queries of a detection run of every rule, and the groups
    each rule has an open issue for.

    :param from_scratch: delete the issues first (else re-detection)
    :param full: the weekly full run, else the hourly incremental one
    :return: (seconds, queries, {rule xml id: {key tuple}})
    """
    Rule = env["quality.batch.rule"]
    if from_scratch:
        env.cr.execute("DELETE FROM quality_batch_issue")
    env.invalidate_all()
    env.flush_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    Rule._cron_detect(full=full)
    env.flush_all()
    seconds = time.perf_counter() - start
    queries = env.cr.sql_log_count - queries
    return seconds, queries, found_groups(env)


def found_groups(env):
    """:return: {rule xml id: {key tuple of each open issue}}"""
    issues = env["quality.batch.issue"].search(
        [("state", "not in", ("closed", "dismissed"))]
    )
    found = {}
    for xmlid, (keys, _query) in HAND_WRITTEN.items():
        rule = env.ref(f"quality_complaint.{xmlid}")
        found[xmlid] = {
            tuple(issue[fname].id or None for fname in keys)
            for issue in issues.filtered(lambda i, r=rule: i.rule_id == r)
        }
    return found


def issue_snapshot(env):
    """Every open issue of the benchmark's rules with its figures and lines."""
    env.invalidate_all()
    rules = [env.ref(f"quality_complaint.{xmlid}") for xmlid in HAND_WRITTEN]
    issues = env["quality.batch.issue"].search(
        [
            ("state", "not in", ("closed", "dismissed")),
            ("rule_id", "in", [rule.id for rule in rules]),
        ]
    )
    return {
        (
            issue.rule_id.id,
            issue.product_id.id,
            issue.lot_id.id,
            issue.partner_id.id,
            issue.defect_type_id.id,
            issue.component_id.id,
            issue.state_id.id,
            issue.country_id.id,
        ): (
            round(issue.affected_qty, 4),
            round(issue.installed_base, 4),
            round(issue.ratio, 4),
            tuple(sorted(issue.line_ids.ids)),
        )
        for issue in issues
    }


def measure_hand_written(env):
    """:return: (seconds, {rule xml id: {key tuple}})"""
    params = {
        "since": fields.Date.context_today(env["quality.batch.rule"])
        - timedelta(days=90),
        "base_since": datetime.now() - timedelta(days=36 * 30),
    }
    start = time.perf_counter()
    found = {}
    for xmlid, (keys, query) in HAND_WRITTEN.items():
        env.cr.execute(query, params)
        found[xmlid] = {tuple(row[: len(keys)]) for row in env.cr.fetchall()}
    return time.perf_counter() - start, found


def measure_size(env, repeats):
    """Both sides of a full run, alternately, `repeats` times; the medians.

    :return: dict of the figures
    """
    # warm the database and Odoo caches first: the machine is shared and noisy
    measure_hand_written(env)
    measure_detection(env)
    hand_runs, scratch_runs, steady_runs = [], [], []
    for _repeat in range(repeats):
        hand_runs.append(measure_hand_written(env))
        scratch_runs.append(measure_detection(env))
        steady_runs.append(measure_detection(env, from_scratch=False))

    def median(runs):
        return sorted(runs, key=lambda run: run[0])[len(runs) // 2]

    hand_seconds, found = median(hand_runs)
    seconds, queries, per_rule = median(scratch_runs)
    steady_seconds, steady_queries, steady_rule = median(steady_runs)
    return {
        "hand": hand_seconds,
        "found": found,
        "scratch": seconds,
        "scratch_queries": queries,
        "per_rule": per_rule,
        "steady": steady_seconds,
        "steady_queries": steady_queries,
        "steady_rule": steady_rule,
    }


def measure_incremental(env, fixtures, rng, repeats):
    """The hourly run after 1,000 new lines against the weekly run.

    :return: dict of the figures; "same" says the weekly run found nothing
        the hourly one had left
    """
    runs = []
    for _repeat in range(repeats):
        env.cr.execute("SAVEPOINT incremental")
        measure_detection(env, full=True)  # the issues and the mark
        insert_complaints(
            env, fixtures, 1000, rng, hot=False, fresh_lot=True, written=0
        )
        seconds, queries, _found = measure_detection(
            env, from_scratch=False, full=False
        )
        after_hourly = issue_snapshot(env)
        full_seconds, full_queries, _found = measure_detection(
            env, from_scratch=False, full=True
        )
        same = issue_snapshot(env) == after_hourly
        env.cr.execute("ROLLBACK TO SAVEPOINT incremental")
        env.invalidate_all()
        runs.append((seconds, queries, full_seconds, full_queries, same))
    seconds, queries, full_seconds, full_queries, same = sorted(runs)[len(runs) // 2]
    return {
        "hourly": seconds,
        "hourly_queries": queries,
        "weekly": full_seconds,
        "weekly_queries": full_queries,
        "same": same and all(run[4] for run in runs),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="20,000 lines, one measurement: check the groups, time nothing",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--db", default="quality_complaint_bench_batch", help="database to create"
    )
    parser.add_argument(
        "--database",
        help="an existing database with quality_complaint installed, left as it "
        "was (everything is rolled back)",
    )
    args = parser.parse_args()
    os.environ.setdefault("PGHOST", "127.0.0.1")
    os.environ.setdefault("PGUSER", "root")
    lines, repeats = (20000, 1) if args.quick else (args.lines, 3)
    db = args.database or args.db
    if not args.database:
        print("Installing the database...", flush=True)
        install(db, "quality_complaint")
    config.parse_config(
        [
            f"--addons-path={addons_path()}",
            f"--db_host={os.environ['PGHOST']}",
            f"--db_user={os.environ['PGUSER']}",
            "--log-level=warn",
        ]
    )
    # one transaction, rolled back at the end: detection commits nothing
    threading.current_thread().testing = True
    rng = random.Random(42)
    rows, incremental = [], None
    try:
        registry = odoo.modules.registry.Registry(db)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref("quality_complaint.quality_batch_rule_lot").auto_hold_lots = False
            print("Generating products, lots, customers, deliveries...", flush=True)
            fixtures = generate_fixtures(env)
            total = 0
            sizes = (lines,) if args.quick else (lines // 10, lines)
            for size in sizes:
                total += insert_complaints(
                    env, fixtures, size - total if total else size, rng, hot=not total
                )
                rows.append((total, measure_size(env, repeats)))
                print(f"{total} lines measured", flush=True)
            incremental = measure_incremental(env, fixtures, rng, repeats)
            cr.rollback()
    finally:
        odoo.sql_db.close_all()
        if not args.keep and not args.database:
            subprocess.run(["dropdb", "--if-exists", db], check=False)
    print()
    print(
        f"| complaint lines | hand-written GROUP BY: s | full run from scratch: s "
        f"| queries | ratio | weekly run, issues there: s | queries | ratio "
        f"| issues per rule ({len(HAND_WRITTEN)} rules) | same groups |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    agree = True
    for total, figures in rows:
        found, per_rule = figures["found"], figures["per_rule"]
        same = all(
            per_rule[xmlid] == found[xmlid] == figures["steady_rule"][xmlid]
            for xmlid in HAND_WRITTEN
        )
        agree = agree and same
        print(
            f"| {total} | {figures['hand']:.2f} | {figures['scratch']:.2f} | "
            f"{figures['scratch_queries']} | "
            f"{figures['scratch'] / figures['hand']:.2f}x | {figures['steady']:.2f} | "
            f"{figures['steady_queries']} | "
            f"{figures['steady'] / figures['hand']:.2f}x | "
            f"{', '.join(str(len(keys)) for keys in per_rule.values())} | "
            f"{'yes' if same else 'NO'} |"
        )
        for xmlid in HAND_WRITTEN:
            if per_rule[xmlid] != found[xmlid]:
                print(
                    f"  {xmlid}: only detected {per_rule[xmlid] - found[xmlid]}, "
                    f"only hand-written {found[xmlid] - per_rule[xmlid]}"
                )
    print()
    print(
        f"Hourly run after 1,000 new lines, at {rows[-1][0]} lines: "
        f"{incremental['hourly']:.2f} s, {incremental['hourly_queries']} queries; "
        f"the weekly run on the same data {incremental['weekly']:.2f} s, "
        f"{incremental['weekly_queries']} queries: "
        f"{100 * incremental['hourly'] / incremental['weekly']:.1f} %; the weekly "
        f"run {'changes nothing' if incremental['same'] else 'CHANGES ISSUES'} "
        "the hourly one left."
    )
    if not (agree and incremental["same"]):
        sys.exit("Detection and its references disagree (see above).")


if __name__ == "__main__":
    main()
