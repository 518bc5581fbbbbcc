#!/usr/bin/env python3
"""Replacement plan benchmark: drafting the plan of a batch problem whose lots
reached 500, then 5,000 customers.

    python3 benchmarks/replacement_plan_benchmark.py [--customers 5000] [--keep]
        [--db NAME]
    python3 benchmarks/replacement_plan_benchmark.py --quick [--database DB]

Needs Odoo 18.0 importable and PostgreSQL (as for scripts/test). It creates a
database with quality_complaint (dropped at the end unless --keep), or works
in an existing one (--database, everything rolled back at the end), and
bulk-inserts, with SQL: the customers, one delivery each of two units of the
problem's lots (half of them 400 days ago, out of the product's 12 months'
warranty), a returned unit for one customer in seven, and a complaint line of
one unit for one customer in ten.

Measured in one run, for the problem reaching 10 % of --customers and for the
one reaching all of them (each run twice; the second, warm, run is reported):
`quality.batch.issue.action_create_replacement_plan()` as a quality manager,
wall time and SQL queries. The script checks that the query count is the same
for both sizes and that the plan's figures per customer (units delivered, in
warranty, complained) equal those of a hand-written SQL aggregate; it exits 1
when they do not. The lines are created in one `create` call, which Odoo's ORM
sends as one INSERT per 100 rows (`INSERT_BATCH_SIZE`): those INSERTs are
counted apart, as are the ORM's chunked reads of the new lines and their
customers (one SELECT of each per 1,000 records, PREFETCH_MAX); the rest of
the queries must be the same at both sizes.

--quick (50 and 500 customers) is what a test run can afford: it checks the
figures and the query counts, and times nothing.
"""

import argparse
import os
import subprocess
import sys
import threading
import time

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.tools import config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sla_benchmark import addons_path, install  # noqa: E402

LOTS = 10
# rows per INSERT of one create() call (odoo.models.INSERT_BATCH_SIZE), and
# records per SELECT when the ORM fetches many (odoo.models.PREFETCH_MAX): the
# company check after create() reads the new lines and their customers, one
# SELECT of each per 1,000 records
INSERT_BATCH, PREFETCH = 100, 1000
CHUNKED_READS = 2
RETURN_EVERY, COMPLAINT_EVERY = 7, 10

# The reference: per customer (commercial partner), the units of the lots
# delivered net of returns, those whose delivery (or, for a return, the
# delivered unit's) date is within the 12 months' warranty, and the units
# complained about on the problem's complaint lines.
HAND_WRITTEN = """
    WITH moves AS (
        SELECT p.commercial_partner_id AS partner_id,
               CASE WHEN d.usage = 'customer' THEN sml.quantity_product_uom
                    ELSE -sml.quantity_product_uom END AS qty,
               sml.date
          FROM stock_move_line sml
          JOIN stock_picking pk ON pk.id = sml.picking_id
          JOIN res_partner p ON p.id = pk.partner_id
          JOIN stock_location s ON s.id = sml.location_id
          JOIN stock_location d ON d.id = sml.location_dest_id
         WHERE sml.lot_id = ANY(%(lots)s) AND sml.state = 'done'
           AND (d.usage = 'customer') <> (s.usage = 'customer')
    ), delivered AS (
        SELECT partner_id, SUM(qty) AS units,
               SUM(qty) FILTER (
                   WHERE date::date + interval '12 months' >= current_date
               ) AS in_warranty
          FROM moves GROUP BY partner_id
    ), complained AS (
        SELECT l.commercial_partner_id AS partner_id, SUM(l.quantity) AS units
          FROM quality_complaint_line l
          JOIN quality_batch_issue_complaint_line_rel r ON r.line_id = l.id
         WHERE r.issue_id = %(issue)s
      GROUP BY l.commercial_partner_id
    )
    SELECT COALESCE(d.partner_id, c.partner_id), GREATEST(COALESCE(d.units, 0), 0),
           GREATEST(COALESCE(d.in_warranty, 0), 0), COALESCE(c.units, 0)
      FROM delivered d FULL JOIN complained c ON c.partner_id = d.partner_id
"""


