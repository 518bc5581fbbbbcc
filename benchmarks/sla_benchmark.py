#!/usr/bin/env python3
"""SLA benchmark: quality_complaint against OCA helpdesk_mgmt_sla, in one run.

    python3 benchmarks/sla_benchmark.py [--sizes 1000 10000 50000] [--plan 10000]
    python3 benchmarks/sla_benchmark.py --quick [--database DB]

Needs Odoo 18.0 importable and PostgreSQL (as for scripts/test); it installs
its reference, OCA helpdesk_mgmt_sla, from PyPI when it is missing. It creates
two databases (dropped at the end unless --keep): one with quality_complaint
(or uses --database, rolled back), one with helpdesk_mgmt_sla (the two cannot
share a database: both add `sla_ids` and `sla_deadline` to helpdesk.ticket).
Tickets and milestones are bulk-inserted with SQL; what is measured goes
through the ORM. Both sides plan the same complaints on the same calendar: the
script checks that they give the same deadlines.

--quick (500 complaints, no SLA check) is what the test command runs: it
asserts only that the deadlines agree, never a time.

Measured, wall time and SQL queries:
- planning: deadlines (3 milestones each, 40 h week calendar with a public
  holiday) for --plan new complaints: `_sla_sync()` here, `set_sla()` (the
  per-ticket SLA line creation and deadline compute) in helpdesk_mgmt_sla;
- SLA check, for each size N: one run of the SLA cron over N running
  milestones of which none is due, and of which 1,000 are due (one batch of
  breaches, escalated); helpdesk_mgmt_sla has no cron in 18.0, so its
  reference is the recompute its tickets run on a stage change
  (`_stage_recompute()` of N SLA lines).
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.tools import config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START = datetime(2026, 1, 5, 8, 0)  # a Monday


def addons_path():
    import odoo.addons

    root_addons = os.path.join(
        os.path.dirname(os.path.dirname(odoo.__file__)), "addons"
    )
    paths = []
    for path in [root_addons, *odoo.addons.__path__, REPO]:
        path = os.path.abspath(path)
        if os.path.isdir(path) and path not in paths:
            paths.append(path)
    return ",".join(paths)


def install(db, module):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    subprocess.run(["createdb", db], check=True)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, odoo.cli; sys.argv[0] = 'odoo'; odoo.cli.main()",
            f"--addons-path={addons_path()}",
            f"--db_host={os.environ.get('PGHOST', '127.0.0.1')}",
            f"--db_user={os.environ.get('PGUSER', 'root')}",
            "-d",
            db,
            "-i",
            module,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


class Measure:
    def __init__(self, env):
        self.env = env

    def __call__(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        start = time.perf_counter()
        result = func()
        self.env.flush_all()
        return time.perf_counter() - start, self.env.cr.sql_log_count - queries, result


class BulkWrites:
    """Time spent in the statements that store the planning: the milestones'
    INSERT and the complaints' SLA status UPDATE. That is the database's own
    work (rows, indexes, foreign keys), which no planning storing these
    milestones avoids: the reference's time over it bounds the ratio."""

    STATEMENTS = ("INSERT INTO quality_complaint_sla", 'UPDATE "helpdesk_ticket"')

    def __enter__(self):
        self.seconds = 0.0
        self.original = odoo.sql_db.Cursor.execute
        bulk = self

        def execute(cursor, query, params=None, log_exceptions=True):
            start = time.perf_counter()
            try:
                return bulk.original(cursor, query, params, log_exceptions)
            finally:
                text = getattr(query, "code", query)
                if isinstance(text, str) and text.lstrip().startswith(bulk.STATEMENTS):
                    bulk.seconds += time.perf_counter() - start

        odoo.sql_db.Cursor.execute = execute
        return self

    def __exit__(self, *exc):
        odoo.sql_db.Cursor.execute = self.original


def factory_calendar(env):
    calendar = env["resource.calendar"].create(
        {
            "name": "Factory 40 h (UTC)",
            "tz": "UTC",
            "company_id": False,
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{day}{period}",
                        "dayofweek": str(day),
                        "hour_from": start,
                        "hour_to": stop,
                        "day_period": period,
                    },
                )
                for day in range(5)
                for period, start, stop in (("morning", 8, 12), ("afternoon", 13, 17))
            ],
        }
    )
    env["resource.calendar.leaves"].create(
        {
            "name": "Public holiday",
            "calendar_id": calendar.id,
            "date_from": datetime(2026, 1, 7),
            "date_to": datetime(2026, 1, 7, 23, 59, 59),
        }
    )
    return calendar


