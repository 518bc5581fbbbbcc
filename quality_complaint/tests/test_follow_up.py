from datetime import date, datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import QualityComplaintCommon

THURSDAY_10AM = datetime(2026, 1, 8, 10, 0)


@tagged("post_install", "-at_install")
class TestFollowUp(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._create_factory_calendar(date(2026, 1, 12))
        cls.team.resource_calendar_id = cls.calendar
        cls.activity_type = cls.env.ref(
            "quality_complaint.mail_activity_type_follow_up"
        )

    def _to_execution(self, ticket):
        self._ready_for(ticket, "execution")
        for phase in ("triage", "investigation", "solution", "execution"):
            ticket.stage_id = self.stages[phase]
        return ticket

    def _follow_ups(self, ticket):
        return ticket.activity_ids.filtered(
            lambda a: a.activity_type_id == self.activity_type
        )

    def test_follow_up_call_planned_on_working_days(self):
        ticket = self._create_complaint(user_id=self.engineer.id)
        with self._at(THURSDAY_10AM):
            self._to_execution(ticket)
        call = self._follow_ups(ticket)
        self.assertEqual(len(call), 1)
        self.assertEqual(call.user_id, self.engineer)
        # 2 working days after Thursday: Friday, then Tuesday (weekend and the
        # Monday holiday skipped)
        self.assertEqual(call.date_deadline, date(2026, 1, 13))

    def test_follow_up_delay_is_configurable(self):
        self.team.follow_up_delay_days = 1
        ticket = self._create_complaint()
        with self._at(THURSDAY_10AM):
            self._to_execution(ticket)
        self.assertEqual(self._follow_ups(ticket).date_deadline, date(2026, 1, 9))
        for days in (0, 31):
            with self.assertRaisesMessage(
                ValidationError, "at least one and at most 30 working days"
            ):
                self.team.follow_up_delay_days = days
        self.assertEqual(self.team.follow_up_delay_days, 1)

    def test_done_gate_needs_feedback(self):
        ticket = self._to_execution(self._create_complaint())
        ticket.stage_id = self.stages["follow_up"]
        with self.assertRaisesMessage(UserError, "satisfaction and comment"):
            ticket.stage_id = self.stages["done"]
        ticket.satisfaction = "2"
        with self.assertRaisesMessage(UserError, "satisfaction and comment"):
            ticket.stage_id = self.stages["done"]
        ticket.follow_up_feedback = "Slow service, but it works."
        ticket.stage_id = self.stages["done"]
        self.assertEqual(ticket.quality_phase, "done")
        self.assertFalse(self._follow_ups(ticket), "the call is closed with it")

    def test_three_unanswered_calls_allow_closing(self):
        ticket = self._to_execution(self._create_complaint())
        ticket.stage_id = self.stages["follow_up"]
        with self._at(THURSDAY_10AM):
            ticket.action_log_follow_up_attempt()
            # called again the next working day
            self.assertEqual(self._follow_ups(ticket).date_deadline, date(2026, 1, 9))
            ticket.action_log_follow_up_attempt()
        with self.assertRaisesMessage(UserError, "three unanswered follow-up calls"):
            ticket.stage_id = self.stages["done"]
        ticket.action_log_follow_up_attempt()
        self.assertEqual(ticket.follow_up_attempt_count, 3)
        self.assertFalse(self._follow_ups(ticket))
        notes = ticket.message_ids.filtered(
            lambda m: "did not answer" in (m.body or "")
        )
        self.assertEqual(len(notes), 3)
        ticket.stage_id = self.stages["done"]
        self.assertEqual(ticket.quality_phase, "done")

    def test_customer_rating_is_the_follow_up_result(self):
        ticket = self._to_execution(self._create_complaint())
        ticket.stage_id = self.stages["follow_up"]
        # entering follow-up sends the rating request (helpdesk_mgmt_rating)
        self.assertTrue(ticket.rating_ids)
        token = ticket.rating_ids[0].access_token
        ticket.rating_apply(5, token=token, feedback="Fast replacement, thanks")
        self.assertEqual(ticket.satisfaction, "5")
        self.assertEqual(ticket.follow_up_feedback, "Fast replacement, thanks")
        ticket.stage_id = self.stages["done"]
        self.assertEqual(ticket.quality_phase, "done")
