# Copyright 2026 quality_complaint contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The PDF reports of this addon as wkhtmltopdf prints them: each document's
language on its body, header and footer, and a header that fits its margin."""

import lxml.html

from odoo import models

# Odoo's xpath for the parts of a report (ir_actions_report._prepare_html).
PART_XPATH = "//div[contains(concat(' ', normalize-space(@class), ' '), ' %s ')]"
# Marks our reports' parts for static/src/scss/quality_complaint_report.scss.
REPORT_CLASS = "o_quality_report"
# web.external_layout_standard's header, as wkhtmltopdf prints it, is 54 mm
# high with the company's name and a three-line address, 5.4 mm more for each
# further line (a second street, a tax ID); the default paper formats give it
# 52 mm, so the header ran into the title. 66 mm hold six lines. Millimetres.
MIN_MARGIN_TOP = 66


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _prepare_html(self, html, report_model=False):
        if len(self) != 1 or not self.report_name.startswith("quality_complaint."):
            return super()._prepare_html(html, report_model=report_model)
        result = super()._prepare_html(
            self._quality_mark_documents(html), report_model=report_model
        )
        if not result:  # no web.minimal_layout: nothing to print with
            return result
        bodies, res_ids, header, footer, specific_args = result
        return bodies, res_ids, header, footer, self._quality_margin_args(specific_args)

    def _quality_mark_documents(self, html):
        """Give the body, header and footer of each document our class and the
        document's language (`data-oe-lang` of its article), which the header
        and footer lose when Odoo moves them into their own pages.

        :return: the report's HTML (bytes)
        """
        root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
        articles = root.xpath(PART_XPATH % "article")
        parts = [articles]
        for name in ("header", "footer"):
            nodes = root.xpath(PART_XPATH % name)
            # Odoo pairs them with the articles by position (minimal_layout).
            if len(nodes) == len(articles):
                parts.append(nodes)
        for nodes in zip(*parts, strict=True):
            lang = nodes[0].get("data-oe-lang")
            for node in nodes:
                node.set("class", f"{node.get('class', '')} {REPORT_CLASS}")
                if lang:
                    node.set("lang", lang.replace("_", "-"))
        return lxml.html.tostring(root, encoding="utf-8")

    def _quality_margin_args(self, specific_args):
        """Raise the top margin to MIN_MARGIN_TOP, keeping the header where the
        paper format puts it, unless the report's HTML sets the margin.

        :return: the wkhtmltopdf arguments that override the paper format
        """
        paperformat = self.get_paperformat()
        if (
            specific_args.get("data-report-margin-top")
            or not paperformat
            or paperformat.margin_top >= MIN_MARGIN_TOP
        ):
            return specific_args
        header_top = max(paperformat.margin_top - paperformat.header_spacing, 0)
        return {
            **specific_args,
            "data-report-margin-top": MIN_MARGIN_TOP,
            "data-report-header-spacing": MIN_MARGIN_TOP - header_top,
        }