def generate(env, customers, tag):
    """A lot-tracked product, LOTS lots, `customers` customers reached by them,
    and a confirmed batch issue of those lots; return the issue."""
    product = env["product.product"].create(
        {
            "name": f"Bench Purifier {tag}",
            "is_storable": True,
            "tracking": "lot",
            "standard_price": 100.0,
            "complaint_warranty_months": 12,
        }
    )
    lots = env["stock.lot"].create(
        [
            {"name": f"RPB-{tag}-{index}", "product_id": product.id}
            for index in range(LOTS)
        ]
    )
    env.cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                 autopost_bills, create_uid, write_uid,
                                 create_date, write_date)
        SELECT 'Bench Customer ' || %s || '-' || n, 'Bench Customer ' || %s || '-' || n,
               true, true, 'contact', 'ask', 1, 1, now(), now()
          FROM generate_series(1, %s) n
        RETURNING id
        """,
        [tag, tag, customers],
    )
    partner_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [partner_ids],
    )
    stock = env.ref("stock.stock_location_stock")
    customer_location = env.ref("stock.stock_location_customers")
    out_type = env.ref("stock.picking_type_out")
    env.cr.execute(
        """
        INSERT INTO stock_picking (name, partner_id, picking_type_id, location_id,
                                   location_dest_id, state, company_id, move_type,
                                   create_uid, write_uid, create_date, write_date)
        SELECT 'RPBENCH/' || %s || '/' || n, (%s::int[])[n], %s, %s, %s, 'done', %s,
               'direct', 1, 1, now(), now()
          FROM generate_series(1, %s) n
        RETURNING id
        """,
        [
            tag,
            partner_ids,
            out_type.id,
            stock.id,
            customer_location.id,
            env.company.id,
            customers,
        ],
    )
    picking_ids = [row[0] for row in env.cr.fetchall()]
    common = {
        "product": product.id,
        "uom": product.uom_id.id,
        "pickings": picking_ids,
        "lots": lots.ids,
        "stock": stock.id,
        "customer_location": customer_location.id,
        "company": env.company.id,
        "count": customers,
    }
    # two units to each customer; even customers 400 days ago (out of warranty)
    env.cr.execute(
        """
        INSERT INTO stock_move_line (product_id, product_uom_id, picking_id, lot_id,
               location_id, location_dest_id, quantity, quantity_product_uom,
               state, date, company_id, create_uid, write_uid, create_date,
               write_date)
        SELECT %(product)s, %(uom)s, (%(pickings)s::int[])[n],
               (%(lots)s::int[])[1 + n %% %(lot_count)s], %(stock)s,
               %(customer_location)s, 2, 2, 'done',
               now() - CASE WHEN n %% 2 = 0 THEN interval '400 days'
                            ELSE interval '100 days' END,
               %(company)s, 1, 1, now(), now()
          FROM generate_series(1, %(count)s) n
        """,
        dict(common, lot_count=LOTS),
    )
    # one unit back from one customer in seven (same picking partner)
    env.cr.execute(
        """
        INSERT INTO stock_move_line (product_id, product_uom_id, picking_id, lot_id,
               location_id, location_dest_id, quantity, quantity_product_uom,
               state, date, company_id, create_uid, write_uid, create_date,
               write_date)
        SELECT %(product)s, %(uom)s, (%(pickings)s::int[])[n],
               (%(lots)s::int[])[1 + n %% %(lot_count)s], %(customer_location)s,
               %(stock)s, 1, 1, 'done', now() - interval '10 days',
               %(company)s, 1, 1, now(), now()
          FROM generate_series(1, %(count)s) n
         WHERE n %% %(every)s = 0
        """,
        dict(common, lot_count=LOTS, every=RETURN_EVERY),
    )
    team = env.ref("quality_complaint.helpdesk_ticket_team_quality")
    stage = env.ref("quality_complaint.helpdesk_ticket_stage_quality_triage")
    complaining = partner_ids[::COMPLAINT_EVERY]
    env.cr.execute(
        """
        INSERT INTO helpdesk_ticket (name, description, number, team_id, stage_id,
               company_id, priority, active, is_quality_complaint, quality_phase,
               create_uid, write_uid, create_date, write_date, last_stage_update,
               rating_status, remedy_state, partner_id, commercial_partner_id)
        SELECT 'Benchmark', '<p>x</p>', 'RPB' || %s || '-' || n, %s, %s, %s, '1',
               true, true, 'triage', 1, 1, now(), now(), now(), 'stage_change',
               'draft', p, p
          FROM unnest(%s::int[]) WITH ORDINALITY AS r(p, n)
        RETURNING id, partner_id
        """,
        [tag, team.id, stage.id, env.company.id, complaining],
    )
    tickets = env.cr.fetchall()
    env.cr.execute(
        """
        INSERT INTO quality_complaint_line (ticket_id, product_id, lot_id,
               commercial_partner_id, quantity, date, company_id, warranty_state,
               sequence, create_uid, write_uid, create_date, write_date)
        SELECT t, %s, %s, p, 1, current_date, %s, 'in_warranty', 10, 1, 1,
               now(), now()
          FROM unnest(%s::int[], %s::int[]) AS r(t, p)
        RETURNING id
        """,
        [
            product.id,
            lots.ids[0],
            env.company.id,
            [ticket for ticket, _partner in tickets],
            [partner for _ticket, partner in tickets],
        ],
    )
    line_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute("ANALYZE stock_move_line")
    env.cr.execute("ANALYZE res_partner")
    env.invalidate_all()
    return env["quality.batch.issue"].create(
        {
            "company_id": env.company.id,
            "product_id": product.id,
            "lot_id": lots.ids[0],
            "origin": "reported",
            "units_reported": len(line_ids),
            "reported_by_id": env.user.partner_id.id,
            "customer_accepted": True,
            "reported_lot_ids": [Command.set(lots.ids)],
            "line_ids": [Command.set(line_ids)],
            "state": "confirmed",
        }
    )


def measure(env, issue):
    """Draft the plan as a quality manager; return (seconds, queries, plan)."""
    user = env.ref("base.user_admin")
    issue = issue.with_user(user)
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    issue.action_create_replacement_plan()
    env.flush_all()
    elapsed = time.perf_counter() - start
    return elapsed, env.cr.sql_log_count - queries, issue.replacement_plan_ids[-1:]


def check_figures(env, issue, plan):
    """Whether the plan's lines equal the hand-written aggregate."""
    env.flush_all()
    env.cr.execute(
        HAND_WRITTEN,
        {"lots": issue._get_lots().ids, "issue": issue.id},
    )
    reference = {
        row[0]: tuple(round(float(value), 2) for value in row[1:])
        for row in env.cr.fetchall()
    }
    figures = {
        line.partner_id.id: (
            round(line.units_delivered, 2),
            round(line.units_in_warranty, 2),
            round(line.units_complained, 2),
        )
        for line in plan.sudo().line_ids
    }
    return figures == reference, len(reference)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="50 and 500 customers: check the figures and query counts only",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--db", default="quality_complaint_bench_plan", help="database to create"
    )
    parser.add_argument(
        "--database",
        help="an existing database with quality_complaint installed, left as it "
        "was (everything is rolled back)",
    )
    args = parser.parse_args()
    os.environ.setdefault("PGHOST", "127.0.0.1")
    os.environ.setdefault("PGUSER", "root")
    largest = 500 if args.quick else args.customers
    sizes = (largest // 10, largest)
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
    threading.current_thread().testing = True
    rows = []
    try:
        registry = odoo.modules.registry.Registry(db)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for size in sizes:
                print(f"Generating {size} customers...", flush=True)
                issue = generate(env, size, f"{size}")
                measure(env, issue)  # warm the caches
                seconds, queries, plan = measure(env, issue)
                same, customers = check_figures(env, issue, plan)
                rows.append(
                    (size, customers, len(plan.line_ids), seconds, queries, same)
                )
            cr.rollback()
    finally:
        odoo.sql_db.close_all()
        if not args.keep and not args.database:
            subprocess.run(["dropdb", "--if-exists", db], check=False)
    print()
    print(
        "| customers reached | plan lines | action_create_replacement_plan: s "
        "| queries | line INSERTs (100 rows each) | chunked reads (1,000 records) "
        "| other queries | figures = hand-written SQL |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    fixed = set()
    for size, customers, lines, seconds, queries, same in rows:
        timing = "-" if args.quick else f"{seconds:.2f}"
        inserts = -(-lines // INSERT_BATCH)
        reads = CHUNKED_READS * -(-lines // PREFETCH)
        fixed.add(queries - inserts - reads)
        print(
            f"| {size} | {lines} | {timing} | {queries} | {inserts} | {reads} | "
            f"{queries - inserts - reads} | {'yes' if same else 'NO'} "
            f"({customers} in the reference) |"
        )
    same_queries = len(fixed) == 1
    print()
    print(
        "Same query count at both sizes, apart from the ORM's batches: "
        f"{'yes' if same_queries else 'NO'}"
    )
    if not (same_queries and all(row[5] for row in rows)):
        sys.exit(1)


if __name__ == "__main__":
    main()
