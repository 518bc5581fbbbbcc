#!/usr/bin/env python3
"""Batch detection benchmark: the four default rules against hand-written SQL.

    python3 benchmarks/batch_benchmark.py [--lines 1000000] [--keep]

Needs Odoo 18.0 importable and PostgreSQL (as for scripts/test). It creates a
database with quality_complaint (dropped at the end unless --keep) and
bulk-inserts, with SQL: 2,000 products, 50,000 lots, 500 customers, deliveries
making their installed base, and complaint lines over one year. A few groups
are made to pass the rules' thresholds (the same ones at every size); the rest
of the lines stay below them, as in real data.

Measured in one run, at 10 % of --lines and at --lines:
- a full detection run of the four default rules (`_cron_detect`: the
  aggregate query of each rule, then creating and announcing the issues), wall
  time and SQL queries;
- the same groups found by a hand-written `GROUP BY ... HAVING` per rule (with
  the installed base for the ratio and band rules), wall time.
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
HOT_LOTS, HOT_PRODUCTS, HOT_SMALL, HOT_LARGE = 10, 3, 5, 2

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
HAND_WRITTEN = {
    "lot": """
        SELECT l.product_id, l.lot_id, SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
         WHERE l.date >= %(since)s AND l.lot_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected'
      GROUP BY l.product_id, l.lot_id
        HAVING SUM(l.quantity) >= 5
    """,
    "customer_small": BASE_BY_CUSTOMER
    + """
        SELECT l.commercial_partner_id, l.product_id, l.defect_type_id,
               SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
     LEFT JOIN base b ON b.product_id = l.product_id
                     AND b.partner_id = l.commercial_partner_id
         WHERE l.date >= %(since)s AND l.defect_type_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected'
      GROUP BY l.commercial_partner_id, l.product_id, l.defect_type_id
        HAVING SUM(l.quantity) > 15 AND MAX(COALESCE(b.installed, 0)) < 300
    """,
    "customer_large": BASE_BY_CUSTOMER
    + """
        SELECT l.commercial_partner_id, l.product_id, l.defect_type_id,
               SUM(l.quantity)
          FROM quality_complaint_line l
          JOIN helpdesk_ticket t ON t.id = l.ticket_id
          JOIN base b ON b.product_id = l.product_id
                     AND b.partner_id = l.commercial_partner_id
         WHERE l.date >= %(since)s AND l.defect_type_id IS NOT NULL
           AND t.is_quality_complaint AND t.active
           AND t.quality_phase IS DISTINCT FROM 'rejected'
      GROUP BY l.commercial_partner_id, l.product_id, l.defect_type_id
        HAVING MAX(b.installed) >= 300
           AND 100.0 * SUM(l.quantity) / MAX(b.installed) > 5
    """,
    "product": """
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
           AND t.quality_phase IS DISTINCT FROM 'rejected'
      GROUP BY l.product_id, l.defect_type_id
        HAVING 100.0 * SUM(l.quantity) / NULLIF(MAX(b.installed), 0) > 5
    """,
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
    customers = env["res.partner"].create(
        [
            {"name": f"Customer {index:03d}", "is_company": True}
            for index in range(CUSTOMERS)
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
    }


def insert_complaints(env, fixtures, count, rng, hot):
    """Bulk-insert complaints with 4 lines each; `hot` adds the groups meant to
    pass the rules' thresholds."""
    team = env.ref("quality_complaint.helpdesk_ticket_team_quality")
    stage = env.ref("quality_complaint.helpdesk_ticket_stage_quality_triage")
    lines = []
    products, lots = fixtures["products"], fixtures["lots"]
    customers, defects = fixtures["customers"], fixtures["defects"]
    today = datetime.now().date()
    background_lots = lots[HOT_LOTS:]
    for index in range(count):
        product = products[rng.randrange(PRODUCTS)]
        lot = None
        if index % 20 == 0:  # one line in 20 knows its lot, spread evenly
            lot_id, product = background_lots[(index // 20) % len(background_lots)]
            lot = lot_id
        lines.append(
            (
                product,
                lot,
                customers[rng.randrange(CUSTOMERS)],
                defects[rng.randrange(DEFECTS)],
                1.0,
                today - timedelta(days=rng.randrange(365)),
            )
        )
    if hot:
        recent = today - timedelta(days=10)
        for lot_id, product in lots[:HOT_LOTS]:
            lines += [(product, lot_id, customers[0], defects[0], 1.0, recent)] * 6
        for index in range(HOT_PRODUCTS):  # 150 of 2,000 installed: 7.5 %
            lines += [
                (products[index], None, customers[1], defects[1], 1.0, recent)
            ] * 150
        for index in range(HOT_SMALL):  # 20 units at a customer using < 300
            lines += [
                (
                    products[200 + index],
                    None,
                    customers[10 + index],
                    defects[2],
                    1.0,
                    recent,
                )
            ] * 20
        for index in range(HOT_LARGE):  # 25 of >= 300 units: 6 %+
            # the customer of pickings[400 + index] is customers[400 + index]
            lines += [
                (
                    products[100 + index],
                    None,
                    customers[400 + index],
                    defects[3],
                    1.0,
                    recent,
                )
            ] * 25
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
        )
        for position, (product, lot, customer, defect, qty, date) in enumerate(lines)
    ]
    chunk = 100000
    for start in range(0, len(rows), chunk):
        env.cr.execute(
            """
            INSERT INTO quality_complaint_line (ticket_id, product_id, lot_id,
                   commercial_partner_id, defect_type_id, quantity, date,
                   company_id, sequence, create_uid, write_uid, create_date,
                   write_date)
            SELECT r.* , 10, 1, 1, now(), now()
              FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[],
                          %s::float[], %s::date[], %s::int[])
                   AS r(ticket_id, product_id, lot_id, partner_id, defect_id, qty,
                        date, company_id)
            """,
            [list(column) for column in zip(*rows[start : start + chunk], strict=True)],
        )
    env.cr.execute("ANALYZE quality_complaint_line")
    env.cr.execute("ANALYZE helpdesk_ticket")
    env.cr.execute("ANALYZE stock_move_line")
    env.invalidate_all()
    return len(lines)