def insert_tickets(env, team, stage, count, **extra):
    """Bulk-insert `count` tickets; return their recordset."""
    columns = {
        "name": "'Benchmark complaint'",
        "description": "'<p>x</p>'",
        "number": "'BENCH' || n",
        "team_id": str(team.id),
        "stage_id": str(stage.id),
        "company_id": str(env.company.id),
        "priority": "'1'",
        "active": "true",
        "create_date": f"'{START}'::timestamp",
        "write_date": f"'{START}'::timestamp",
        "create_uid": "1",
        "write_uid": "1",
        "last_stage_update": f"'{START}'::timestamp",
        **extra,
    }
    env.cr.execute(
        f"""
        INSERT INTO helpdesk_ticket ({", ".join(columns)})
        SELECT {", ".join(columns.values())} FROM generate_series(1, %s) AS n
        RETURNING id
        """,  # noqa: S608 - literal column names and values of this script
        [count],
    )
    ids = [row[0] for row in env.cr.fetchall()]
    env.invalidate_all()
    return env["helpdesk.ticket"].browse(ids)


def bench_quality_complaint(db, sizes, plan_size):
    registry = odoo.modules.registry.Registry(db)
    results = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        measure = Measure(env)
        team = env.ref("quality_complaint.helpdesk_ticket_team_quality")
        team.resource_calendar_id = factory_calendar(env)
        intake = env.ref("quality_complaint.helpdesk_ticket_stage_quality_intake")
        tickets = insert_tickets(
            env,
            team,
            intake,
            plan_size,
            is_quality_complaint="true",
            # NOT NULL columns of helpdesk_mgmt_rating and of the remedy
            rating_status="'stage_change'",
            remedy_state="'draft'",
            severity="'major'",
            quality_phase="'intake'",
        )
        with BulkWrites() as bulk:
            seconds, queries, _ = measure(tickets._sla_sync)
        results["bulk_writes"] = bulk.seconds
        planned = env["quality.complaint.sla"].search_read(
            [("ticket_id", "in", tickets.ids)], ["ticket_id", "milestone", "deadline"]
        )
        assert len(planned) == 3 * plan_size, len(planned)
        numbers = dict(zip(tickets.ids, tickets.mapped("number"), strict=True))
        results["plan"] = (plan_size, seconds, queries)
        results["deadlines"] = {
            (numbers[sla["ticket_id"][0]], sla["milestone"]): sla["deadline"]
            for sla in planned
        }
        Sla = env["quality.complaint.sla"]
        policy = env.ref("quality_complaint.quality_sla_policy_major_response")
        multi_policies = (
            policy
            | env.ref("quality_complaint.quality_sla_policy_major_interim")
            | env.ref("quality_complaint.quality_sla_policy_major_final")
        )
        # breaches are escalated to the team leader
        team.user_id = env.ref("base.user_admin")
        for size in sizes:
            cr.execute("DELETE FROM quality_complaint_sla")
            cr.execute("DELETE FROM helpdesk_ticket")
            batch = insert_tickets(
                env,
                team,
                intake,
                size,
                is_quality_complaint="true",
                # NOT NULL columns of helpdesk_mgmt_rating and of the remedy
                rating_status="'stage_change'",
                remedy_state="'draft'",
                severity="'major'",
                quality_phase="'intake'",
            )
            # N running milestones, none due yet
            cr.execute(
                """
                INSERT INTO quality_complaint_sla
                       (ticket_id, policy_id, milestone, company_id, team_id,
                        severity, start_date, deadline, at_risk_date, state,
                        is_at_risk, met_pct, create_uid, write_uid, create_date,
                        write_date)
                SELECT id, %s, 'response', company_id, team_id, 'major', %s,
                       %s, %s, 'running', false, 0, 1, 1, %s, %s
                  FROM helpdesk_ticket WHERE id = ANY(%s)
                """,
                [
                    policy.id,
                    START,
                    datetime.now() + timedelta(days=365),
                    datetime.now() + timedelta(days=300),
                    START,
                    START,
                    batch.ids,
                ],
            )
            env.invalidate_all()
            idle = measure(Sla._cron_check_sla)
            assert idle[2] == 0
            # make 1,000 of them due: one batch of breaches to escalate
            cr.execute(
                """
                UPDATE quality_complaint_sla SET deadline = %s, at_risk_date = %s
                 WHERE id IN (
                       SELECT id FROM quality_complaint_sla ORDER BY id LIMIT 1000)
                """,
                [START + timedelta(days=1), START + timedelta(hours=12)],
            )
            env.invalidate_all()
            due = measure(Sla._cron_check_sla)
            assert due[2] == min(1000, size), due
            # the same number of due milestones, three per complaint (response,
            # interim, final): escalated in the same batch, not one by one
            cr.execute("DELETE FROM quality_complaint_sla")
            cr.execute(
                """
                INSERT INTO quality_complaint_sla
                       (ticket_id, policy_id, milestone, company_id, team_id,
                        severity, start_date, deadline, at_risk_date, state,
                        is_at_risk, met_pct, create_uid, write_uid, create_date,
                        write_date)
                SELECT t.id, p.id, p.milestone, t.company_id, t.team_id, 'major',
                       %s, %s, %s, 'running', false, 0, 1, 1, %s, %s
                  FROM (SELECT id, company_id, team_id FROM helpdesk_ticket
                         WHERE id = ANY(%s) ORDER BY id LIMIT 334) t
                 CROSS JOIN quality_sla_policy p
                 WHERE p.id = ANY(%s)
                 LIMIT 1000
                """,
                [
                    START,
                    START + timedelta(days=1),
                    START + timedelta(hours=12),
                    START,
                    START,
                    batch.ids,
                    multi_policies.ids,
                ],
            )
            env.invalidate_all()
            multi = measure(Sla._cron_check_sla)
            assert multi[2] == min(1000, 3 * min(size, 334)), multi
            results[size] = (idle[0], idle[1], due[0], due[1], multi[0], multi[1])
        cr.rollback()
    return results


