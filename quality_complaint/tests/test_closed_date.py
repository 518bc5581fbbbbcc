import importlib.util
from datetime import date, datetime
from pathlib import Path

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

    def test_migration_dates_complaints_closed_before(self):
        """18.0.1.4.0 dates the complaints created closed before it."""
        with self._at(datetime(2026, 3, 3, 9, 0)):
            complaint = self._create_closed()
        complaint.flush_recordset()
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET closed_date = NULL,"
            " last_stage_update = '2026-03-04 10:00:00' WHERE id = %s",
            [complaint.id],
        )
        path = Path(__file__).parent.parent / "migrations/18.0.1.4.0/post-migration.py"
        spec = importlib.util.spec_from_file_location("qc_migration_1_4", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.3.0")
        complaint.invalidate_recordset()
        self.assertEqual(complaint.closed_date, datetime(2026, 3, 4, 10, 0))
        self.assertTrue(self.env.ref("stock.stock_location_suppliers").allow_locked)
        self.assertEqual(
            self.env.ref("base.main_company").quality_quarantine_location_id,
            self.env.ref("quality_complaint.stock_location_quality_quarantine"),
        )