def measure_detection(env):
    Rule = env["quality.batch.rule"]
    env.cr.execute("DELETE FROM quality_batch_issue")
    env.invalidate_all()
    rules = Rule.search([])
    env.flush_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    Rule._cron_detect()
    env.flush_all()
    seconds = time.perf_counter() - start
    issues = env["quality.batch.issue"].search([])
    per_rule = {
        rule.name: len(issues.filtered(lambda i, r=rule: i.rule_id == r))
        for rule in rules
    }
    return seconds, env.cr.sql_log_count - queries, per_rule


def measure_hand_written(env):
    params = {
        "since": datetime.now().date() - timedelta(days=90),
        "base_since": datetime.now() - timedelta(days=36 * 30),
    }
    start = time.perf_counter()
    found = {}
    for name, query in HAND_WRITTEN.items():
        env.cr.execute(query, params)
        found[name] = len(env.cr.fetchall())
    return time.perf_counter() - start, found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    os.environ.setdefault("PGHOST", "127.0.0.1")
    os.environ.setdefault("PGUSER", "root")
    db = "quality_complaint_bench_batch"
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
        "| complaint lines | detection (4 rules): s | SQL queries "
        "| hand-written GROUP BY: s | ratio | issues per rule |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    for total, seconds, queries, hand_seconds, per_rule, found in rows:
        print(
            f"| {total} | {seconds:.2f} | {queries} | {hand_seconds:.2f} | "
            f"{seconds / hand_seconds:.2f}x | "
            f"{', '.join(str(count) for count in per_rule.values())} "
            f"(hand-written: {', '.join(str(c) for c in found.values())}) |"
        )


if __name__ == "__main__":
    main()
