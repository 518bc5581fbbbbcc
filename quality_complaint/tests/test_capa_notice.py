import shutil
import subprocess
import unicodedata
import unittest
from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import QualityComplaintCommon

REPORT = "quality_complaint.action_report_capa_notice"


class CapaNoticeCommon(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Notice = cls.env["quality.capa.notice"]
        cls.vendor.email = "quality@membrane-vendor.example.com"
        cls.issue = cls.env["quality.batch.issue"].create(
            {
                "rule_id": cls.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": cls.company.id,
                "product_id": cls.product.id,
                "lot_id": cls.lot_a.id,
                "defect_type_id": cls.defect_leak.id,
                "affected_qty": 6,
                "cause_category": "material",
                "responsible_partner_id": cls.vendor.id,
                "problem_what": "Membrane housings crack under pressure",
                "containment": "<p>LOT-A held in every warehouse</p>",
            }
        )
        cls.issue.sudo().action_confirm()
        deadline = date.today() + timedelta(days=30)
        cls.corrective, cls.containment_action = cls.env["quality.action"].create(
            [
                {
                    "name": "Calibrate the moulding heaters",
                    "action_type": "corrective",
                    "user_id": cls.engineer.id,
                    "date_deadline": deadline,
                    "batch_issue_id": cls.issue.id,
                },
                {
                    "name": "Sort the stock",
                    "action_type": "containment",
                    "user_id": cls.engineer.id,
                    "date_deadline": deadline,
                    "batch_issue_id": cls.issue.id,
                },
            ]
        )

    def _notice_form(self, record, user=None):
        action = record.with_user(user or self.engineer).action_create_capa_notice()
        return Form(
            self.Notice.with_user(user or self.engineer).with_context(
                **action["context"]
            )
        )

    def _notice(self, **vals):
        return self.Notice.create(
            dict(
                {
                    "batch_issue_id": self.issue.id,
                    "date_8d_due": date.today() + timedelta(days=30),
                },
                **vals,
            )
        )


@tagged("post_install", "-at_install")
class TestCapaNotice(CapaNoticeCommon):
    def test_notice_from_a_batch_problem_takes_its_problem_and_actions(self):
        form = self._notice_form(self.issue)
        form.date_8d_due = date.today() + timedelta(days=30)
        notice = form.save()
        self.assertEqual(notice.batch_issue_id, self.issue)
        self.assertEqual(notice.responsible_type, "supplier")
        self.assertEqual(notice.partner_id, self.vendor)
        self.assertEqual(notice.recipient_partner_id, self.vendor)
        for expected in (
            "Water Purifier",
            "LOT-A",
            "Leakage",
            "6",
            "Membrane housings crack under pressure",
        ):
            self.assertIn(expected, notice.problem)
        self.assertIn("LOT-A held in every warehouse", notice.containment)
        # the actions asked: corrective and preventive, not containment
        self.assertEqual(notice.action_ids, self.corrective)
        self.assertEqual(self.issue.capa_notice_count, 1)
        self.assertEqual(self.issue.action_view_capa_notices()["res_id"], notice.id)

    def test_send_sets_the_deadline_and_the_activity(self):
        self.company.quality_capa_answer_days = 7
        notice = self._notice()
        with self._at(datetime(2026, 3, 2, 9, 0)):
            notice.date_8d_due = date(2026, 4, 1)
            notice.with_user(self.engineer).action_send()
        self.assertEqual(notice.state, "sent")
        self.assertEqual(notice.sent_date, date(2026, 3, 2))
        self.assertEqual(notice.answer_deadline, date(2026, 3, 9))
        message = notice.message_ids.filtered(
            lambda m: m.message_type == "comment" and self.vendor in m.partner_ids
        )
        self.assertEqual(len(message), 1)
        self.assertIn(notice.name, message.subject)
        # the report attached (HTML in test mode; TestCapaNoticePdf prints it)
        self.assertEqual(len(message.attachment_ids), 1)
        self.assertTrue(
            message.attachment_ids.name.startswith(f"CAPA Notice - {notice.name}.")
        )
        activity = notice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, date(2026, 3, 9))
        self.assertEqual(activity.user_id, self.engineer)
        # not overdue on the deadline; overdue the day after
        Notice = self.Notice.with_user(self.engineer)
        with self._at(datetime(2026, 3, 9, 12, 0)):
            self.assertFalse(Notice.search([("is_overdue", "=", True)]))
            self.assertFalse(notice.with_context(tz="UTC").is_overdue)
        with self._at(datetime(2026, 3, 10, 9, 0)):
            self.assertEqual(Notice.search([("is_overdue", "=", True)]), notice)
            self.assertIn(notice, Notice.search([("is_overdue", "=", True)]))
            self.assertNotIn(notice, Notice.search([("is_overdue", "=", False)]))
            notice.invalidate_recordset(["is_overdue"])
            self.assertTrue(notice.is_overdue)

    def test_answered_closes_the_activity(self):
        notice = self._notice()
        notice.with_user(self.engineer).action_send()
        with self.assertRaisesMessage(UserError, "record the answer first"):
            notice.with_user(self.engineer).action_answered()
        self.assertEqual(notice.state, "sent")
        notice.answer = "<p>8D attached: heaters recalibrated</p>"
        notice.with_user(self.engineer).action_answered()
        self.assertEqual(notice.state, "answered")
        self.assertEqual(
            notice.answered_date, self._today(notice.with_user(self.engineer))
        )
        self.assertFalse(notice.activity_ids)
        self.assertFalse(self.Notice.search([("is_overdue", "=", True)]))

    def test_notice_from_a_complaint_to_production(self):
        production = new_test_user(
            self.env,
            login="qc_production_head",
            groups="base.group_user",
            email="production@example.com",
        )
        ticket = self._create_complaint(
            lines=[(self.lot_a, 2)],
            defect_type_id=self.defect_scratch.id,
            cause_category="production",
            containment="<p>Line 2 stopped</p>",
        )
        form = self._notice_form(ticket)
        self.assertEqual(form.responsible_type, "production")
        form.user_id = production
        form.date_8d_due = date.today() + timedelta(days=20)
        notice = form.save()
        self.assertEqual(notice.ticket_id, ticket)
        self.assertIn("Scratch", notice.problem)
        self.assertIn("Line 2 stopped", notice.containment)
        self.assertEqual(notice.recipient_partner_id, production.partner_id)
        notice.with_user(self.engineer).action_send()
        self.assertEqual(notice.state, "sent")
        self.assertIn(
            production.partner_id,
            notice.message_ids.filtered(
                lambda m: m.message_type == "comment"
            ).partner_ids,
        )
        self.assertEqual(ticket.capa_notice_count, 1)

    def test_no_e_mail_address_is_refused_and_nothing_written(self):
        self.vendor.email = False
        notice = self._notice()
        messages = len(notice.message_ids)
        with self.assertRaisesMessage(UserError, "has no e-mail address"):
            notice.with_user(self.engineer).action_send()
        self.assertEqual(notice.state, "draft")
        self.assertFalse(notice.answer_deadline)
        self.assertFalse(notice.sent_date)
        self.assertFalse(notice.activity_ids)
        self.assertEqual(len(notice.message_ids), messages)

    def test_no_8d_due_date_is_refused(self):
        notice = self._notice(date_8d_due=False)
        with self.assertRaisesMessage(UserError, "give the 8D due date"):
            notice.with_user(self.engineer).action_send()
        self.assertEqual(notice.state, "draft")

    def test_exactly_one_of_batch_problem_and_complaint(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        count = self.Notice.search_count([])
        with self.assertRaisesMessage(ValidationError, "give exactly one of them"):
            self._notice(ticket_id=ticket.id, partner_id=self.vendor.id)
        with self.assertRaisesMessage(ValidationError, "give exactly one of them"):
            self._notice(batch_issue_id=False, partner_id=self.vendor.id)
        self.assertEqual(self.Notice.search_count([]), count)

    def test_the_responsible_party_is_required(self):
        with self.assertRaisesMessage(ValidationError, "needs the vendor"):
            self._notice(partner_id=False)
        with self.assertRaisesMessage(ValidationError, "needs the responsible user"):
            self._notice(responsible_type="design")
        with self.assertRaisesMessage(ValidationError, "in the past"):
            self._notice(date_8d_due=self._today(self.Notice) - timedelta(days=1))
        other = self.env["quality.action"].create(
            {
                "name": "Another problem's action",
                "user_id": self.engineer.id,
                "date_deadline": date.today() + timedelta(days=5),
                "ticket_id": self._create_complaint(lines=[(self.lot_a, 1)]).id,
            }
        )
        with self.assertRaisesMessage(ValidationError, "actions of its batch problem"):
            self._notice(action_ids=[Command.set(other.ids)])

    def test_state_moves_only_through_the_buttons(self):
        notice = self._notice()
        with self.assertRaisesMessage(UserError, "changes only through its buttons"):
            notice.with_user(self.manager).write({"state": "answered"})
        notice.with_user(self.engineer).action_cancel()
        self.assertEqual(notice.state, "cancelled")
        with self.assertRaisesMessage(UserError, "cannot send in this state"):
            notice.with_user(self.engineer).action_send()
        notice.with_user(self.engineer).action_draft()
        notice.with_user(self.engineer).action_send()
        with self.assertRaisesMessage(UserError, "cannot be deleted"):
            notice.with_user(self.manager).unlink()


@tagged("post_install", "-at_install")
class TestCapaNoticeAccess(CapaNoticeCommon):
    def test_customer_service_reads_but_does_not_send(self):
        notice = self._notice()
        self.assertEqual(notice.with_user(self.cs_user).name, notice.name)
        with self.assertRaisesMessage(AccessError, "Only quality engineers"):
            notice.with_user(self.cs_user).action_send()
        self.assertEqual(notice.state, "draft")
        with self.assertRaises(AccessError):
            self.Notice.with_user(self.cs_user).create(
                {"batch_issue_id": self.issue.id}
            )
        with self.assertRaises(AccessError):
            notice.with_user(self.engineer).unlink()
        self.assertEqual(self.issue.with_user(self.cs_user).capa_notice_count, 1)

    def test_portal_cannot_read(self):
        notice = self._notice()
        portal = new_test_user(
            self.env, login="qc_portal_capa", groups="base.group_portal"
        )
        with self.assertRaises(AccessError):
            notice.with_user(portal).read(["name"])
        with self.assertRaises(AccessError):
            self.Notice.with_user(portal).search([])

    def test_other_company_notices_are_not_seen(self):
        company_b = self.env["res.company"].create({"name": "Purifiers West"})
        engineer_b = new_test_user(
            self.env,
            login="qc_engineer_west",
            groups="quality_complaint.group_quality_engineer",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        notice = self._notice()
        self.assertFalse(
            self.Notice.with_user(engineer_b).search([("id", "=", notice.id)])
        )
        self.assertEqual(
            self.Notice.with_user(self.engineer).search([("id", "=", notice.id)]),
            notice,
        )


@tagged("post_install", "-at_install")
class TestCapaNoticePdf(CapaNoticeCommon, HttpCase):
    """The notice printed by wkhtmltopdf and read back with pdftotext."""

    @classmethod
    def setUpClass(cls):
        if not shutil.which("pdftotext"):
            raise unittest.SkipTest("pdftotext missing: install poppler-utils")
        super().setUpClass()
        state = cls.env["ir.actions.report"].get_wkhtmltopdf_state()
        if state != "ok":
            raise unittest.SkipTest(f"wkhtmltopdf state is {state!r}, not 'ok'")

    def _text(self, notice, lang="en_US"):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True, lang=lang)
            ._render_qweb_pdf(REPORT, notice.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF-"))
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        )
        return " ".join(unicodedata.normalize("NFKC", result.stdout.decode()).split())

    def test_notice_pdf_in_english(self):
        notice = self._notice(date_8d_due=date(2099, 1, 15))
        notice.action_send()
        text = self._text(notice)
        for expected in (
            f"Corrective and Preventive Action Notice {notice.name}",
            self.vendor.name,
            self.issue.name,
            "Membrane housings crack under pressure",
            "LOT-A held in every warehouse",
            "Calibrate the moulding heaters",
            "8D report due: 01/15/2099",
            "Answer requested by:",
        ):
            self.assertIn(expected, text)

    def test_notice_pdf_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        self.vendor.lang = "zh_CN"
        notice = self._notice()
        text = self._text(notice, lang="zh_CN")
        for expected in (
            "纠正预防通知书",
            "围堵措施",
            "要求的纠正预防措施",
            notice.name,
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Corrective and Preventive Action Notice", text)
