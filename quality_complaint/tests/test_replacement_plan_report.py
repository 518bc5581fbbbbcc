import shutil
import unittest

from odoo import Command
from odoo.tests import HttpCase, tagged

from . import test_report_pdf
from .common import QualityComplaintCommon

PDF_TOOLS = test_report_pdf.PDF_TOOLS

PLAN = "quality_complaint.action_report_replacement_plan"


@tagged("post_install", "-at_install")
class TestReplacementPlanReport(QualityComplaintCommon, HttpCase):
    """The replacement plan printed as PDF by wkhtmltopdf and read back with
    pdftotext, in English and Simplified Chinese (as tests/test_report_pdf.py
    does for the other reports)."""

    _pdf = test_report_pdf.TestReportPdf._pdf
    _text = test_report_pdf.TestReportPdf._text
    _fonts = test_report_pdf.TestReportPdf._fonts
    _pages = test_report_pdf.TestReportPdf._pages
    _page_count = test_report_pdf.TestReportPdf._page_count
    _lang_zh = test_report_pdf.TestReportPdf._lang_zh
    _assert_header_and_footer = test_report_pdf.TestReportPdf._assert_header_and_footer
    _file_name = test_report_pdf.TestReportPdf._file_name

    @classmethod
    def setUpClass(cls):
        missing = [tool for tool in PDF_TOOLS if not shutil.which(tool)]
        if missing:
            raise unittest.SkipTest(f"{', '.join(missing)} missing")
        super().setUpClass()
        state = cls.env["ir.actions.report"].get_wkhtmltopdf_state()
        if state != "ok":
            raise unittest.SkipTest(f"wkhtmltopdf state is {state!r}, not 'ok'")
        ticket = cls._create_complaint(lines=[(cls.lot_a, 3)])
        issue = cls.env["quality.batch.issue"].create(
            {
                "rule_id": cls.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": cls.company.id,
                "lot_id": cls.lot_a.id,
                "product_id": cls.product.id,
                "defect_type_id": cls.defect_leak.id,
                "line_ids": [Command.set(ticket.complaint_line_ids.ids)],
                "state": "confirmed",
            }
        )
        issue.with_user(cls.engineer).action_create_replacement_plan()
        cls.plan = issue.replacement_plan_ids
        cls.plan.description = "<p>Exchange the membrane housings on site</p>"
        cls.plan.with_user(cls.engineer).action_submit()
        cls.plan.with_user(cls.manager).validate_tier()
        cls.plan.with_user(cls.engineer).action_carry_out()

    def test_plan_prints_its_customers_decisions_and_approval(self):
        pdf = self._pdf(PLAN, self.plan, user=self.cs_user)
        text = self._text(pdf)
        self._assert_header_and_footer(pdf)
        for expected in (
            f"Batch Replacement Plan {self.plan.name}",
            f"Batch problem: {self.plan.batch_issue_id.name}",
            "Lots: LOT-A",
            "Exchange the membrane housings on site",
            self.distributor.name,
            "Replace Failed Units",
            "RMAs Finished",
            "0/1",
            "Approved",
            self.manager.name,
        ):
            self.assertIn(expected, text)
        self.assertEqual(
            self._file_name(PLAN, self.plan), f"Replacement Plan - {self.plan.name}"
        )

    def test_plan_prints_in_simplified_chinese(self):
        self._lang_zh()
        pdf = self._pdf(PLAN, self.plan, lang="zh_CN")
        text = self._text(pdf)
        for expected in (
            "批量退换货申请表",
            # the column headings (客户 prints with the glyph of 戶 in Noto CJK)
            "发货数量",
            "保修期内数量",
            "投诉数量",
            "更换故障机",
            "审批",
            self.plan.name,
        ):
            self.assertIn(expected, text)
        fonts = self._fonts(pdf)
        self.assertIn("NotoSansCJKsc", fonts)
        self.assertNotIn("NotoSansCJKjp", fonts)