def bench_reference(db, sizes, plan_size):
    registry = odoo.modules.registry.Registry(db)
    results = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        measure = Measure(env)
        stages = env["helpdesk.ticket.stage"].search([], order="sequence")
        team = env["helpdesk.ticket.team"].create(
            {
                "name": "Reference",
                "use_sla": True,
                "resource_calendar_id": factory_calendar(env).id,
            }
        )
        for name, hours, stage in (
            ("response", 4, stages[1]),
            ("interim", 8, stages[2]),
            ("final", 48, stages[3]),
        ):
            env["helpdesk.sla"].create(
                {
                    "name": name,
                    "team_ids": [Command.set(team.ids)],
                    "hours": hours,
                    "stage_id": stage.id,
                }
            )
        tickets = insert_tickets(env, team, stages[0], plan_size)
        seconds, queries, _ = measure(tickets.set_sla)
        lines = env["helpdesk.ticket.sla"].search([])
        assert len(lines) == 3 * plan_size, len(lines)
        results["plan"] = (plan_size, seconds, queries)
        results["deadlines"] = {
            (line.ticket_id.number, line.sla_id.name): line.deadline for line in lines
        }
        for size in sizes:
            cr.execute("DELETE FROM helpdesk_ticket_sla")
            cr.execute("DELETE FROM helpdesk_ticket")
            batch = insert_tickets(env, team, stages[0], size)
            cr.execute(
                """
                INSERT INTO helpdesk_ticket_sla
                       (ticket_id, sla_id, deadline, hours, expected_stage_id,
                        consumed_time, last_state_date, state, create_uid,
                        write_uid, create_date, write_date)
                SELECT t.id, %s, %s, 4, %s, 0, %s, 'in_progress', 1, 1, %s, %s
                  FROM helpdesk_ticket t WHERE t.id = ANY(%s)
                """,
                [
                    env["helpdesk.sla"].search([], limit=1).id,
                    START + timedelta(days=365),
                    stages[1].id,
                    START,
                    START,
                    START,
                    batch.ids,
                ],
            )
            env.invalidate_all()
            lines = env["helpdesk.ticket.sla"].search([])

            def recompute(lines=lines):
                for line in lines:
                    line._stage_recompute()

            seconds, queries, _ = measure(recompute)
            results[size] = (seconds, queries)
        cr.rollback()
    return results


def reference_installed():
    return any(
        os.path.isfile(os.path.join(path, "helpdesk_mgmt_sla", "__manifest__.py"))
        for path in addons_path().split(",")
    )


