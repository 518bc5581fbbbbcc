import re
from contextlib import contextmanager
from datetime import datetime, time

from odoo import Command, fields
from odoo.tests import HttpCase, freeze_time, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT, BaseCommon


class QualityComplaintCommon(BaseCommon):
    """A lot-tracked product bought from a vendor and delivered to customers."""

    @staticmethod
    def _today(records, timestamp=None):
        """The date the code running on `records` calls today (or the date of
        the naive UTC `timestamp`): its user's time zone decides, not the
        machine's. The demo administrator works in Brussels: from 23:00 UTC it
        is already tomorrow there."""
        return fields.Date.context_today(records, timestamp)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.team = cls.env.ref("quality_complaint.helpdesk_ticket_team_quality")
        cls.stages = {
            phase: cls.env.ref(
                f"quality_complaint.helpdesk_ticket_stage_quality_{phase}"
            )
            for phase in (
                "intake",
                "triage",
                "investigation",
                "solution",
                "execution",
                "follow_up",
                "done",
                "rejected",
            )
        }
        cls.cs_user = new_test_user(
            cls.env,
            login="qc_customer_service",
            groups="quality_complaint.group_quality_complaint_user",
        )
        cls.engineer = new_test_user(
            cls.env,
            login="qc_engineer",
            groups="quality_complaint.group_quality_engineer",
        )
        cls.manager = new_test_user(
            cls.env,
            login="qc_manager",
            groups="quality_complaint.group_quality_manager",
        )
        Partner = cls.env["res.partner"]
        cls.vendor = Partner.create({"name": "Membrane Vendor", "is_company": True})
        cls.distributor = Partner.create(
            {
                "name": "A-class Distributor",
                "is_company": True,
                "complaint_customer_tier": "distributor",
            }
        )
        cls.sub_distributor = Partner.create(
            {
                "name": "Sub-distributor",
                "is_company": True,
                "complaint_customer_tier": "sub_distributor",
                "parent_id": cls.distributor.id,
            }
        )
        cls.end_user = Partner.create(
            {
                "name": "Hotel End User",
                "is_company": True,
                "complaint_customer_tier": "end_user",
                "parent_id": cls.sub_distributor.id,
            }
        )
        cls.direct_customer = Partner.create(
            {
                "name": "Direct Buyer",
                "is_company": True,
                "complaint_customer_tier": "direct",
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Water Purifier",
                "is_storable": True,
                "tracking": "lot",
                "standard_price": 100.0,
                "complaint_warranty_months": 12,
            }
        )
        cls.other_product = cls.env["product.product"].create(
            {"name": "Filter Cartridge", "is_storable": True, "tracking": "lot"}
        )
        cls.defect_leak = cls.env["quality.defect.type"].create(
            {"name": "Leakage", "code": "T-LEAK", "default_severity": "major"}
        )
        cls.defect_scratch = cls.env["quality.defect.type"].create(
            {"name": "Scratch", "code": "T-SCRATCH", "default_severity": "minor"}
        )
        cls.lot_a = cls._create_lot("LOT-A")
        cls.lot_b = cls._create_lot("LOT-B")
        cls.purchase_order = cls._receive({cls.lot_a: 20, cls.lot_b: 20})
        cls.delivery_a = cls._deliver(cls.distributor, {cls.lot_a: 10})

    @classmethod
    def _create_factory_calendar(cls, holiday):
        """Monday to Friday, 8-12 and 13-17 UTC, with a public holiday on the
        date `holiday`."""
        calendar = cls.env["resource.calendar"].create(
            {
                "name": "Factory hours (UTC)",
                "tz": "UTC",
                "company_id": False,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": stop,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for period, start, stop in (
                        ("morning", 8, 12),
                        ("afternoon", 13, 17),
                    )
                ],
            }
        )
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": calendar.id,
                "date_from": datetime.combine(holiday, time.min),
                "date_to": datetime.combine(holiday, time(23, 59, 59)),
                "time_type": "leave",
            }
        )
        return calendar

    @classmethod
    def _create_lot(cls, name, product=None):
        return cls.env["stock.lot"].create(
            {"name": name, "product_id": (product or cls.product).id}
        )

    @classmethod
    def _receive(cls, qty_by_lot, vendor=None):
        """Buy and receive the lots from the vendor; return the purchase order."""
        order = cls.env["purchase.order"].create(
            {
                "partner_id": (vendor or cls.vendor).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_qty": sum(qty_by_lot.values()),
                            "price_unit": 100.0,
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        move = order.picking_ids.move_ids
        move.move_line_ids.unlink()
        move.write(
            {
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "lot_id": lot.id,
                            "quantity": qty,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
                    for lot, qty in qty_by_lot.items()
                ],
                "picked": True,
            }
        )
        order.picking_ids.button_validate()
        return order

    @classmethod
    def _deliver(cls, partner, qty_by_lot):
        """Deliver the lots to the customer; return the done delivery."""
        picking_type = cls.env.ref("stock.picking_type_out")
        picking = cls.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": picking_type.id,
                "location_id": picking_type.default_location_src_id.id,
                "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "lot_id": lot.id,
                            "quantity": qty,
                            "picked": True,
                        }
                    )
                    for lot, qty in qty_by_lot.items()
                ],
            }
        )
        picking.button_validate()
        return picking

    @classmethod
    def _create_complaint(cls, partner=None, lines=None, **vals):
        """A quality complaint; `lines` is a list of (lot, quantity)."""
        values = {
            "name": "Leaking purifier",
            "description": "<p>Water on the floor</p>",
            "team_id": cls.team.id,
            "partner_id": (partner or cls.distributor).id,
        }
        if lines is not None:
            values["complaint_line_ids"] = [
                Command.create(
                    {"product_id": lot.product_id.id, "lot_id": lot.id, "quantity": qty}
                )
                for lot, qty in lines
            ]
        values.update(vals)
        return cls.env["helpdesk.ticket"].create(values)

    @contextmanager
    def _at(self, when):
        """Freeze Python's clock and the transaction's (create_date) at `when`."""
        previous = self.env.cr._now
        self.env.cr._now = when
        try:
            with freeze_time(when):
                yield
        finally:
            self.env.cr._now = previous

    def _ready_for(self, ticket, phase):
        """Fill what every gate up to `phase` asks for."""
        vals = {}
        if phase in ("investigation", "solution", "execution", "follow_up", "done"):
            vals["defect_type_id"] = self.defect_leak.id
            if not ticket.complaint_line_ids:
                vals["complaint_line_ids"] = [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "lot_id": self.lot_a.id,
                            "quantity": 1,
                        }
                    )
                ]
        if phase in ("solution", "execution", "follow_up", "done"):
            vals.update(root_cause="<p>Brittle resin</p>", cause_category="production")
        if phase in ("execution", "follow_up", "done"):
            vals["remedy_type"] = "replace"
        if phase == "done":
            vals["satisfaction"] = "4"
            vals["follow_up_feedback"] = "Works again."
        ticket.write(vals)
        return ticket

    @contextmanager
    def assertRaisesMessage(self, exception, message):
        """assertRaises (which rolls back to a savepoint, unlike
        assertRaisesRegex) that also checks the error names `message`."""
        with self.assertRaises(exception) as context:
            yield context
        self.assertIn(message, str(context.exception))


