from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestPhaseGates(QualityComplaintCommon):
    def _move(self, ticket, phase):
        ticket.stage_id = self.stages[phase]

    def test_investigation_gate(self):
        ticket = self._create_complaint(severity=False)
        self._move(ticket, "triage")
        with self.assertRaises(UserError) as error:
            self._move(ticket, "investigation")
        message = str(error.exception)
        self.assertIn("a severity", message)
        self.assertIn("at least one affected product line with a quantity", message)
        self.assertIn("a defect type", message)
        self.assertEqual(ticket.quality_phase, "triage")
        self._ready_for(ticket, "investigation")
        self._move(ticket, "investigation")
        self.assertEqual(ticket.quality_phase, "investigation")

    def test_investigation_gate_names_only_what_is_missing(self):
        ticket = self._create_complaint(
            lines=[(self.lot_a, 1)], defect_type_id=self.defect_leak.id
        )
        ticket.severity = False
        with self.assertRaises(UserError) as error:
            self._move(ticket, "investigation")
        message = str(error.exception)
        self.assertIn("a severity", message)
        self.assertNotIn("defect type", message)
        self.assertNotIn("affected product", message)

    def test_solution_gate(self):
        ticket = self._ready_for(self._create_complaint(), "investigation")
        self._move(ticket, "investigation")
        with self.assertRaises(UserError) as error:
            self._move(ticket, "solution")
        self.assertIn("a root cause", str(error.exception))
        self.assertIn("a cause category", str(error.exception))
        ticket.write({"root_cause": "<p><br></p>", "cause_category": "material"})
        # supplier material proposes the traced vendor: without it, the gate asks
        self.assertEqual(ticket.responsible_partner_id, self.vendor)
        ticket.responsible_partner_id = False
        with self.assertRaises(UserError) as error:
            self._move(ticket, "solution")
        self.assertIn("a root cause", str(error.exception))
        self.assertIn("the responsible vendor", str(error.exception))
        ticket.root_cause = "<p>Resin changed by the vendor</p>"
        with self.assertRaisesMessage(UserError, "the responsible vendor"):
            self._move(ticket, "solution")
        ticket.responsible_partner_id = self.vendor
        self._move(ticket, "solution")
        self.assertEqual(ticket.quality_phase, "solution")

    def test_execution_gate(self):
        ticket = self._ready_for(self._create_complaint(), "solution")
        self._move(ticket, "solution")
        with self.assertRaisesMessage(UserError, "a remedy type"):
            self._move(ticket, "execution")
        ticket.remedy_type = "replace"
        self._move(ticket, "execution")
        self.assertEqual(ticket.quality_phase, "execution")

    def test_done_gate(self):
        ticket = self._ready_for(self._create_complaint(), "execution")
        self._move(ticket, "follow_up")
        with self.assertRaisesMessage(UserError, "satisfaction"):
            self._move(ticket, "done")
        ticket.satisfaction = "5"
        with self.assertRaisesMessage(UserError, "satisfaction and comment"):
            self._move(ticket, "done")
        ticket.follow_up_feedback = "The purifier works again."
        self._move(ticket, "done")
        self.assertEqual(ticket.quality_phase, "done")
        self.assertTrue(ticket.closed)

    def test_rejected_gate(self):
        ticket = self._create_complaint()
        with self.assertRaisesMessage(UserError, "a rejection reason"):
            self._move(ticket, "rejected")
        ticket.rejection_reason = "   "
        with self.assertRaisesMessage(UserError, "a rejection reason"):
            self._move(ticket, "rejected")
        ticket.rejection_reason = "Valve closed at installation"
        self._move(ticket, "rejected")
        self.assertEqual(ticket.quality_phase, "rejected")

    def test_skipping_checks_every_skipped_gate(self):
        ticket = self._create_complaint()
        with self.assertRaises(UserError) as error:
            self._move(ticket, "execution")
        message = str(error.exception)
        for missing in ("a defect type", "a root cause", "a remedy type"):
            self.assertIn(missing, message)
        self.assertEqual(ticket.quality_phase, "intake")
        self._ready_for(ticket, "execution")
        self._move(ticket, "execution")
        self.assertEqual(ticket.quality_phase, "execution")

    def test_skip_refused_when_only_skipped_gate_fails(self):
        ticket = self._ready_for(self._create_complaint(), "execution")
        ticket.remedy_type = False
        # follow_up has no gate of its own, but the skipped execution has one
        with self.assertRaisesMessage(UserError, "Execution: a remedy type"):
            self._move(ticket, "follow_up")

    def test_going_back_is_free(self):
        ticket = self._ready_for(self._create_complaint(), "solution")
        self._move(ticket, "solution")
        ticket.write({"root_cause": False, "cause_category": False})
        self._move(ticket, "triage")
        self.assertEqual(ticket.quality_phase, "triage")

    def test_reopening_rejected_checks_gates(self):
        ticket = self._create_complaint(rejection_reason="Unfounded")
        self._move(ticket, "rejected")
        self._move(ticket, "triage")
        self.assertEqual(ticket.quality_phase, "triage")
        self._move(ticket, "rejected")
        with self.assertRaisesMessage(UserError, "a defect type"):
            self._move(ticket, "investigation")

    def test_gates_hold_on_create_and_import(self):
        Ticket = self.env["helpdesk.ticket"]
        with self.assertRaisesMessage(UserError, "a root cause"):
            self._create_complaint(
                name="imported",
                lines=[(self.lot_a, 1)],
                defect_type_id=self.defect_leak.id,
                stage_id=self.stages["solution"].id,
            )
        self.assertFalse(Ticket.search([("name", "=", "imported")]))
        # the same through the import machinery
        result = Ticket.load(
            ["name", "description", "team_id/id", "stage_id/id"],
            [
                [
                    "imported",
                    "x",
                    "quality_complaint.helpdesk_ticket_team_quality",
                    "quality_complaint.helpdesk_ticket_stage_quality_done",
                ]
            ],
        )
        self.assertFalse(result["ids"])
        self.assertIn("a defect type", result["messages"][0]["message"])
        self.assertFalse(Ticket.search([("name", "=", "imported")]))

    def test_gate_holds_in_form(self):
        ticket = self._create_complaint()
        form = Form(ticket)
        form.stage_id = self.stages["investigation"]
        with self.assertRaisesMessage(UserError, "a defect type"):
            form.save()

    def test_stage_without_phase_refused(self):
        ticket = self._create_complaint()
        generic_stage = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
        with self.assertRaisesMessage(UserError, "has no quality phase"):
            ticket.stage_id = generic_stage

    def test_gate_message_in_user_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        self.cs_user.lang = "zh_CN"
        # the web client sends the user's language in the context
        ticket = (
            self._create_complaint()
            .with_user(self.cs_user)
            .with_context(lang=self.cs_user.lang)
        )
        with self.assertRaises(UserError) as error:
            ticket.stage_id = self.stages["investigation"]
        self.assertIn("不能进入“调查分析”", str(error.exception))
        self.assertIn("调查分析: 不良现象", str(error.exception))

    def test_other_teams_are_not_gated(self):
        team = self.env["helpdesk.ticket.team"].create({"name": "IT"})
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Printer", "description": "x", "team_id": team.id}
        )
        ticket.stage_id = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        self.assertTrue(ticket.closed)
