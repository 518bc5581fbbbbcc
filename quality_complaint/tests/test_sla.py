import logging
from datetime import date, datetime
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.mail.models.mail_thread import MailThread

from .common import QualityComplaintCommon

# Friday 2 January 2026, 15:00 UTC; Monday 5 January is a public holiday.
FRIDAY_3PM = datetime(2026, 1, 2, 15, 0)


@tagged("post_install", "-at_install")
class TestSla(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._create_factory_calendar(date(2026, 1, 5))
        cls.team.resource_calendar_id = cls.calendar
        cls.team.user_id = cls.manager
        cls.policies = {
            (p.severity, p.milestone): p
            for p in cls.env["quality.sla.policy"].search([])
        }

    def _complaint(self, when=FRIDAY_3PM, **vals):
        with self._at(when):
            return self._create_complaint(
                lines=[(self.lot_a, 1)], defect_type_id=self.defect_leak.id, **vals
            )

    def _sla(self, ticket, milestone):
        return ticket.sla_ids.filtered(
            lambda sla: sla.milestone == milestone and sla.state != "cancelled"
        )

    def test_deadlines_skip_weekend_and_public_holiday(self):
        ticket = self._complaint()
        self.assertEqual(ticket.severity, "major")
        response = self._sla(ticket, "response")
        self.assertEqual(response.start_date, FRIDAY_3PM)
        # Friday 15-17 (2 h), weekend, holiday Monday, Tuesday 8-10 (2 h)
        self.assertEqual(response.deadline, datetime(2026, 1, 6, 10, 0))
        # 80 % of 4 h = 3.2 h: Friday 2 h + Tuesday 1.2 h
        self.assertEqual(response.at_risk_date, datetime(2026, 1, 6, 9, 12))
        self.assertEqual(
            self._sla(ticket, "interim").deadline, datetime(2026, 1, 6, 15, 0)
        )
        self.assertEqual(
            self._sla(ticket, "final").deadline, datetime(2026, 1, 13, 15, 0)
        )
        self.assertFalse(self._sla(ticket, "follow_up"))
        self.assertEqual(ticket.sla_status, "on_track")
        self.assertEqual(ticket.sla_deadline, datetime(2026, 1, 6, 10, 0))

    def test_unclassified_complaint_is_timed_as_major(self):
        with self._at(FRIDAY_3PM):
            ticket = self._create_complaint(severity=False)
        self.assertFalse(ticket.severity)
        response = self._sla(ticket, "response")
        self.assertEqual(response.policy_id, self.policies["major", "response"])
        self.assertEqual(response.deadline, datetime(2026, 1, 6, 10, 0))
        ticket.severity = "critical"
        self.assertEqual(
            self._sla(ticket, "response").policy_id,
            self.policies["critical", "response"],
        )

    def test_calendar_fallback(self):
        # no team calendar: the company's (40 h week from 8:00 in its tz)
        self.team.resource_calendar_id = False
        company_calendar = self.company.resource_calendar_id
        ticket = self._complaint()
        expected = self.env["quality.complaint.sla"]._plan_working_hours(
            company_calendar, [(FRIDAY_3PM, 4)]
        )[0]
        self.assertEqual(self._sla(ticket, "response").deadline, expected)
        # no calendar at all: around the clock
        self.company.resource_calendar_id = False
        ticket = self._complaint()
        self.assertEqual(
            self._sla(ticket, "response").deadline, datetime(2026, 1, 2, 19, 0)
        )
        # the policy's own calendar wins over everything
        self.policies["major", "response"].calendar_id = self.calendar
        ticket = self._complaint()
        self.assertEqual(
            self._sla(ticket, "response").deadline, datetime(2026, 1, 6, 10, 0)
        )

    def test_replan_on_severity_change_keeps_met_milestones(self):
        ticket = self._complaint()
        with self._at(datetime(2026, 1, 2, 16, 0)):
            ticket.stage_id = self.stages["triage"]
        response = self._sla(ticket, "response")
        self.assertEqual(response.state, "met")
        self.assertEqual(response.reached_date, datetime(2026, 1, 2, 16, 0))
        with self._at(datetime(2026, 1, 2, 16, 30)):
            ticket.safety_risk = True
        self.assertEqual(ticket.severity, "critical")
        # met milestone untouched, the others re-planned on the critical policy
        self.assertEqual(self._sla(ticket, "response"), response)
        self.assertEqual(response.policy_id, self.policies["major", "response"])
        interim = self._sla(ticket, "interim")
        self.assertEqual(interim.policy_id, self.policies["critical", "interim"])
        # 4 h from Friday 15:00: Friday 2 h + Tuesday 2 h
        self.assertEqual(interim.deadline, datetime(2026, 1, 6, 10, 0))
        # 24 h: Friday 2 h, Tuesday 8 h, Wednesday 8 h, Thursday 8-12 and 13-15
        self.assertEqual(
            self._sla(ticket, "final").deadline, datetime(2026, 1, 8, 15, 0)
        )

    def test_met_by_phase_including_skipped_ones(self):
        ticket = self._complaint()
        self._ready_for(ticket, "solution")
        ticket.stage_id = self.stages["solution"]
        for milestone in ("response", "interim", "final"):
            self.assertEqual(self._sla(ticket, milestone).state, "met", milestone)
        self.assertEqual(ticket.sla_status, "done")
        self.assertFalse(ticket.sla_deadline)

    def test_response_met_by_first_public_reply(self):
        ticket = self._complaint()
        response = self._sla(ticket, "response")
        ticket.message_post(body="Internal remark", message_type="comment")
        self.assertEqual(response.state, "running")  # a note is not a reply
        ticket.message_post(
            body="Customer writes again",
            message_type="email",
            author_id=self.distributor.id,
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(response.state, "running")
        ticket.with_user(self.cs_user).message_post(
            body="We are on it", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(response.state, "met")
        self.assertEqual(self._sla(ticket, "interim").state, "running")

    def test_follow_up_starts_when_entering_execution(self):
        ticket = self._complaint()
        self._ready_for(ticket, "execution")
        when = datetime(2026, 1, 7, 9, 0)  # Wednesday
        with self._at(when):
            ticket.stage_id = self.stages["execution"]
        follow_up = self._sla(ticket, "follow_up")
        self.assertEqual(follow_up.start_date, when)
        # 24 working hours: Wed 9-17 (7 h), Thu (8), Fri (8), Mon 8-9 (1)
        self.assertEqual(follow_up.deadline, datetime(2026, 1, 12, 9, 0))
        ticket.stage_id = self.stages["follow_up"]
        self.assertEqual(follow_up.state, "running")
        ticket.write(
            {
                "satisfaction": "5",
                "follow_up_feedback": "Solved.",
                "stage_id": self.stages["done"].id,
            }
        )
        self.assertEqual(follow_up.state, "met")

    def test_at_risk_then_breach_escalates_once(self):
        escalation_user = self.engineer
        self.policies["major", "response"].escalation_user_ids = escalation_user
        ticket = self._complaint(priority="1")
        response = self._sla(ticket, "response")
        Sla = self.env["quality.complaint.sla"]
        notes = self.env["mail.message"].search_count(
            [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )

        def count_notes():
            return (
                self.env["mail.message"].search_count(
                    [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
                )
                - notes
            )

        with self._at(datetime(2026, 1, 6, 9, 30)):  # past 80 % of the 4 h
            Sla._cron_check_sla()
            Sla._cron_check_sla()
        self.assertTrue(response.is_at_risk)
        self.assertEqual(response.state, "running")
        self.assertEqual(ticket.sla_status, "at_risk")
        self.assertEqual(count_notes(), 1)
        self.assertFalse(ticket.activity_ids)
        with self._at(datetime(2026, 1, 6, 10, 5)):  # past the deadline
            Sla._cron_check_sla()
            Sla._cron_check_sla()
        self.assertEqual(response.state, "breached")
        self.assertEqual(ticket.sla_status, "breached")
        self.assertEqual(count_notes(), 2)
        self.assertIn("breached", ticket.message_ids[0].body)
        self.assertEqual(ticket.activity_ids.user_id, escalation_user)
        self.assertEqual(len(ticket.activity_ids), 1)
        self.assertEqual(ticket.priority, "2")
        # reaching it later records when, but it stays breached
        ticket.stage_id = self.stages["triage"]
        self.assertEqual(response.state, "breached")
        self.assertTrue(response.reached_date)

    def test_several_milestones_of_one_complaint_breach_in_one_batch(self):
        """Two milestones of a complaint due in the same run: escalated in the
        batch (one activity per user naming both), not one by one."""
        for milestone in ("response", "interim"):
            self.policies["major", milestone].escalation_user_ids = self.engineer
        ticket = self._complaint(priority="1")
        with (
            self._at(datetime(2026, 1, 7, 10, 0)),
            self.assertNoLogs(
                "odoo.addons.quality_complaint.models.quality_complaint_sla",
                level=logging.WARNING,
            ),
        ):
            processed = self.env["quality.complaint.sla"]._cron_check_sla()
        self.assertEqual(processed, 2)
        for milestone in ("response", "interim"):
            self.assertEqual(self._sla(ticket, milestone).state, "breached")
        self.assertEqual(self._sla(ticket, "final").state, "running")
        activity = ticket.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.engineer)
        self.assertIn("First Response", activity.summary)
        self.assertIn("Interim Report", activity.summary)
        self.assertEqual(ticket.priority, "2", "raised one step per run")

    def test_breach_without_escalation_users_goes_to_team_leader(self):
        ticket = self._complaint(priority="3")
        with self._at(datetime(2026, 1, 6, 10, 5)):
            self.env["quality.complaint.sla"]._cron_check_sla()
        self.assertEqual(ticket.activity_ids.user_id, self.manager)
        self.assertEqual(ticket.priority, "3")  # already the highest

    def test_archived_or_rejected_complaint_cancels_milestones(self):
        archived = self._complaint()
        archived.active = False
        self.assertEqual(set(archived.sla_ids.mapped("state")), {"cancelled"})
        rejected = self._complaint(rejection_reason="Misuse")
        rejected.stage_id = self.stages["rejected"]
        self.assertEqual(set(rejected.sla_ids.mapped("state")), {"cancelled"})
        with self._at(datetime(2026, 2, 1)):
            self.env["quality.complaint.sla"]._cron_check_sla()
        self.assertFalse(archived.activity_ids | rejected.activity_ids)

    def test_cron_query_count_independent_of_due_milestones(self):
        Sla = self.env["quality.complaint.sla"]
        counts = []
        for size in (2, 5, 50):  # the first run only warms the caches
            tickets = self._complaint() | self.env["helpdesk.ticket"]
            for _index in range(size - 1):
                tickets |= self._complaint()
            with self._at(datetime(2026, 1, 6, 10, 5)):
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                if size == 50:
                    # no more queries for 50 due milestones than for 5
                    with self.assertQueryCount(counts[1]):
                        processed = Sla._cron_check_sla()
                else:
                    processed = Sla._cron_check_sla()
                self.env.flush_all()
                counts.append(self.env.cr.sql_log_count - before)
            # the response milestone of each complaint is due
            self.assertEqual(processed, size)
            self.assertEqual(set(tickets.mapped("sla_status")), {"breached"})
            Sla.search([("state", "=", "running")]).write({"state": "cancelled"})
        self.assertEqual(counts[1], counts[2], counts)

    def test_planning_query_count_independent_of_complaints(self):
        """Planning the milestones of many complaints at once (an import) costs
        the queries of planning a few: one INSERT, one status recompute."""
        Ticket = self.env["helpdesk.ticket"]
        counts = []
        for size in (2, 5, 40):  # the first run only warms the caches
            with self._at(FRIDAY_3PM):
                tickets = Ticket.create(
                    [
                        {
                            "name": f"Imported {index}",
                            "description": "x",
                            "team_id": self.team.id,
                            "partner_id": self.distributor.id,
                            "defect_type_id": self.defect_leak.id,
                        }
                        for index in range(size)
                    ]
                )
                self.env.cr.execute(
                    "DELETE FROM quality_complaint_sla WHERE ticket_id = ANY(%s)",
                    [tickets.ids],
                )
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                tickets._sla_sync()
                self.env.flush_all()
                counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(
                len(tickets.sla_ids.filtered(lambda sla: sla.state == "running")),
                3 * size,
            )
            self.assertEqual(set(tickets.mapped("sla_status")), {"on_track"})
            first = tickets[:1]
            self.assertEqual(first.sla_deadline, min(first.sla_ids.mapped("deadline")))
        self.assertEqual(counts[1], counts[2], counts)

    def test_one_failing_complaint_is_skipped(self):
        good = self._complaint()
        bad = self._complaint()
        original = MailThread._message_log_batch

        def log_batch(records, bodies, **kwargs):
            if bad.id in bodies:
                raise ValueError("cannot log on this complaint")
            return original(records, bodies, **kwargs)

        with (
            self._at(datetime(2026, 1, 6, 10, 5)),
            patch.object(MailThread, "_message_log_batch", log_batch),
        ):
            self.env["quality.complaint.sla"]._cron_check_sla()
        self.assertEqual(self._sla(good, "response").state, "breached")
        self.assertEqual(self._sla(bad, "response").state, "running")
        self.assertTrue(good.activity_ids)
        self.assertFalse(bad.activity_ids)

    def test_compliance_report_share_met(self):
        met = self._complaint()
        met.stage_id = self.stages["triage"]
        breached = self._complaint()
        with self._at(datetime(2026, 1, 6, 10, 5)):
            self.env["quality.complaint.sla"]._cron_check_sla()
        groups = self.env["quality.complaint.sla"]._read_group(
            [
                ("ticket_id", "in", (met | breached).ids),
                ("state", "in", ("met", "breached")),
                ("milestone", "=", "response"),
            ],
            ["team_id"],
            ["met_pct:avg", "__count"],
        )
        self.assertEqual(groups, [(self.team, 50.0, 2)])

    def test_access(self):
        ticket = self._complaint()
        sla = self._sla(ticket, "response")
        self.assertEqual(
            ticket.with_user(self.cs_user)
            .sla_ids.mapped("milestone")
            .count("response"),
            1,
        )
        self.assertEqual(ticket.with_user(self.cs_user).sla_status, "on_track")
        with self.assertRaises(AccessError):
            sla.with_user(self.cs_user).deadline = datetime(2030, 1, 1)
        policy = self.policies["major", "response"]
        for user in (self.cs_user, self.engineer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                policy.with_user(user).hours = 1
        policy.with_user(self.manager).hours = 6
        self.assertEqual(policy.hours, 6)

    def test_bad_policy_input_refused(self):
        Policy = self.env["quality.sla.policy"]
        base = {"name": "Bad", "milestone": "response", "target_phase": "triage"}
        for vals, message in (
            ({"hours": 0}, "greater than zero"),
            ({"hours": -2}, "greater than zero"),
            ({"hours": 4, "at_risk_pct": 0}, "between 1 and 99 %"),
            ({"hours": 4, "at_risk_pct": 100}, "between 1 and 99 %"),
            (
                {"hours": 4, "start_phase": "solution", "target_phase": "triage"},
                "after the start phase",
            ),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesMessage(ValidationError, message),
            ):
                Policy.create(dict(base, **vals))
        self.assertFalse(Policy.search([("name", "=", "Bad")]))