def new_portal_user(env, login, company, **partner_values):
    """A portal user whose contact works for the customer `company` (its
    commercial partner); its password is its login."""
    partner = env["res.partner"].create(
        dict(
            {"name": login.replace("_", " ").title(), "parent_id": company.id},
            **partner_values,
        )
    )
    return new_test_user(
        env, login=login, groups="base.group_portal", partner_id=partner.id
    )


class QualityPortalCommon(HttpCase):
    """Portal tests over HTTP: customers with portal users, the complaint
    form's CSRF token, and the quality team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.team = cls.env.ref("quality_complaint.helpdesk_ticket_team_quality")

    @classmethod
    def _create_customer(cls, name, **values):
        return cls.env["res.partner"].create(dict(name=name, is_company=True, **values))

    @classmethod
    def _stock_and_deliver(cls, partner, lot, quantity):
        """Put `quantity` units of `lot` in stock and deliver them to `partner`:
        the portal offers a customer its delivered products and lots."""
        picking_type = cls.env.ref("stock.picking_type_out")
        stock = picking_type.default_location_src_id
        cls.env["stock.quant"]._update_available_quantity(
            lot.product_id, stock, quantity, lot_id=lot
        )
        picking = cls.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": picking_type.id,
                "location_id": stock.id,
                "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "lot_id": lot.id,
                            "quantity": quantity,
                            "picked": True,
                        }
                    )
                ],
            }
        )
        picking.button_validate()
        return picking

    def _form_csrf(self, url="/my/quality/complaint/new"):
        """The CSRF token of the form page at `url` (the user must be logged in)."""
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
