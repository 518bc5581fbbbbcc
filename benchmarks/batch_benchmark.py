#!/usr/bin/env python3
"""Batch detection benchmark: the six default rules against hand-written SQL.

    python3 benchmarks/batch_benchmark.py [--lines 1000000] [--keep] [--db NAME]

Needs Odoo 18.0 importable and PostgreSQL (as for scripts/test). It creates a
database with quality_complaint (dropped at the end unless --keep) and
bulk-inserts, with SQL: 2,000 products listing two of 200 components each,
50,000 lots, 500 customers in 30 states of a country (one in ten without a
state), deliveries making their installed base, and complaint lines over one
year (half of them name the failed component, one in ten is out of warranty).
A few groups are made to pass the rules' thresholds (the same ones at every
size); the rest of the lines stay below them, as in real data.

Measured in one run, at 10 % of --lines and at --lines:
- a full detection run of the six default rules (`_cron_detect`: the
  aggregate query of each rule, then creating and announcing the issues), wall
  time and SQL queries;
- the same groups found by a hand-written `GROUP BY ... HAVING` per rule (with
  the installed base for the ratio and band rules), wall time; the script
  checks that both find the same groups (keys), rule by rule.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api
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


def insert_complaints(env, fixtures, count, rng, hot):
    """Bulk-insert complaints with 4 lines each; `hot` adds the groups meant to
    pass the rules' thresholds."""
    team = env.ref("quality_complaint.helpdesk_ticket_team_quality")
    stage = env.ref("quality_complaint.helpdesk_ticket_stage_quality_triage")
    lines = []
    products, lots = fixtures["products"], fixtures["lots"]
    customers, defects = fixtures["customers"], fixtures["defects"]
    components, product_components = (
        fixtures["components"],
        fixtures["product_components"],
    )
    today = datetime.now().date()
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
    tickets_needed = (len(lines) + 3) // 4
    env.cr.execute(
        """
        INSERT INTO helpdesk_ticket (name, description, number, team_id, stage_id,
               company_id, priority, active, is_quality_complaint, quality_phase,
               create_uid, write_uid, create_date, write_date, last_stage_update,
               rating_status, remedy_state)
        SELECT 'Benchmark', '<p>x</p>', 'BB' || n, %s, %s, %s, '1', true, true,
               'triage', 1, 1, now(), now(), now(), 'stage_change', 'draft'
          FROM generate_series(1, %s) n
        RETURNING id
        """,
        [team.id, stage.id, env.company.id, tickets_needed],
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
            SELECT r.* , 10, 1, 1, now(), now()
              FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[],
                          %s::float[], %s::date[], %s::int[], %s::int[], %s::int[],
                          %s::int[], %s::varchar[])
                   AS r(ticket_id, product_id, lot_id, partner_id, defect_id, qty,
                        date, company_id, component_id, state_id, country_id,
                        warranty_state)
            """,
            [list(column) for column in zip(*rows[start : start + chunk], strict=True)],
        )
    env.cr.execute("ANALYZE quality_complaint_line")
    env.cr.execute("ANALYZE helpdesk_ticket")
    env.cr.execute("ANALYZE stock_move_line")
    env.invalidate_all()
    return len(lines)


def measure_detection(env):
    """Wall time and queries of a detection run of every rule, and the groups
    each rule raised an issue for.

    :return: (seconds, queries, {rule xml id: {key tuple}})
    """
    Rule = env["quality.batch.rule"]
    env.cr.execute("DELETE FROM quality_batch_issue")
    env.invalidate_all()
    env.flush_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    Rule._cron_detect()
    env.flush_all()
    seconds = time.perf_counter() - start
    queries = env.cr.sql_log_count - queries
    issues = env["quality.batch.issue"].search([])
    found = {}
    for xmlid, (keys, _query) in HAND_WRITTEN.items():
        rule = env.ref(f"quality_complaint.{xmlid}")
        found[xmlid] = {
            tuple(issue[fname].id or None for fname in keys)
            for issue in issues.filtered(lambda i, r=rule: i.rule_id == r)
        }
    return seconds, queries, found


def measure_hand_written(env):
    """:return: (seconds, {rule xml id: {key tuple}})"""
    params = {
        "since": datetime.now().date() - timedelta(days=90),
        "base_since": datetime.now() - timedelta(days=36 * 30),
    }
    start = time.perf_counter()
    found = {}
    for xmlid, (keys, query) in HAND_WRITTEN.items():
        env.cr.execute(query, params)
        found[xmlid] = {tuple(row[: len(keys)]) for row in env.cr.fetchall()}
    return time.perf_counter() - start, found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--db", default="quality_complaint_bench_batch", help="database to create"
    )
    args = parser.parse_args()
    os.environ.setdefault("PGHOST", "127.0.0.1")
    os.environ.setdefault("PGUSER", "root")
    db = args.db
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
    rng = random.Random(42)
    rows = []
    try:
        registry = odoo.modules.registry.Registry(db)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref("quality_complaint.quality_batch_rule_lot").auto_hold_lots = False
            print("Generating products, lots, customers, deliveries...", flush=True)
            fixtures = generate_fixtures(env)
            total = 0
            for size in (args.lines // 10, args.lines):
                total += insert_complaints(
                    env, fixtures, size - total if total else size, rng, hot=not total
                )
                cr.commit()
                # warm the database and Odoo caches, then measure both sides
                # alternately, three times, and keep the medians: the machine
                # is shared and noisy
                measure_hand_written(env)
                measure_detection(env)
                hand_runs, detection_runs = [], []
                for _repeat in range(3):
                    hand_runs.append(measure_hand_written(env))
                    detection_runs.append(measure_detection(env))
                hand_seconds, found = sorted(hand_runs, key=lambda r: r[0])[1]
                seconds, queries, per_rule = sorted(detection_runs, key=lambda r: r[0])[
                    1
                ]
                cr.rollback()
                rows.append((total, seconds, queries, hand_seconds, per_rule, found))
                print(f"{total} lines measured", flush=True)
    finally:
        if not args.keep:
            odoo.sql_db.close_all()
            subprocess.run(["dropdb", "--if-exists", db], check=False)
    print()
    print(
        f"| complaint lines | detection ({len(HAND_WRITTEN)} rules): s | SQL queries "
        "| hand-written GROUP BY: s | ratio | issues per rule | same groups |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for total, seconds, queries, hand_seconds, per_rule, found in rows:
        same = all(per_rule[xmlid] == found[xmlid] for xmlid in HAND_WRITTEN)
        print(
            f"| {total} | {seconds:.2f} | {queries} | {hand_seconds:.2f} | "
            f"{seconds / hand_seconds:.2f}x | "
            f"{', '.join(str(len(keys)) for keys in per_rule.values())} "
            f"(hand-written: {', '.join(str(len(k)) for k in found.values())}) | "
            f"{'yes' if same else 'NO'} |"
        )
        for xmlid in HAND_WRITTEN:
            if per_rule[xmlid] != found[xmlid]:
                print(
                    f"  {xmlid}: only detected {per_rule[xmlid] - found[xmlid]}, "
                    f"only hand-written {found[xmlid] - per_rule[xmlid]}"
                )


if __name__ == "__main__":
    main()
