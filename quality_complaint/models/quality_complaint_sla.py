import bisect
import logging
import threading
from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL, create_index, format_datetime, split_every

from ..tools import sql_array
from .quality_defect_type import SEVERITIES
from .quality_sla_policy import MILESTONES

_logger = logging.getLogger(__name__)

SLA_STATES = [
    ("running", "Running"),
    ("met", "Met"),
    ("breached", "Breached"),
    ("cancelled", "Cancelled"),
]
# Priorities of helpdesk_mgmt, lowest first: a breach raises one step.
PRIORITIES = ["0", "1", "2", "3"]


class QualityComplaintSla(models.Model):
    _name = "quality.complaint.sla"
    _inherit = ["quality.number.mixin"]
    _description = "Quality Complaint SLA Milestone"
    _order = "deadline, id"

    # What the milestone times: a complaint, or a batch problem (exactly one).
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Complaint",
        ondelete="cascade",
        index=True,
    )
    batch_issue_id = fields.Many2one(
        comodel_name="quality.batch.issue",
        string="Batch Problem",
        ondelete="cascade",
        index="btree_not_null",
    )
    policy_id = fields.Many2one(
        comodel_name="quality.sla.policy",
        string="Policy",
        required=True,
        ondelete="restrict",
    )
    milestone = fields.Selection(selection=MILESTONES, required=True)
    # Set when planned (not related): creating thousands of milestones stays
    # cheap, and the report groups by the team and severity planned for.
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    team_id = fields.Many2one(comodel_name="helpdesk.ticket.team", string="Team")
    severity = fields.Selection(selection=SEVERITIES)
    start_date = fields.Datetime(
        required=True,
        help="When the clock started: the complaint's creation, or its entry "
        "into the policy's start phase (for a batch problem, its start state).",
    )
    deadline = fields.Datetime(required=True, index=True)
    at_risk_date = fields.Datetime(
        help="When the policy's at-risk share of the allowed working time is over."
    )
    reached_date = fields.Datetime(copy=False)
    state = fields.Selection(
        selection=SLA_STATES, default="running", required=True, index=True
    )
    is_at_risk = fields.Boolean(
        string="At Risk", copy=False, help="The at-risk warning was given."
    )
    met_pct = fields.Float(
        string="Met (%)",
        compute="_compute_met_pct",
        store=True,
        aggregator="avg",
        help="100 for a met milestone, 0 for a breached one: its average over "
        "finished milestones is the share met.",
    )

    _sql_constraints = [
        (
            "deadline_after_start",
            "CHECK(deadline >= start_date)",
            "An SLA deadline cannot be before the start of its clock.",
        ),
        (
            "one_timed_record",
            "CHECK((ticket_id IS NULL) <> (batch_issue_id IS NULL))",
            "An SLA milestone times either a complaint or a batch problem.",
        ),
    ]

    def init(self):
        # The SLA check scans running milestones by due date only.
        create_index(
            self.env.cr,
            "quality_complaint_sla_running_deadline_index",
            self._table,
            ["deadline"],
            where="state = 'running'",
        )
        create_index(
            self.env.cr,
            "quality_complaint_sla_running_at_risk_index",
            self._table,
            ["at_risk_date"],
            where="state = 'running' AND is_at_risk IS NOT TRUE",
        )

    @api.depends("state")
    def _compute_met_pct(self):
        for sla in self:
            sla.met_pct = 100.0 if sla.state == "met" else 0.0

    def _compute_display_name(self):
        labels = dict(self._fields["milestone"]._description_selection(self.env))
        for sla in self:
            reference = sla.ticket_id.number or sla.batch_issue_id.name
            sla.display_name = f"{reference} - {labels.get(sla.milestone)}"

    # ------------------------------------------------------------
    # Business: planning
    # ------------------------------------------------------------

    @api.model
    def _plan_values(self, plans):
        """Deadlines and at-risk dates for milestones to create or re-plan.

        Work intervals are read once per calendar for all of `plans`, so planning
        10,000 complaints costs a few queries per calendar, not per complaint.

        :param plans: [(policy, complaint or batch problem, naive UTC start)]
        :return: [{"deadline": ..., "at_risk_date": ...}] in the same order
        """
        by_calendar = defaultdict(list)
        own_calendars = {}  # the records' calendars, asked once per record
        hours, calendars = {}, {}  # the policies' hours and calendar, read once
        for index, (policy, record, _start) in enumerate(plans):
            if policy not in hours:
                hours[policy] = (policy.hours, policy.hours * policy.at_risk_pct / 100)
                calendars[policy] = policy.calendar_id
            calendar = calendars[policy]
            if not calendar:
                if record not in own_calendars:
                    own_calendars[record] = policy._get_calendar(record)
                calendar = own_calendars[record]
            by_calendar[calendar].append(index)
        values = [None] * len(plans)
        for calendar, indexes in by_calendar.items():
            requests = []
            for index in indexes:
                policy, _record, start = plans[index]
                deadline_hours, at_risk_hours = hours[policy]
                requests += [(start, deadline_hours), (start, at_risk_hours)]
            planned = self._plan_working_hours(calendar, requests)
            for position, index in enumerate(indexes):
                values[index] = {
                    "deadline": planned[2 * position],
                    "at_risk_date": planned[2 * position + 1],
                }
        return values

    @api.model
    def _plan_working_hours(self, calendar, requests):
        """Add working hours of `calendar` to datetimes.

        :param requests: [(naive UTC start, hours)]
        :return: [naive UTC datetime] in the same order
        """
        if not calendar:
            return [start + timedelta(hours=hours) for start, hours in requests]
        first = min(start for start, _hours in requests)
        last = max(start for start, _hours in requests)
        # Two weeks more than needed at 24/7; widened while a deadline is not found.
        horizon = timedelta(hours=max(hours for _start, hours in requests)) + timedelta(
            days=14
        )
        results = [None] * len(requests)
        pending = list(range(len(requests)))
        for _attempt in range(8):
            intervals = [
                (
                    start.astimezone(pytz.utc).replace(tzinfo=None),
                    stop.astimezone(pytz.utc).replace(tzinfo=None),
                )
                for start, stop, _meta in calendar._work_intervals_batch(
                    pytz.utc.localize(first), pytz.utc.localize(last + horizon)
                )[False]
            ]
            ends = [stop for _start, stop in intervals]
            still_pending = []
            for index in pending:
                start, hours = requests[index]
                results[index] = self._walk_intervals(intervals, ends, start, hours)
                if results[index] is None:
                    still_pending.append(index)
            pending = still_pending
            if not pending:
                break
            horizon *= 4
        for index in pending:
            # A calendar without working time: count around the clock.
            start, hours = requests[index]
            results[index] = start + timedelta(hours=hours)
        return results

    @staticmethod
    def _walk_intervals(intervals, ends, start, hours):
        remaining = timedelta(hours=hours)
        position = bisect.bisect_right(ends, start)
        for interval_start, interval_stop in intervals[position:]:
            segment_start = max(interval_start, start)
            available = interval_stop - segment_start
            if remaining <= available:
                return segment_start + remaining
            remaining -= available
        return None

    # Columns the planning gives a new milestone, with their SQL types.
    PLANNED_COLUMNS = {
        "ticket_id": "int4",
        "batch_issue_id": "int4",
        "policy_id": "int4",
        "milestone": "varchar",
        "company_id": "int4",
        "team_id": "int4",
        "severity": "varchar",
        "start_date": "timestamp",
        "deadline": "timestamp",
        "at_risk_date": "timestamp",
        "state": "varchar",
        "is_at_risk": "bool",
        "met_pct": "float8",
    }

    @api.model
    def _create_planned(self, vals_list):
        """Create the milestones the planning made, in one INSERT.

        Planning a whole import, or the complaints a new policy applies to,
        creates tens of thousands of milestones: the ORM's create costs a
        millisecond each, which is most of the planning. The values are the
        planning's own (plain stored columns, `met_pct` given); the SQL
        constraints hold as in a create, and the timed records' SLA status is
        computed as after a create, then stored in one UPDATE.

        :param vals_list: [{column: value}] with the keys of PLANNED_COLUMNS
        :return: the new milestones
        """
        if not vals_list:
            return self.browse()
        # the numbers of the planning are few distinct values: check each once
        numbers = {
            (column, vals.get(column))
            for vals in vals_list
            for column, sql_type in self.PLANNED_COLUMNS.items()
            if sql_type == "float8"
        }
        for column, value in numbers:
            self._check_numbers({column: value})
        now, uid = self.env.cr.now(), self.env.uid
        columns = list(self.PLANNED_COLUMNS)
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO quality_complaint_sla
                       (%(columns)s, create_uid, write_uid, create_date, write_date)
                SELECT *, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(arrays)s)
             RETURNING id
                """,
                columns=SQL(", ").join(SQL.identifier(c) for c in columns),
                uid=uid,
                now=now,
                arrays=SQL(", ").join(
                    sql_array(
                        [self._planned_value(vals, column) for vals in vals_list],
                        self.PLANNED_COLUMNS[column],
                    )
                    for column in columns
                ),
            )
        )
        slas = self.browse(sla_id for (sla_id,) in rows)
        for link in ("ticket_id", "batch_issue_id"):
            model = self.env[self._fields[link].comodel_name]
            records = model.browse({vals[link] for vals in vals_list if vals.get(link)})
            if records:
                records.sudo()._store_sla_figures()
        return slas

    @api.model
    def _planned_value(self, vals, column):
        # the ORM's False is SQL's NULL, but for booleans and numbers
        value = vals.get(column)
        if value is False and self.PLANNED_COLUMNS[column] not in ("bool", "float8"):
            return None
        return value

    def _reach(self, when):
        """Milestones reached at `when`: met if still running, a breached one
        keeps its state and records when it was reached after all."""
        self.filtered(lambda sla: sla.state == "running").write(
            {"state": "met", "reached_date": when}
        )
        self.filtered(lambda sla: sla.state == "breached").write({"reached_date": when})

    def _cancel_running(self):
        self.filtered(lambda sla: sla.state == "running").write({"state": "cancelled"})

    # ------------------------------------------------------------
    # Business: SLA check
    # ------------------------------------------------------------

    @api.model
    def _cron_check_sla(self, batch_size=1000):
        """Mark breached milestones and escalate them, warn about milestones at
        risk. Batched, committed per batch, idempotent: a milestone is escalated
        once (it leaves `running`) and warned once (`is_at_risk`)."""
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        now = fields.Datetime.now()
        breached = self.search(
            [("state", "=", "running"), ("deadline", "<=", now)], order="id"
        )
        at_risk = self.search(
            [
                ("state", "=", "running"),
                ("is_at_risk", "=", False),
                ("at_risk_date", "<=", now),
                ("deadline", ">", now),
            ],
            order="id",
        )
        todo = [("breach", batch) for batch in split_every(batch_size, breached.ids)]
        todo += [("at_risk", batch) for batch in split_every(batch_size, at_risk.ids)]
        done = 0
        remaining = len(breached) + len(at_risk)
        for kind, ids in todo:
            # notes and activities in the language of each complaint's company
            for lang, slas in (
                self.browse(ids)
                .grouped(lambda s: s.ticket_id.company_id._get_quality_note_lang())
                .items()
            ):
                slas.with_context(lang=lang)._process_batch(kind)
            done += len(ids)
            remaining -= len(ids)
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if auto_commit:
                # Keep each finished batch if a later one fails or the worker stops.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _process_batch(self, kind):
        """Process the batch at once; if it fails, record by record so that one
        bad complaint is logged and skipped without losing the others."""
        method = self._escalate_breach if kind == "breach" else self._warn_at_risk
        try:
            with self.env.cr.savepoint():
                method()
        except Exception:
            _logger.warning(
                "SLA check: batch of %s milestones failed, retrying one by one",
                len(self),
                exc_info=True,
            )
            for sla in self:
                try:
                    with self.env.cr.savepoint():
                        getattr(sla, method.__name__)()
                except Exception:
                    _logger.exception(
                        "SLA check: milestone %s of %s skipped",
                        sla.id,
                        sla._get_timed_record(),
                    )

    def _get_timed_record(self):
        """The complaint or batch problem this milestone times."""
        self.ensure_one()
        return self.ticket_id or self.batch_issue_id

    def _escalate_breach(self):
        """Breach, then one activity per escalation user, a note per complaint or
        batch problem and a raised priority per complaint, in a fixed number of
        queries. A missed conclusion of a batch problem asks the quality
        managers to convene the directors' meeting (总监级会议)."""
        self.write({"state": "breached"})
        tickets = self.ticket_id
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        labels = dict(self._fields["milestone"]._description_selection(self.env))
        managers = self._get_issue_managers()
        # one activity per timed record and user, naming all its breached
        # milestones: two activities of one user on one record in one create
        # would subscribe the user twice
        summaries, notes = defaultdict(list), defaultdict(list)
        for sla in self:
            label = labels[sla.milestone]
            deadline = format_datetime(self.env, sla.deadline, tz="UTC")
            record = sla._get_timed_record()
            summary = self.env._("SLA breached: %(milestone)s", milestone=label)
            note = self.env._(
                "SLA milestone %(milestone)s breached: its deadline %(deadline)s "
                "has passed.",
                milestone=label,
                deadline=deadline,
            )
            if sla.ticket_id:
                users = (
                    sla.policy_id.escalation_user_ids or sla.ticket_id.team_id.user_id
                )
                users = users or sla.ticket_id.user_id
            else:
                users = (
                    sla.policy_id.escalation_user_ids
                    or managers[sla.batch_issue_id.company_id]
                )
                if sla.milestone == "conclusion":
                    summary = self.env._(
                        "Conclusion missed: convene the directors' meeting"
                    )
                    note = self.env._(
                        "SLA milestone %(milestone)s breached: its deadline "
                        "%(deadline)s has passed without an effective conclusion. "
                        "Convene the directors' meeting with the departments "
                        "concerned.",
                        milestone=label,
                        deadline=deadline,
                    )
            for user in users:
                summaries[record, user].append(summary)
            notes[record].append(note)
        activities = [
            {
                "res_model_id": self.env["ir.model"]._get_id(record._name),
                "res_id": record.id,
                "activity_type_id": todo_type.id,
                "user_id": user.id,
                "date_deadline": fields.Date.context_today(self),
                "summary": "; ".join(record_summaries),
            }
            for (record, user), record_summaries in summaries.items()
        ]
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            activities
        )
        self._log_notes(notes)
        by_priority = defaultdict(lambda: self.env["helpdesk.ticket"])
        for ticket in tickets:
            position = PRIORITIES.index(ticket.priority or "1")
            by_priority[PRIORITIES[min(position + 1, len(PRIORITIES) - 1)]] |= ticket
        for priority, group in by_priority.items():
            group.filtered(lambda t, p=priority: t.priority != p).write(
                {"priority": priority}
            )

    def _warn_at_risk(self):
        self.write({"is_at_risk": True})
        labels = dict(self._fields["milestone"]._description_selection(self.env))
        notes = defaultdict(list)
        for sla in self:
            notes[sla._get_timed_record()].append(
                self.env._(
                    "SLA milestone %(milestone)s at risk: due %(deadline)s.",
                    milestone=labels[sla.milestone],
                    deadline=format_datetime(self.env, sla.deadline, tz="UTC"),
                )
            )
        self._log_notes(notes)

    def _log_notes(self, notes):
        """One chatter note per complaint or batch problem of these milestones,
        one batch per model.

        :param notes: {complaint or batch problem: [lines]}
        """
        for records in (self.ticket_id, self.batch_issue_id):
            if records:
                records._message_log_batch(
                    bodies={
                        record.id: "<br/>".join(notes[record]) for record in records
                    }
                )

    def _get_issue_managers(self):
        """The quality managers of each company of these milestones' batch
        problems: who is escalated to when the policy names no one.

        :return: {company: users}
        """
        issues = self.batch_issue_id
        if not issues:
            return {}
        managers = (
            self.env.ref("quality_complaint.group_quality_manager")
            .sudo()
            .users.filtered(lambda user: not user.share)
        )
        return {
            company: managers.filtered(lambda user, c=company: c in user.company_ids)
            for company in issues.company_id
        }
