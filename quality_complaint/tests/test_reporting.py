import base64
import json
import re
from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestReporting(QualityComplaintCommon):
    """Complaint analysis and digests on a known dataset: the week of
    2 March 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["quality.complaint.report"]
        cls.Digest = cls.env["quality.complaint.digest"]

    def _walk(self, ticket, phases):
        for phase in phases:
            ticket.stage_id = self.stages[phase]

    def _dataset(self):
        with self._at(datetime(2026, 3, 2, 9, 0)):
            closed = self._create_complaint(
                lines=[(self.lot_a, 3), (self.lot_b, 2)], name="Closed leak"
            )
            self._ready_for(closed, "done")
            self._walk(closed, ["triage", "investigation"])
        with self._at(datetime(2026, 3, 6, 9, 0)):
            self._walk(closed, ["solution", "execution", "follow_up", "done"])
        with self._at(datetime(2026, 3, 4, 10, 0)):
            critical = self._create_complaint(
                lines=[(self.lot_a, 1)],
                name="Tingling faucet",
                safety_risk=True,
                defect_type_id=self.defect_leak.id,
            )
        with self._at(datetime(2026, 3, 10, 9, 0)):
            later = self._create_complaint(
                lines=[(self.lot_b, 1)],
                name="Scratched panel",
                defect_type_id=self.defect_scratch.id,
            )
        return closed, critical, later

    def test_complaint_analysis_figures(self):
        closed, critical, later = self._dataset()
        domain = [("ticket_id", "in", (closed | critical | later).ids)]
        rows = self.Report.search(domain)
        self.assertEqual(len(rows), 4, "one row per complaint line")
        [(complaints, units, met, breached, days)] = self.Report._read_group(
            domain,
            [],
            [
                "complaint_count:sum",
                "quantity:sum",
                "sla_met_count:sum",
                "sla_breached_count:sum",
                "days_to_close:avg",
            ],
        )
        self.assertEqual(complaints, 3)
        self.assertEqual(units, 7)
        self.assertAlmostEqual(days, 4.0, places=2)
        all_slas = (closed | critical | later).sudo().sla_ids
        self.assertEqual(met, len(all_slas.filtered(lambda s: s.state == "met")))
        self.assertEqual(
            breached, len(all_slas.filtered(lambda s: s.state == "breached"))
        )
        self.assertGreater(met, 0)
        by_severity = {
            severity: (count, qty)
            for severity, count, qty in self.Report._read_group(
                domain, ["severity"], ["complaint_count:sum", "quantity:sum"]
            )
        }
        self.assertEqual(
            by_severity,
            {"major": (1, 5.0), "critical": (1, 1.0), "minor": (1, 1.0)},
        )
        by_month = dict(
            self.Report._read_group(domain, ["date:month"], ["complaint_count:sum"])
        )
        self.assertEqual(sorted(by_month.values()), [3])
        row = rows.filtered(lambda r: r.ticket_id == closed)[:1]
        self.assertEqual(row.vendor_id, self.vendor)
        self.assertEqual(row.customer_tier, "distributor")
        self.assertEqual(row.product_id.categ_id, row.categ_id)
        self.assertEqual(set(rows.mapped("quality_phase")), {"done", "intake"})

    def test_weekly_digest_content(self):
        closed, critical, later = self._dataset()
        issue = self.env["quality.batch.issue"].create(
            {
                "rule_id": self.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": self.company.id,
                "lot_id": self.lot_a.id,
                "detected_date": datetime(2026, 3, 5, 8, 0),
            }
        )
        with self._at(datetime(2026, 3, 3, 8, 0)):
            action = self.env["quality.action"].create(
                {
                    "name": "Sort the warehouse stock",
                    "user_id": self.engineer.id,
                    "date_deadline": date(2026, 3, 4),
                    "ticket_id": critical.id,
                }
            )
        digest = self.Digest._send_digests(
            "weekly", date(2026, 3, 2), date(2026, 3, 8)
        ).filtered(lambda d: d.company_id == self.company)
        self.assertEqual(len(digest), 1)
        self.assertIn(self.manager.partner_id, digest.recipient_ids)
        mail = digest.mail_ids.filtered(
            lambda m: self.manager.partner_id in m.recipient_ids
        )
        self.assertIn("03/02/2026", mail.subject)
        body = mail.body_html
        values = self.Digest._digest_values(
            self.company, date(2026, 3, 2), date(2026, 3, 8)
        )
        self.assertEqual(values["opened_count"], 2)
        self.assertEqual(values["opened_qty"], 6)
        self.assertEqual(values["closed_count"], 1)
        self.assertIn(critical, values["critical_tickets"])
        self.assertIn(issue, values["new_issues"])
        self.assertIn(action, values["overdue_actions"])
        for text in (
            critical.number,
            "Tingling faucet",
            issue.name,
            "Sort the warehouse stock",
        ):
            self.assertIn(text, body)
        self.assertNotIn(later.number, body)

    def test_digest_lists_are_cut(self):
        self._dataset()
        for index in range(2):
            self._create_complaint(
                name=f"Smoke from the pump {index}",
                safety_risk=True,
                defect_type_id=self.defect_leak.id,
            )
        with patch(
            "odoo.addons.quality_complaint.models.quality_complaint_digest.LIST_LIMIT",
            1,
        ):
            values = self.Digest._digest_values(
                self.company, date(2026, 3, 2), date(2026, 3, 8)
            )
            body = self.env["ir.qweb"]._render(
                "quality_complaint.quality_complaint_digest_mail",
                dict(values, company=self.company),
            )
        self.assertEqual(len(values["critical_tickets"]), 1)
        self.assertGreaterEqual(values["critical_count"], 3)
        self.assertIn(f"and {values['critical_count'] - 1} more", str(body))

    def test_one_digest_per_period(self):
        self._dataset()
        first = self.Digest._send_digests("weekly", date(2026, 3, 2), date(2026, 3, 8))
        self.assertTrue(first)
        mails = self.env["mail.mail"].search_count([])
        again = self.Digest._send_digests("weekly", date(2026, 3, 2), date(2026, 3, 8))
        self.assertFalse(again)
        # the cron computes the last complete week: the same one
        with self._at(datetime(2026, 3, 11, 7, 0)):
            self.Digest._cron_send_weekly()
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)
        self.assertEqual(
            self.Digest.search_count(
                [
                    ("period", "=", "weekly"),
                    ("date_from", "=", date(2026, 3, 2)),
                    ("company_id", "=", self.company.id),
                ]
            ),
            1,
        )
        # the month is another period
        with self._at(datetime(2026, 4, 1, 7, 0)):
            self.Digest._cron_send_monthly()
        monthly = self.Digest.search(
            [("period", "=", "monthly"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(
            (monthly.date_from, monthly.date_to), (date(2026, 3, 1), date(2026, 3, 31))
        )
        self.assertEqual(
            self.Digest._digest_values(
                self.company, monthly.date_from, monthly.date_to
            )["opened_count"],
            3,
        )

    def test_digest_in_chinese(self):
        self._dataset()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        self.manager.partner_id.lang = "zh_CN"
        digest = self.Digest._send_digests(
            "weekly", date(2026, 3, 2), date(2026, 3, 8) + timedelta(days=0)
        ).filtered(lambda d: d.company_id == self.company)
        mail = digest.mail_ids.filtered(
            lambda m: self.manager.partner_id in m.recipient_ids
        )
        self.assertIn("质量简报", mail.subject)
        self.assertIn("收到的客诉", mail.body_html)


@tagged("post_install", "-at_install")
class TestDashboard(QualityComplaintCommon):
    def test_dashboard_data_sources_resolve(self):
        dashboard = self.env.ref(
            "quality_complaint.spreadsheet_dashboard_quality_complaints"
        )
        data = json.loads(base64.b64decode(dashboard.spreadsheet_binary_data))
        self.assertTrue(dashboard.is_published)
        pivots = data["pivots"]
        self.assertGreaterEqual(len(pivots), 8)
        for pivot in pivots.values():
            with self.subTest(pivot=pivot["name"]):
                Model = self.env[pivot["model"]]
                names = [m["fieldName"] for m in pivot["measures"]]
                names += [g["fieldName"].split(":")[0] for g in pivot["rows"]]
                names += [leaf[0] for leaf in pivot["domain"]]
                for name in names:
                    if name != "__count":
                        self.assertIn(name, Model._fields)
                # the pivot's query runs
                Model._read_group(
                    [tuple(leaf) for leaf in pivot["domain"]],
                    [
                        ":".join(filter(None, (g["fieldName"], g.get("granularity"))))
                        for g in pivot["rows"]
                    ],
                    [
                        "__count"
                        if m["fieldName"] == "__count"
                        else f"{m['fieldName']}:sum"
                        for m in pivot["measures"]
                    ],
                )
        formulas = [
            cell["content"]
            for sheet in data["sheets"]
            for cell in sheet["cells"].values()
            if "PIVOT" in cell.get("content", "")
        ]
        used = {re.search(r"PIVOT\.\w+\((\d+)", formula)[1] for formula in formulas}
        self.assertEqual(used, set(pivots))
        charts = [
            figure["data"]
            for sheet in data["sheets"]
            for figure in sheet["figures"]
            if figure["data"].get("metaData")
        ]
        for chart in charts:
            meta = chart["metaData"]
            Model = self.env[meta["resModel"]]
            self.assertIn(meta["measure"], Model._fields)
            for group in meta["groupBy"]:
                self.assertIn(group.split(":")[0], Model._fields)
        for xmlid in data["chartOdooMenusReferences"].values():
            self.assertTrue(self.env.ref(xmlid))

    def test_dashboard_kpis_on_a_known_dataset(self):
        """The KPI pivots count what the figures say."""
        before = self.env["helpdesk.ticket"].search_count(
            [
                ("is_quality_complaint", "=", True),
                ("quality_phase", "not in", ["done", "rejected"]),
            ]
        )
        self._create_complaint(lines=[(self.lot_a, 2)])
        dashboard = self.env.ref(
            "quality_complaint.spreadsheet_dashboard_quality_complaints"
        )
        data = json.loads(base64.b64decode(dashboard.spreadsheet_binary_data))
        pivot = data["pivots"]["1"]
        count = self.env[pivot["model"]].search_count(
            [tuple(leaf) for leaf in pivot["domain"]]
        )
        self.assertEqual(count, before + 1)
