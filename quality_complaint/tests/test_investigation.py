from datetime import date, timedelta

from odoo import Command
from odoo.tests import tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestInvestigation(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_complaint(lines=[(cls.lot_a, 3)])
        cls.eight_d = {
            "investigation_user_ids": [cls.engineer.id, cls.manager.id],
            "problem_what": "Water leaks at the membrane housing",
            "problem_where": "Hotel kitchens in Shanghai",
            "problem_when": "After two weeks of use",
            "problem_how_many": "3 of 10 units of LOT-A",
            "problem_is": "LOT-A",
            "problem_is_not": "LOT-B",
            "containment": "<p>Stock of LOT-A held and sorted</p>",
            "why_1": "The housing cracks",
            "why_2": "The resin is brittle",
            "why_3": "The moulding temperature was too low",
            "why_4": "The heater controller drifted",
            "why_5": "No calibration plan for the controller",
            "cause_category": "material",
            "responsible_partner_id": cls.vendor.id,
            "root_cause": "<p>Uncalibrated moulding heater at the vendor</p>",
            "effectiveness_verification": "<p>500 units tested without leak</p>",
            "prevention": "<p>Calibration added to the control plan</p>",
            "lessons_learned": "<p>Audit special processes of vendors</p>",
            "investigation_closed_date": date(2026, 2, 1),
            "remedy_type": "replace",
            "remedy_amount": 1234.5,
        }
        cls.ticket.write(cls.eight_d)
        deadline = date.today() + timedelta(days=10)
        cls.env["quality.action"].create(
            [
                {
                    "name": "Sort LOT-A stock",
                    "action_type": "containment",
                    "user_id": cls.engineer.id,
                    "date_deadline": deadline,
                    "ticket_id": cls.ticket.id,
                },
                {
                    "name": "Calibrate the heater controller",
                    "action_type": "corrective",
                    "user_id": cls.manager.id,
                    "date_deadline": deadline,
                    "ticket_id": cls.ticket.id,
                },
                {
                    "name": "Add calibration to the control plan",
                    "action_type": "preventive",
                    "user_id": cls.engineer.id,
                    "date_deadline": deadline,
                    "ticket_id": cls.ticket.id,
                },
            ]
        )

    def _render(self, report, records, lang="en_US"):
        html, _format = (
            self.env["ir.actions.report"]
            .with_context(lang=lang)
            ._render_qweb_html(report, records.ids)
        )
        return html.decode()

    def test_five_whys_and_8d_are_saved(self):
        self.ticket.invalidate_recordset()
        self.assertEqual(
            [why for _index, why in self.ticket._get_five_whys()],
            [self.eight_d[f"why_{i}"] for i in range(1, 6)],
        )
        self.assertEqual(self.ticket.problem_is_not, "LOT-B")
        self.assertEqual(
            self.ticket.investigation_user_ids, self.engineer | self.manager
        )
        self.assertEqual(
            set(self.ticket.action_ids.mapped("action_type")),
            {"containment", "corrective", "preventive"},
        )

    def test_8d_report_holds_all_eight_disciplines(self):
        html = self._render("quality_complaint.report_complaint_8d", self.ticket)
        for heading in (
            "D1 Team",
            "D2 Problem Description",
            "D3 Containment",
            "D4 Root Cause",
            "D5 Corrective Actions",
            "D6 Verification of Effectiveness",
            "D7 Prevention of Recurrence",
            "D8 Closure",
        ):
            self.assertIn(heading, html)
        for text in (
            self.ticket.number,
            "No calibration plan for the controller",
            "LOT-B",
            "Calibrate the heater controller",
            self.manager.name,
            "Add calibration to the control plan",
            "Sort LOT-A stock",
            "Uncalibrated moulding heater",
            "500 units tested",
            "Audit special processes",
            # internal version: costs and vendor
            "Membrane Vendor",
            "1,234.50",
        ):
            self.assertIn(text, html)

    def test_customer_version_has_no_costs_and_no_vendor(self):
        html = self._render(
            "quality_complaint.report_complaint_8d_customer", self.ticket
        )
        self.assertIn("Calibrate the heater controller", html)
        self.assertIn("No calibration plan for the controller", html)
        self.assertNotIn("Membrane Vendor", html)
        self.assertNotIn("1,234.50", html)
        self.assertNotIn(self.purchase_order.name, html)

    def test_reports_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        html = self._render(
            "quality_complaint.report_complaint_8d", self.ticket, "zh_CN"
        )
        for text in ("8D 报告", "D4 根本原因", "D5 纠正措施", "D8 结案"):
            self.assertIn(text, html)
        self.assertIn("No calibration plan for the controller", html)
        # the customer version speaks the customer's language
        self.distributor.lang = "zh_CN"
        html = self._render(
            "quality_complaint.report_complaint_8d_customer", self.ticket
        )
        self.assertIn("客诉报告", html)
        self.assertIn("D2 问题描述", html)

    def test_quality_appraisal_report_of_a_batch_problem(self):
        issue = self.env["quality.batch.issue"].create(
            {
                "rule_id": self.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": self.company.id,
                "lot_id": self.lot_a.id,
                "product_id": self.product.id,
                "affected_qty": 3,
                "line_ids": [Command.set(self.ticket.complaint_line_ids.ids)],
                "why_1": "Cracked housings in one lot",
                "root_cause": "<p>Heater drift</p>",
                "cause_category": "material",
            }
        )
        self.env["quality.action"].create(
            {
                "name": "Hold LOT-A everywhere",
                "action_type": "containment",
                "user_id": self.manager.id,
                "date_deadline": self._today(self.env["quality.action"]),
                "batch_issue_id": issue.id,
            }
        )
        self.assertEqual(issue.action_ids.name, "Hold LOT-A everywhere")
        html = self._render("quality_complaint.report_batch_issue_appraisal", issue)
        for text in (
            "Quality Appraisal Report",
            issue.name,
            "LOT-A",
            self.ticket.number,
            "Cracked housings in one lot",
            "Heater drift",
            "Hold LOT-A everywhere",
            "D8 Closure",
        ):
            self.assertIn(text, html)
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        html = self._render(
            "quality_complaint.report_batch_issue_appraisal", issue, "zh_CN"
        )
        self.assertIn("质量鉴定报告", html)
        self.assertIn("D3 围堵措施", html)

    def test_portal_never_reads_the_investigation(self):
        portal = self.env["res.users"].create(
            {
                "name": "Distributor portal",
                "login": "qc_portal_8d",
                "partner_id": self.distributor.id,
                "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        fields = self.ticket.with_user(portal).fields_get()
        for name in (
            "why_1",
            "root_cause",
            "problem_what",
            "action_ids",
            "remedy_amount",
        ):
            self.assertNotIn(name, fields)
