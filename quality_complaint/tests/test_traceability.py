from datetime import datetime

from odoo.tests import tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestTraceability(QualityComplaintCommon):
    def test_lot_traced_to_receipt_purchase_order_and_vendor(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        line = ticket.complaint_line_ids
        self.assertEqual(line.purchase_order_id, self.purchase_order)
        self.assertEqual(line.vendor_id, self.vendor)
        self.assertEqual(line.receipt_picking_id, self.purchase_order.picking_ids)

    def test_first_receipt_is_the_one_answer(self):
        """A lot received twice traces to its first receipt."""
        self._receive({self.lot_a: 5})
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        self.assertEqual(
            ticket.complaint_line_ids.receipt_picking_id,
            self.purchase_order.picking_ids,
        )

    def test_lot_traced_to_delivery_of_this_customer(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        line = ticket.complaint_line_ids
        self.assertEqual(line.delivery_picking_id, self.delivery_a)
        self.assertEqual(
            line.delivery_date, self._today(line, self.delivery_a.date_done)
        )
        self.assertEqual(line.warranty_state, "in_warranty")
        self.assertEqual(ticket.warranty_state, "in_warranty")

    def test_contact_of_customer_traces_to_company_delivery(self):
        contact = self.env["res.partner"].create(
            {"name": "Store manager", "parent_id": self.distributor.id}
        )
        ticket = self._create_complaint(partner=contact, lines=[(self.lot_a, 1)])
        self.assertEqual(ticket.complaint_line_ids.delivery_picking_id, self.delivery_a)

    def test_lot_delivered_to_someone_else(self):
        # lot A went to the distributor only: nothing for the hotel
        ticket = self._create_complaint(partner=self.end_user, lines=[(self.lot_a, 1)])
        line = ticket.complaint_line_ids
        self.assertFalse(line.delivery_picking_id)
        self.assertFalse(line.delivery_date)
        self.assertEqual(line.warranty_state, "unknown")
        # the vendor side does not depend on the customer
        self.assertEqual(line.vendor_id, self.vendor)

    def test_lot_never_received_from_vendor(self):
        lot = self._create_lot("LOT-MADE-HERE")
        ticket = self._create_complaint(lines=[(lot, 1)])
        self.assertFalse(ticket.complaint_line_ids.purchase_order_id)
        self.assertFalse(ticket.complaint_line_ids.vendor_id)
        self.assertFalse(ticket.complaint_line_ids.receipt_picking_id)

    def test_warranty_expired(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        line = ticket.complaint_line_ids
        # delivered in January 2024, complained about in 2026: 12 months are over
        self.delivery_a.move_line_ids.date = datetime(2024, 1, 15, 10, 0)
        line._recompute_traceability()
        self.assertEqual(str(line.delivery_date), "2024-01-15")
        self.assertEqual(str(line.warranty_end_date), "2025-01-15")
        self.assertEqual(line.warranty_state, "out_of_warranty")
        self.assertEqual(ticket.warranty_state, "out_of_warranty")
        # a longer warranty covers it again
        self.product.complaint_warranty_months = 60
        self.assertEqual(line.warranty_state, "in_warranty")
        # no warranty at all
        self.product.complaint_warranty_months = 0
        self.assertEqual(line.warranty_state, "out_of_warranty")

    def test_delivery_after_complaint_date_is_ignored(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        line = ticket.complaint_line_ids
        line.date = "2020-01-01"
        self.assertFalse(line.delivery_picking_id)

    def test_later_delivery_refreshes_complaint_lines(self):
        ticket = self._create_complaint(partner=self.end_user, lines=[(self.lot_b, 1)])
        line = ticket.complaint_line_ids
        self.assertFalse(line.delivery_picking_id)
        delivery = self._deliver(self.end_user, {self.lot_b: 3})
        self.assertEqual(line.delivery_picking_id, delivery)
        self.assertEqual(line.warranty_state, "in_warranty")

    def test_traceability_query_count_independent_of_line_count(self):
        """Tracing 20 lines costs the same queries as tracing one."""
        lots = self.env["stock.lot"].create(
            [
                {"name": f"QC-LOT-{i:02d}", "product_id": self.product.id}
                for i in range(20)
            ]
        )
        self._receive(dict.fromkeys(lots, 2))
        self._deliver(self.distributor, dict.fromkeys(lots, 1))
        self._create_complaint(name="warm-up", lines=[(lots[0], 1)])
        counts = {}
        for size in (1, 20):
            lines = [(lot, 1) for lot in lots[:size]]
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            ticket = self._create_complaint(name=f"{size} lines", lines=lines)
            self.env.flush_all()
            counts["create", size] = self.env.cr.sql_log_count - before

            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            ticket.complaint_line_ids._recompute_traceability()
            counts["trace", size] = self.env.cr.sql_log_count - before

            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            ticket.read(["affected_qty", "warranty_state", "lot_count", "product_id"])
            ticket.complaint_line_ids.read(
                [
                    "product_id",
                    "lot_id",
                    "quantity",
                    "delivery_picking_id",
                    "delivery_date",
                    "vendor_id",
                    "purchase_order_id",
                    "warranty_state",
                ]
            )
            counts["read", size] = self.env.cr.sql_log_count - before
            self.assertEqual(len(ticket.complaint_line_ids.delivery_picking_id), 1)
            self.assertEqual(len(ticket.complaint_line_ids.filtered("vendor_id")), size)
        for step in ("create", "trace", "read"):
            with self.subTest(step=step):
                self.assertEqual(counts[step, 1], counts[step, 20], counts)
