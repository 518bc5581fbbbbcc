from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestComplaintIntake(QualityComplaintCommon):
    def test_intake_with_lines(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 3), (self.lot_b, 2)])
        self.assertTrue(ticket.is_quality_complaint)
        self.assertEqual(ticket.quality_phase, "intake")
        self.assertEqual(ticket.stage_id, self.stages["intake"])
        self.assertEqual(ticket.affected_qty, 5)
        self.assertEqual(ticket.lot_count, 2)
        # helpdesk_product's product follows the first line
        self.assertEqual(ticket.product_id, self.product)
        self.assertEqual(
            ticket.complaint_line_ids.mapped("date"),
            [self._today(ticket, ticket.create_date)] * 2,
        )

    def test_intake_form_proposes_product_and_severity(self):
        with Form(self.env["helpdesk.ticket"].with_user(self.cs_user)) as form:
            form.name = "Noisy pump"
            form.description = "<p>Loud at night</p>"
            form.team_id = self.team
            form.partner_id = self.distributor
            form.defect_type_id = self.defect_scratch
            self.assertEqual(form.severity, "minor")
            with form.complaint_line_ids.new() as line:
                line.lot_id = self.lot_a
                self.assertEqual(line.product_id, self.product)
                self.assertEqual(line.defect_type_id, self.defect_scratch)
                line.quantity = 2
            form.safety_risk = True
            self.assertEqual(form.severity, "critical")
        ticket = form.record
        self.assertEqual(ticket.severity, "critical")
        self.assertEqual(ticket.affected_qty, 2)
        self.assertEqual(ticket.product_id, self.product)

    def test_ticket_of_other_team_is_no_complaint(self):
        team = self.env["helpdesk.ticket.team"].create({"name": "IT support"})
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Printer", "description": "x", "team_id": team.id}
        )
        self.assertFalse(ticket.is_quality_complaint)
        self.assertFalse(ticket.stage_id.quality_phase)
        ticket.team_id = self.team
        self.assertTrue(ticket.is_quality_complaint)
        self.assertEqual(ticket.stage_id, self.stages["intake"])

    def test_quality_team_uses_only_phased_stages(self):
        stages = self.team._get_applicable_stages()
        self.assertEqual(
            stages,
            self.env["helpdesk.ticket.stage"]
            .browse([s.id for s in self.stages.values()])
            .sorted(),
        )
        self.assertTrue(all(stages.mapped("quality_phase")))

    def test_safety_risk_is_always_critical(self):
        ticket = self._create_complaint(
            safety_risk=True, defect_type_id=self.defect_scratch.id
        )
        self.assertEqual(ticket.severity, "critical")
        with self.assertRaisesMessage(ValidationError, "safety risk"):
            ticket.severity = "minor"
        self.assertEqual(ticket.severity, "critical")

    def test_product_follows_first_line(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        other_lot = self._create_lot("OTHER-1", self.other_product)
        ticket.complaint_line_ids.sequence = 20
        ticket.write(
            {
                "complaint_line_ids": [
                    Command.create(
                        {
                            "product_id": self.other_product.id,
                            "lot_id": other_lot.id,
                            "quantity": 1,
                            "sequence": 1,
                        }
                    )
                ]
            }
        )
        ticket.invalidate_recordset()
        self.assertEqual(ticket.product_id, self.other_product)

    def test_zero_or_negative_quantity_refused(self):
        Line = self.env["quality.complaint.line"]
        ticket = self._create_complaint()
        for quantity in (0, -3):
            with self.assertRaisesMessage(ValidationError, "must be greater than zero"):
                Line.create(
                    {
                        "ticket_id": ticket.id,
                        "product_id": self.product.id,
                        "quantity": quantity,
                    }
                )
        self.assertFalse(Line.search([("ticket_id", "=", ticket.id)]))
        with self.assertRaisesMessage(ValidationError, "must be greater than zero"):
            self._create_complaint(name="bad qty", lines=[(self.lot_a, 0)])
        self.assertFalse(self.env["helpdesk.ticket"].search([("name", "=", "bad qty")]))

    def test_lot_of_other_product_refused(self):
        ticket = self._create_complaint()
        with self.assertRaisesMessage(ValidationError, "Lot LOT-A belongs to"):
            self.env["quality.complaint.line"].create(
                {
                    "ticket_id": ticket.id,
                    "product_id": self.other_product.id,
                    "lot_id": self.lot_a.id,
                    "quantity": 1,
                }
            )
        self.assertFalse(ticket.complaint_line_ids)

    def test_duplicate_defect_code_refused(self):
        DefectType = self.env["quality.defect.type"]
        with self.assertRaisesMessage(ValidationError, "T-LEAK already exists"):
            DefectType.create({"name": "Leak again", "code": "T-LEAK"})
        self.assertEqual(DefectType.search_count([("code", "=", "T-LEAK")]), 1)
        # the same code in another company is fine
        other_company = self.env["res.company"].create({"name": "Other Co"})
        DefectType.create(
            {"name": "Leak", "code": "T-LEAK", "company_id": other_company.id}
        )
        self.assertEqual(
            DefectType.sudo()
            .with_context(allowed_company_ids=[self.company.id, other_company.id])
            .search_count([("code", "=", "T-LEAK")]),
            2,
        )

    def test_negative_remedy_amount_refused(self):
        ticket = self._create_complaint()
        with self.assertRaisesMessage(ValidationError, "cannot be negative"):
            ticket.remedy_amount = -10
        self.assertEqual(ticket.remedy_amount, 0)

    def test_lot_smart_buttons(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        self.assertEqual(self.lot_a.complaint_count, 1)
        action = self.lot_a.action_view_complaints()
        self.assertEqual(self.env["helpdesk.ticket"].search(action["domain"]), ticket)
        action = ticket.action_view_lots()
        self.assertEqual(action["res_id"], self.lot_a.id)
        action = ticket.complaint_line_ids.action_view_lot_traceability()
        self.assertEqual(action["tag"], "stock_report_generic")
        self.assertEqual(action["context"]["active_id"], self.lot_a.id)
        self.assertEqual(action["context"]["active_model"], "stock.lot")
