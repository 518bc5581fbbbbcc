"""Issue 17: the hourly detection looks only at the groups that complaint
lines created or changed since the company's last complete run can have
pushed over a threshold, plus the open issues; the weekly run looks at all.
A failed run leaves the company's mark where it was, so the next run redoes
its work."""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from odoo.addons.quality_complaint.models.quality_batch_rule import QualityBatchRule

from .common import QualityComplaintCommon

NOW = datetime(2026, 6, 1, 10, 0)


@tagged("post_install", "-at_install")
class TestIncrementalDetection(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["quality.batch.rule"]
        cls.rule_lot = cls.env.ref("quality_complaint.quality_batch_rule_lot")
        cls.rule_lot.auto_hold_lots = False
        # the other shipped rules (and the demo's complaints) stay out of it
        (cls.Rule.search([]) - cls.rule_lot).active = False
        cls.rule_lot.product_ids = [Command.set(cls.product.ids)]
        cls.lot_c = cls._create_lot("LOT-C")

    def _complain(self, lot, qty):
        return self._create_complaint(
            lines=[(lot, qty)], defect_type_id=self.defect_leak.id
        )

    def _age(self, tickets, days=2):
        """Date the complaints and their lines `days` before now: written
        before the last run."""
        self.env.flush_all()
        when = NOW - timedelta(days=days)
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET write_date = %s WHERE id = ANY(%s)",
            [when, tickets.ids],
        )
        self.env.cr.execute(
            "UPDATE quality_complaint_line SET write_date = %s"
            " WHERE ticket_id = ANY(%s)",
            [when, tickets.ids],
        )
        self.env.invalidate_all()

    def _issues(self):
        # this test's product only: the demo data has batch problems too
        return self.env["quality.batch.issue"].search(
            [("rule_id", "=", self.rule_lot.id), ("product_id", "=", self.product.id)]
        )

    def test_a_full_run_sets_the_mark_and_the_next_run_is_incremental(self):
        with self._at(NOW):
            self.Rule._cron_detect(full=True)
        self.assertEqual(self.company.quality_detection_since, NOW)
        # an old group over the threshold, not touched since: only a full run
        # sees it (e.g. after the mark was set by a run that missed it)
        old = self._complain(self.lot_b, 5)
        self._age(old)
        later = NOW + timedelta(hours=1)
        with self._at(later):
            self.Rule._cron_detect()
        self.assertFalse(self._issues(), "untouched since the mark")
        self.assertEqual(self.company.quality_detection_since, later)
        # a new complaint of another lot crosses: the hourly run raises it
        self._complain(self.lot_c, 5)
        with self._at(later + timedelta(hours=1)):
            self.Rule._cron_detect()
        self.assertEqual(self._issues().lot_id, self.lot_c)
        # the weekly run sees everything
        with self._at(later + timedelta(hours=2)):
            self.Rule._cron_detect(full=True)
        self.assertEqual(self._issues().lot_id, self.lot_b | self.lot_c)

    def test_a_line_added_to_an_old_group_makes_it_cross(self):
        old = self._complain(self.lot_b, 4)
        self._age(old)
        self.company.quality_detection_since = NOW - timedelta(days=1)
        self._complain(self.lot_b, 1)
        with self._at(NOW):
            self.Rule._cron_detect()
        issue = self._issues()
        self.assertEqual(issue.affected_qty, 5, "all the group's lines count")
        self.assertEqual(len(issue.ticket_ids), 2)

    def test_reactivated_complaint_is_seen(self):
        complaint = self._complain(self.lot_b, 5)
        complaint.active = False
        self._age(complaint)
        self.company.quality_detection_since = NOW - timedelta(days=1)
        with self._at(NOW):
            self.Rule._cron_detect()
        self.assertFalse(self._issues())
        # archived and restored: its lines are as old as before, the complaint
        # changed now
        complaint.active = True
        with self._at(NOW + timedelta(hours=1)):
            self.Rule._cron_detect()
        self.assertEqual(self._issues().lot_id, self.lot_b)

    def test_open_issue_figures_follow_its_lines(self):
        first = self._complain(self.lot_b, 5)
        with self._at(NOW):
            self.Rule._cron_detect(full=True)
        issue = self._issues()
        self.assertEqual(issue.affected_qty, 5)
        self._age(first, days=1)
        # a line's quantity corrected since the mark
        first.complaint_line_ids.quantity = 7
        with self._at(NOW + timedelta(hours=1)):
            self.Rule._cron_detect()
        self.assertEqual(issue.affected_qty, 7)

    def test_a_failed_run_keeps_the_mark(self):
        self.company.quality_detection_since = NOW - timedelta(days=1)
        original = QualityBatchRule._detect

        def failing(rule, **kwargs):
            raise ValueError("the database went away")

        self._complain(self.lot_b, 5)
        with self._at(NOW), patch.object(QualityBatchRule, "_detect", failing):
            self.Rule._cron_detect()
        self.assertEqual(self.company.quality_detection_since, NOW - timedelta(days=1))
        self.assertFalse(self._issues())
        with (
            self._at(NOW + timedelta(hours=1)),
            patch.object(QualityBatchRule, "_detect", original),
        ):
            self.Rule._cron_detect()
        self.assertEqual(self._issues().lot_id, self.lot_b, "redone, not missed")
        self.assertEqual(self.company.quality_detection_since, NOW + timedelta(hours=1))

    def test_the_mark_is_per_company(self):
        other = self.env["res.company"].create({"name": "Second Plant"})
        self.env["quality.batch.rule"].create(
            {
                "name": "Second plant lots",
                "company_id": other.id,
                "scope": "lot",
                "threshold": 5,
            }
        )
        self.company.quality_detection_since = NOW - timedelta(days=1)
        with self._at(NOW):
            self.Rule.search([])._cron_detect()
        self.assertEqual(other.quality_detection_since, NOW)
        self.assertEqual(self.company.quality_detection_since, NOW)

    def test_incremental_and_full_runs_give_the_same_issues(self):
        """After the same changes, the hourly run leaves the issues a full
        run makes from scratch."""
        lot_d = self._create_lot("LOT-D")
        self._receive({lot_d: 20, self.lot_c: 20})
        base = self._complain(self.lot_b, 5) | self._complain(self.lot_c, 3)
        with self._at(NOW):
            self.Rule._cron_detect(full=True)
        self._age(base, days=1)
        # since the mark: LOT-C crosses, LOT-B grows, LOT-D stays below
        self._complain(self.lot_c, 2)
        self._complain(self.lot_b, 1)
        self._complain(lot_d, 4)
        with self._at(NOW + timedelta(hours=1)):
            self.Rule._cron_detect()

        def snapshot():
            return {
                issue.lot_id.name: (
                    issue.affected_qty,
                    sorted(issue.line_ids.ids),
                    sorted(issue.ticket_ids.ids),
                )
                for issue in self._issues()
            }

        incremental = snapshot()
        self.assertEqual(set(incremental), {"LOT-B", "LOT-C"})
        self._issues().with_context(active_test=False).sudo().unlink()
        with self._at(NOW + timedelta(hours=2)):
            self.Rule._cron_detect(full=True)
        self.assertEqual(snapshot(), incremental)
