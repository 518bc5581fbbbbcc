from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestQualityAction(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_engineer = new_test_user(
            cls.env,
            login="qc_engineer_2",
            groups="quality_complaint.group_quality_engineer",
        )
        cls.production_user = new_test_user(
            cls.env, login="qc_production", groups="base.group_user"
        )
        cls.ticket = cls._create_complaint(lines=[(cls.lot_a, 2)])
        cls.Action = cls.env["quality.action"]

    def _create_action(self, **vals):
        values = {
            "name": "Sort the stock of LOT-A",
            "action_type": "containment",
            "user_id": self.engineer.id,
            "date_deadline": self._today(self.Action) + timedelta(days=3),
            "ticket_id": self.ticket.id,
            "quantity": 10,
            "lot_ids": [self.lot_a.id],
        }
        values.update(vals)
        return self.Action.create(values)

    def test_owner_and_deadline_are_required(self):
        count = self.Action.search_count([])
        for missing in ("user_id", "date_deadline"):
            with self.subTest(missing=missing):
                with self.assertRaises(Exception) as context, self.env.cr.savepoint():
                    self._create_action(**{missing: False})
                self.assertIn(missing, str(context.exception))
        self.assertEqual(self.Action.search_count([]), count)

    def test_deadline_in_the_past_is_refused_on_creation(self):
        count = self.Action.search_count([])
        with self.assertRaisesMessage(ValidationError, "is in the past"):
            self._create_action(
                date_deadline=self._today(self.Action) - timedelta(days=1)
            )
        self.assertEqual(self.Action.search_count([]), count)
        # today is fine
        self.assertTrue(self._create_action(date_deadline=self._today(self.Action)))

    def test_negative_quantity_is_refused(self):
        action = self._create_action()
        with self.assertRaisesMessage(ValidationError, "cannot be negative"):
            action.quantity = -1
        self.assertEqual(action.quantity, 10)

    def test_owner_gets_an_activity_and_a_new_one_when_reassigned(self):
        action = self._create_action()
        self.assertEqual(action.activity_ids.user_id, self.engineer)
        self.assertEqual(action.activity_ids.date_deadline, action.date_deadline)
        action.user_id = self.other_engineer
        self.assertEqual(len(action.activity_ids), 1)
        self.assertEqual(action.activity_ids.user_id, self.other_engineer)
        action.with_user(self.other_engineer).action_done()
        self.assertFalse(action.activity_ids)
        self.assertEqual(action.state, "done")
        self.assertEqual(
            action.done_date, self._today(action.with_user(self.other_engineer))
        )

    def test_verified_by_an_engineer_other_than_the_owner(self):
        action = self._create_action()
        with self.assertRaisesMessage(UserError, "not done yet"):
            action.with_user(self.other_engineer).action_verify()
        action.with_user(self.engineer).action_done()
        with self.assertRaisesMessage(UserError, "another engineer verifies it"):
            action.with_user(self.engineer).action_verify()
        with self.assertRaisesMessage(UserError, "Only quality engineers"):
            action.with_user(self.cs_user).action_verify()
        self.assertEqual(action.state, "done")
        action.with_user(self.other_engineer).action_verify()
        self.assertEqual(action.state, "verified")
        self.assertEqual(action.verified_by_id, self.other_engineer)

    def test_overdue_actions(self):
        with self._at(date(2026, 3, 1)):
            action = self._create_action(date_deadline=date(2026, 3, 2))
            self.assertFalse(action.is_overdue)
        late = date(2026, 3, 5)
        with self._at(late):
            action.invalidate_recordset(["is_overdue"])
            self.assertTrue(action.is_overdue)
            self.assertIn(action, self.Action.search([("is_overdue", "=", True)]))
            self.assertNotIn(action, self.Action.search([("is_overdue", "=", False)]))
            action.action_done()
            action.invalidate_recordset(["is_overdue"])
            self.assertFalse(action.is_overdue)
            self.assertNotIn(action, self.Action.search([("is_overdue", "=", True)]))

    def test_actions_on_complaint_and_batch_problem(self):
        action = self._create_action()
        self.assertEqual(self.ticket.action_ids, action)
        self.assertEqual(self.ticket.open_action_count, 1)
        with self.assertRaisesMessage(ValidationError, "or supplier claim only"):
            action.batch_issue_id = self.env["quality.batch.issue"].create(
                {
                    "rule_id": self.env.ref(
                        "quality_complaint.quality_batch_rule_lot"
                    ).id,
                    "company_id": self.company.id,
                    "lot_id": self.lot_a.id,
                }
            )

    def test_done_gate_waits_for_open_actions(self):
        ticket = self._ready_for(self._create_complaint(), "done")
        for phase in ("triage", "investigation", "solution", "execution", "follow_up"):
            ticket.stage_id = self.stages[phase]
        action = self._create_action(ticket_id=ticket.id, name="Retrain installer")
        with self.assertRaisesMessage(UserError, "Retrain installer"):
            ticket.stage_id = self.stages["done"]
        action.action_cancel()
        ticket.stage_id = self.stages["done"]
        self.assertEqual(ticket.quality_phase, "done")

    def test_access_per_group(self):
        action = self._create_action(user_id=self.production_user.id)
        other = self._create_action(name="Not yours")
        # Any internal owner reports their own action done...
        action.with_user(self.production_user).action_done()
        self.assertEqual(action.state, "done")
        # ... but changes nobody else's, and creates none.
        with self.assertRaises(AccessError):
            other.with_user(self.production_user).write({"name": "Mine now"})
        with self.assertRaises(AccessError):
            self.Action.with_user(self.production_user).create(
                {
                    "name": "x",
                    "user_id": self.production_user.id,
                    "date_deadline": self._today(self.Action),
                }
            )
        # Customer service creates and changes actions, does not delete them.
        created = self.Action.with_user(self.cs_user).create(
            {
                "name": "Call the installer",
                "user_id": self.cs_user.id,
                "date_deadline": self._today(self.Action.with_user(self.cs_user)),
                "ticket_id": self.ticket.id,
            }
        )
        other.with_user(self.cs_user).write({"quantity": 4})
        with self.assertRaises(AccessError):
            created.with_user(self.cs_user).unlink()
        created.with_user(self.manager).unlink()
        portal = new_test_user(
            self.env, login="qc_portal_action", groups="base.group_portal"
        )
        with self.assertRaises(AccessError):
            other.with_user(portal).read(["name"])
