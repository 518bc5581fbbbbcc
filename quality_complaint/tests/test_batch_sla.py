from datetime import date, datetime

import psycopg2

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_batch_review import FRIDAY_3PM, BatchReviewCommon


@tagged("post_install", "-at_install")
class TestBatchSla(BatchReviewCommon):
    """The time limits of batch problems, on a calendar with a weekend and a
    public holiday (Monday 5 January 2026), planned and checked by the
    complaint SLA engine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.resource_calendar_id = cls._create_factory_calendar(
            date(2026, 1, 5)
        )
        cls.Sla = cls.env["quality.complaint.sla"]

    def _sla(self, issue, milestone):
        return issue.sla_ids.filtered(
            lambda sla: sla.milestone == milestone and sla.state != "cancelled"
        )

    def _notes(self, issue):
        return self.env["mail.message"].search(
            [
                ("model", "=", "quality.batch.issue"),
                ("res_id", "=", issue.id),
                ("body", "ilike", "SLA milestone"),
            ]
        )

    def test_each_review_within_4_working_hours_of_the_step_before(self):
        with self._at(FRIDAY_3PM):
            issue = self._report()
        verify = self._sla(issue, "review_verify")
        self.assertEqual(verify.start_date, FRIDAY_3PM)
        # Friday 15-17 (2 h), weekend, holiday Monday, Tuesday 8-10 (2 h)
        self.assertEqual(verify.deadline, datetime(2026, 1, 6, 10, 0))
        self.assertEqual(verify.at_risk_date, datetime(2026, 1, 6, 9, 12))
        self.assertEqual(issue.sla_status, "on_track")
        self.assertEqual(issue.sla_deadline, datetime(2026, 1, 6, 10, 0))
        self.assertTrue(issue.sla_countdown)
        self.assertFalse(self._sla(issue, "review_analyse"))
        issue.verification_note = "Seen on site"
        with self._at(datetime(2026, 1, 6, 9, 0)):
            issue.with_user(self.engineer).action_verify()
        self.assertEqual(verify.state, "met")
        self.assertEqual(verify.reached_date, datetime(2026, 1, 6, 9, 0))
        analyse = self._sla(issue, "review_analyse")
        # Tuesday 9-12 (3 h), 13-14 (1 h)
        self.assertEqual(analyse.deadline, datetime(2026, 1, 6, 14, 0))
        issue.write({"preliminary_analysis": "x", "technical_solution": "y"})
        with self._at(datetime(2026, 1, 6, 13, 30)):
            issue.with_user(self.engineer).action_analyse()
        confirm = self._sla(issue, "review_confirm")
        # Tuesday 13:30-17 (3.5 h), Wednesday 8-8:30
        self.assertEqual(confirm.deadline, datetime(2026, 1, 7, 8, 30))
        with self._at(datetime(2026, 1, 7, 8, 0)):
            issue.with_user(self.manager).action_confirm()
        self.assertEqual(set((verify | analyse | confirm).mapped("state")), {"met"})
        # units not accepted: the technical solution within 2 working days
        solution = self._sla(issue, "solution")
        self.assertEqual(solution.start_date, datetime(2026, 1, 7, 8, 0))
        self.assertEqual(solution.deadline, datetime(2026, 1, 8, 17, 0))
        self.assertFalse(self._sla(issue, "conclusion"))
        with self._at(datetime(2026, 1, 8, 16, 0)):
            issue.with_user(self.engineer).action_solve()
        self.assertEqual(solution.state, "met")
        self.assertEqual(issue.sla_status, "done")

    def test_accepted_units_response_and_conclusion_over_the_weekend(self):
        with self._at(FRIDAY_3PM):
            issue = self._to_analysed(self._report())
        with self._at(datetime(2026, 1, 7, 8, 0)):  # Wednesday
            issue.with_user(self.manager).action_confirm()
        self.assertTrue(self._sla(issue, "solution"))
        # the customer had accepted the units: other time limits, from the
        # confirmation
        with self._at(datetime(2026, 1, 7, 10, 0)):
            issue.with_user(self.engineer).customer_accepted = True
        self.assertFalse(self._sla(issue, "solution"))
        response = self._sla(issue, "issue_response")
        conclusion = self._sla(issue, "conclusion")
        self.assertEqual(response.start_date, datetime(2026, 1, 7, 8, 0))
        # 1 working day: Wednesday 8-17
        self.assertEqual(response.deadline, datetime(2026, 1, 7, 17, 0))
        # 4 working days: Wednesday, Thursday, Friday, weekend, Monday
        self.assertEqual(conclusion.deadline, datetime(2026, 1, 12, 17, 0))
        with self._at(datetime(2026, 1, 7, 16, 0)):
            issue.with_user(self.engineer).action_contain()
        self.assertEqual(response.state, "met")
        self.assertEqual(conclusion.state, "running")

    def test_missed_conclusion_asks_managers_for_the_directors_meeting(self):
        with self._at(FRIDAY_3PM):
            issue = self._to_analysed(self._report(customer_accepted=True))
        with self._at(datetime(2026, 1, 7, 8, 0)):
            issue.with_user(self.manager).action_confirm()
            issue.with_user(self.engineer).action_contain()
        conclusion = self._sla(issue, "conclusion")
        # at risk once (80 % of 32 h: Monday 10:36), twice checked
        with self._at(datetime(2026, 1, 12, 11, 0)):
            self.Sla._cron_check_sla()
            self.Sla._cron_check_sla()
        self.assertTrue(conclusion.is_at_risk)
        self.assertEqual(conclusion.state, "running")
        self.assertEqual(issue.sla_status, "at_risk")
        self.assertEqual(len(self._notes(issue)), 1)
        self.assertFalse(issue.activity_ids)
        # missed: escalated once, to the quality managers
        with self._at(datetime(2026, 1, 12, 17, 5)):
            self.Sla._cron_check_sla()
            self.Sla._cron_check_sla()
        self.assertEqual(conclusion.state, "breached")
        self.assertEqual(issue.sla_status, "breached")
        self.assertEqual(len(self._notes(issue)), 2)
        self.assertIn("directors' meeting", self._notes(issue)[0].body)
        managers = self.env.ref("quality_complaint.group_quality_manager").users
        self.assertIn(self.manager, issue.activity_ids.user_id)
        self.assertEqual(
            issue.activity_ids.user_id,
            managers.filtered(lambda u: not u.share and self.company in u.company_ids),
        )
        self.assertEqual(len(issue.activity_ids), len(issue.activity_ids.user_id))
        self.assertEqual(
            set(issue.activity_ids.mapped("summary")),
            {"Conclusion missed: convene the directors' meeting"},
        )
        self.assertNotIn(self.engineer, issue.activity_ids.user_id)

    def test_policy_escalation_users_win_and_review_breach_is_escalated(self):
        policy = self.env.ref(
            "quality_complaint.quality_sla_policy_issue_review_verify"
        )
        policy.escalation_user_ids = self.engineer
        with self._at(FRIDAY_3PM):
            issue = self._report()
        with self._at(datetime(2026, 1, 6, 10, 5)):
            self.Sla._cron_check_sla()
        self.assertEqual(self._sla(issue, "review_verify").state, "breached")
        self.assertEqual(issue.activity_ids.user_id, self.engineer)
        self.assertEqual(
            issue.activity_ids.summary, "SLA breached: Review: Verification"
        )

    def test_rejection_cancels_and_complaint_milestones_are_unchanged(self):
        with self._at(FRIDAY_3PM):
            issue = self._report()
            complaint = self._create_complaint(
                lines=[(self.lot_a, 1)], defect_type_id=self.defect_leak.id
            )
        issue.rejection_reason = "Not the product"
        issue.with_user(self.engineer).action_reject()
        self.assertEqual(set(issue.sla_ids.mapped("state")), {"cancelled"})
        self.assertFalse(issue.sla_status == "on_track")
        # a complaint is timed by complaint policies only
        self.assertTrue(complaint.sla_ids)
        self.assertEqual(
            set(complaint.sla_ids.policy_id.mapped("applies_to")), {"complaint"}
        )
        self.assertFalse(complaint.sla_ids.batch_issue_id)

    def test_milestone_times_one_record(self):
        with self._at(FRIDAY_3PM):
            issue = self._report()
            complaint = self._create_complaint(lines=[(self.lot_a, 1)])
        sla = self._sla(issue, "review_verify").sudo()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.CheckViolation),
            self.env.cr.savepoint(),
        ):
            sla.ticket_id = complaint
            sla.flush_recordset()
        sla.invalidate_recordset()
        self.assertFalse(sla.ticket_id)

    def test_issue_policies_need_states_in_order(self):
        Policy = self.env["quality.sla.policy"]
        base = {
            "name": "Bad batch policy",
            "applies_to": "batch_issue",
            "milestone": "solution",
            "hours": 4,
        }
        for vals, message in (
            ({"start_issue_state": "confirmed"}, "give the state that starts"),
            (
                {"start_issue_state": "solved", "target_issue_state": "contained"},
                "the target state must come after the start state",
            ),
            (
                {"start_issue_state": "detected", "target_issue_state": "verified"},
                "the target state must come after the start state",
            ),
            (
                {
                    "milestone": "response",
                    "start_issue_state": "confirmed",
                    "target_issue_state": "solved",
                },
                "this milestone is not one of Batch Problems",
            ),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesMessage(ValidationError, message),
            ):
                Policy.create(dict(base, **vals))
        with self.assertRaisesMessage(
            ValidationError, "this milestone is not one of Complaints"
        ):
            Policy.create(
                {
                    "name": "Bad batch policy",
                    "milestone": "conclusion",
                    "hours": 4,
                    "target_phase": "triage",
                }
            )
        self.assertFalse(Policy.search([("name", "=", "Bad batch policy")]))