def ensure_reference():
    """helpdesk_mgmt_sla, from PyPI like the addon's OCA dependencies (with
    --no-deps: its only other requirement is Odoo); stop with one line when it
    cannot be had."""
    if reference_installed():
        return
    print("Installing the reference, OCA helpdesk_mgmt_sla, from PyPI...", flush=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "odoo-addon-helpdesk_mgmt_sla==18.0.*",
        ],
        check=False,
    )
    if result.returncode or not reference_installed():
        sys.exit(
            "The reference is missing: OCA helpdesk_mgmt_sla 18.0 (pip install "
            "--no-deps odoo-addon-helpdesk_mgmt_sla) could not be installed."
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--plan", type=int, default=10000)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="plan 500 complaints, no SLA check: compare the deadlines, time nothing",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--database",
        help="an existing database with quality_complaint installed, left as it "
        "was (everything is rolled back)",
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="measure quality_complaint only (no helpdesk_mgmt_sla database)",
    )
    args = parser.parse_args()
    os.environ.setdefault("PGHOST", "127.0.0.1")
    os.environ.setdefault("PGUSER", "root")
    sizes, plan_size = ([], 500) if args.quick else (args.sizes, args.plan)
    ours = args.database or "quality_complaint_bench_sla"
    # named after ours: two runs at once (CI of two checkouts) do not collide
    reference = f"{ours}_sla_ref"
    if not args.no_reference:
        ensure_reference()
    print("Installing the databases...", flush=True)
    if not args.database:
        install(ours, "quality_complaint")
    if not args.no_reference:
        install(reference, "helpdesk_mgmt_sla")
    config.parse_config(
        [
            f"--addons-path={addons_path()}",
            f"--db_host={os.environ['PGHOST']}",
            f"--db_user={os.environ['PGUSER']}",
            "--log-level=warn",
        ]
    )
    try:
        mine = bench_quality_complaint(ours, sizes, plan_size)
        ref = None
        if not args.no_reference:
            ref = bench_reference(reference, sizes, plan_size)
    finally:
        odoo.sql_db.close_all()
        if not args.keep:
            if not args.database:
                subprocess.run(["dropdb", "--if-exists", ours], check=False)
            subprocess.run(["dropdb", "--if-exists", reference], check=False)
    count, seconds, queries = mine["plan"]
    print()
    print(f"Planning deadlines of {count} new complaints (3 milestones each):")
    print("| | wall time (s) | SQL queries |")
    print("| --- | ---: | ---: |")
    print(f"| quality_complaint `_sla_sync()` | {seconds:.2f} | {queries} |")
    same = None
    if ref:
        _count, ref_seconds, ref_queries = ref["plan"]
        print(f"| helpdesk_mgmt_sla `set_sla()` | {ref_seconds:.2f} | {ref_queries} |")
        print(
            f"| ratio (reference / ours) | {ref_seconds / seconds:.1f}x | "
            f"{ref_queries / max(queries, 1):.1f}x |"
        )
        bulk = mine["bulk_writes"]
        print(
            f"Of ours, the milestones' INSERT and the complaints' UPDATE took "
            f"{bulk:.2f} s: with no time outside these two statements, the "
            f"ratio would be {ref_seconds / bulk:.0f}x on this run."
        )
        different = {
            key: (deadline, ref["deadlines"].get(key))
            for key, deadline in mine["deadlines"].items()
            if ref["deadlines"].get(key) != deadline
        }
        same = not different and len(mine["deadlines"]) == len(ref["deadlines"])
        print(
            f"Deadlines: {len(mine['deadlines'])} planned, "
            + (
                "the same as helpdesk_mgmt_sla's."
                if same
                else f"{len(different)} DIFFERENT from helpdesk_mgmt_sla's, e.g. "
                f"{list(different.items())[:3]}"
            )
        )
    if sizes:
        print()
        print("SLA check, one run over N running milestones:")
        print(
            "| N | none due: s | none due: queries | 1,000 due: s | 1,000 due: "
            "queries | 1,000 due, 3 per complaint: s | queries | ratio 3 per "
            "complaint / 1 | reference recompute: s | reference: queries |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for size in sizes:
            idle_s, idle_q, due_s, due_q, multi_s, multi_q = mine[size]
            ref_s, ref_q = ref[size] if ref else (float("nan"), "-")
            print(
                f"| {size} | {idle_s:.3f} | {idle_q} | {due_s:.2f} | {due_q} | "
                f"{multi_s:.2f} | {multi_q} | {multi_s / due_s:.2f}x | "
                f"{ref_s:.2f} | {ref_q} |"
            )
    if same is False:
        sys.exit("The deadlines differ from the reference's (see above).")


if __name__ == "__main__":
    main()
