from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestRemedy(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier = cls.env.ref("quality_complaint.tier_definition_remedy_above_5000")

    def _in_solution(self, remedy_type="replace", amount=0.0, lines=None):
        ticket = self._create_complaint(lines=lines or [(self.lot_a, 2)])
        self._ready_for(ticket, "solution")
        for phase in ("triage", "investigation", "solution"):
            ticket.stage_id = self.stages[phase]
        ticket.write({"remedy_type": remedy_type, "remedy_amount": amount})
        return ticket

    def _in_execution(self, remedy_type="replace", amount=0.0, lines=None):
        ticket = self._in_solution(remedy_type, amount, lines)
        ticket.stage_id = self.stages["execution"]
        return ticket

    # Approvals

    def test_remedy_above_threshold_blocks_execution_until_approved(self):
        ticket = self._in_solution(amount=6000)
        self.assertTrue(ticket.need_validation)
        with self.assertRaisesMessage(UserError, "approval of the remedy (request it)"):
            ticket.stage_id = self.stages["execution"]
        ticket.with_user(self.engineer).action_request_remedy_approval()
        self.assertEqual(ticket.remedy_state, "to_approve")
        self.assertEqual(ticket.review_ids.definition_id, self.tier)
        self.assertIn(self.manager, ticket.review_ids.reviewer_ids)
        self.assertNotIn(self.engineer, ticket.review_ids.reviewer_ids)
        with self.assertRaisesMessage(UserError, "a review is pending"):
            ticket.stage_id = self.stages["execution"]
        # the reviewer finds it in base_tier_validation's own search
        self.assertIn(
            ticket,
            self.env["helpdesk.ticket"]
            .with_user(self.manager)
            .search([("can_review", "=", True)]),
        )
        ticket.with_user(self.manager).validate_tier()
        self.assertEqual(ticket.validation_status, "validated")
        self.assertEqual(ticket.remedy_state, "approved")
        ticket.stage_id = self.stages["execution"]
        self.assertEqual(ticket.quality_phase, "execution")

    def test_only_the_reviewers_approve(self):
        ticket = self._in_solution(amount=6000)
        ticket.with_user(self.engineer).action_request_remedy_approval()
        for user in (self.engineer, self.cs_user):
            ticket.with_user(user).validate_tier()
            self.assertEqual(ticket.remedy_state, "to_approve")
        with self.assertRaisesMessage(UserError, "changes only through its buttons"):
            ticket.with_user(self.engineer).write({"remedy_state": "approved"})
        self.assertEqual(ticket.remedy_state, "to_approve")

    def test_rejected_remedy_stays_blocked(self):
        ticket = self._in_solution(amount=8000)
        ticket.action_request_remedy_approval()
        ticket.with_user(self.manager).reject_tier()
        self.assertEqual(ticket.remedy_state, "rejected")
        self.assertTrue(ticket.review_ids, "a refusal keeps its review")
        with self.assertRaisesMessage(UserError, "the remedy was refused"):
            ticket.stage_id = self.stages["execution"]
        # a new proposal starts a new approval
        ticket.remedy_amount = 7000
        self.assertEqual(ticket.remedy_state, "draft")
        self.assertFalse(ticket.review_ids)
        with self.assertRaisesMessage(UserError, "request it"):
            ticket.stage_id = self.stages["execution"]

    def test_remedy_below_threshold_passes(self):
        ticket = self._in_solution(amount=1000)
        self.assertFalse(ticket.need_validation)
        ticket.stage_id = self.stages["execution"]
        self.assertEqual(ticket.remedy_state, "approved")
        self.assertFalse(ticket.review_ids)
        # asking for approval below the threshold approves at once
        other = self._in_solution(amount=4999)
        other.action_request_remedy_approval()
        self.assertEqual(other.remedy_state, "approved")

    def test_remedy_under_review_cannot_change_but_the_complaint_can(self):
        ticket = self._in_solution(amount=6000)
        ticket.action_request_remedy_approval()
        with self.assertRaisesMessage(ValidationError, "under validation"):
            ticket.remedy_amount = 9000
        self.assertEqual(ticket.remedy_amount, 6000)
        ticket.write({"priority": "3", "customer_expectation": "A new unit"})
        self.assertEqual(ticket.priority, "3")

    def test_changing_an_approved_remedy_asks_again(self):
        ticket = self._in_solution(amount=6000)
        ticket.action_request_remedy_approval()
        ticket.with_user(self.manager).validate_tier()
        ticket.remedy_type = "refund"
        self.assertEqual(ticket.remedy_state, "draft")
        self.assertFalse(ticket.review_ids)

    def test_negative_remedy_amount_is_refused(self):
        ticket = self._in_solution(amount=100)
        with self.assertRaisesMessage(ValidationError, "cannot be negative"):
            ticket.remedy_amount = -5
        self.assertEqual(ticket.remedy_amount, 100)

    def test_threshold_is_editable(self):
        self.tier.definition_domain = (
            "[('is_quality_complaint', '=', True), ('remedy_amount', '>', 500)]"
        )
        ticket = self._in_solution(amount=600)
        with self.assertRaisesMessage(UserError, "request it"):
            ticket.stage_id = self.stages["execution"]

    # Execution documents (RMAs: test_remedy_rma.py)

    def test_credit_note_for_a_compensation(self):
        ticket = self._in_execution("compensation", amount=300)
        ticket.action_create_credit_note()
        credit_note = ticket.credit_note_ids
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credit_note.partner_id, self.distributor)
        self.assertEqual(credit_note.amount_total, 300)
        self.assertEqual(credit_note.invoice_origin, ticket.number)
        self.assertIn("Compensation for complaint", credit_note.ref)
        self.assertEqual(ticket.credit_note_count, 1)

    def test_remedy_documents_refused_before_execution_or_for_other_types(self):
        ticket = self._in_solution("compensation", amount=300)
        with self.assertRaisesMessage(UserError, "is not in execution"):
            ticket.action_create_credit_note()
        ticket.stage_id = self.stages["execution"]
        ticket.remedy_state = "approved"
        repair = self._in_execution("repair", amount=50)
        with self.assertRaisesMessage(UserError, "Only compensations are credited"):
            repair.action_create_credit_note()
        self.assertFalse(repair.credit_note_ids)

    def test_remedy_done_when_its_documents_are(self):
        ticket = self._in_execution("compensation", amount=200)
        ticket.action_create_credit_note()
        with self.assertRaisesMessage(UserError, "not all done yet"):
            ticket.action_remedy_done()
        self.assertEqual(ticket.remedy_state, "approved")
        ticket.credit_note_ids.action_post()
        self.assertEqual(ticket.remedy_state, "done")

    def test_remedy_without_documents_is_done_by_hand(self):
        ticket = self._in_execution("explanation")
        ticket.with_user(self.engineer).action_remedy_done()
        self.assertEqual(ticket.remedy_state, "done")

    def test_customer_service_cannot_create_accounting_documents(self):
        ticket = self._in_execution("compensation", amount=200)
        moves = self.env["account.move"].search_count([])
        with self.assertRaises(AccessError):
            ticket.with_user(self.cs_user).action_create_credit_note()
        self.assertEqual(self.env["account.move"].search_count([]), moves)
