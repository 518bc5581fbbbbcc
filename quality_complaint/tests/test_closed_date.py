from datetime import date, datetime

from odoo.tests import tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestClosedDate(QualityComplaintCommon):
    """A complaint created in its closed stage (an import) is dated closed
    when created, so that digests count it like a complaint moved there."""

    def _create_closed(self):
        return self._create_complaint(
            lines=[(self.lot_a, 1)],
            name="Imported closed complaint",
            defect_type_id=self.defect_leak.id,
            root_cause="<p>Brittle resin</p>",
            cause_category="production",
            remedy_type="replace",
            satisfaction="4",
            follow_up_feedback="Works again.",
            stage_id=self.stages["done"].id,
        )

    def test_created_closed_is_dated(self):
        when = datetime(2026, 3, 3, 9, 0)
        with self._at(when):
            complaint = self._create_closed()
        self.assertEqual(complaint.quality_phase, "done")
        self.assertEqual(complaint.closed_date, when)
        open_complaint = self._create_complaint(lines=[(self.lot_a, 1)])
        self.assertFalse(open_complaint.closed_date)

    def test_digest_counts_complaints_created_closed(self):
        with self._at(datetime(2026, 3, 3, 9, 0)):
            self._create_closed()
        values = self.env["quality.complaint.digest"]._digest_values(
            self.company, date(2026, 3, 2), date(2026, 3, 8)
        )
        self.assertEqual(values["closed_count"], 1)
