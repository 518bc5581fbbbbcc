from odoo.tests import tagged

from .common import QualityPortalCommon, new_portal_user


@tagged("post_install", "-at_install")
class TestPortalTicketClose(QualityPortalCommon):
    """helpdesk_mgmt's /ticket/close moves any ticket as superuser: only the
    customer's own tickets may be closed, to a stage of their team that allows
    it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Close Customer")
        cls.other_customer = cls._create_customer("Close Other Customer")
        cls.portal_user = new_portal_user(cls.env, "close_portal", cls.customer)
        cls.service_team = cls.env["helpdesk.ticket.team"].create(
            {"name": "After-sales Service"}
        )
        cls.stage_new = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        cls.stage_done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.quality_team = cls.team

    def _ticket(self, partner, team):
        return self.env["helpdesk.ticket"].create(
            {
                "name": f"Ticket of {partner.name}",
                "description": "<p>x</p>",
                "team_id": team.id,
                "partner_id": partner.id,
            }
        )

    def _close(self, ticket, stage):
        return self.url_open(
            f"/ticket/close?ticket_id={ticket.id}&stage_id={stage.id}",
            allow_redirects=False,
        )

    def test_customer_closes_own_ticket(self):
        ticket = self._ticket(self.customer, self.service_team)
        self.authenticate("close_portal", "close_portal")
        response = self._close(ticket, self.stage_done)
        self.assertEqual(response.status_code, 302)
        self.assertIn(f"/my/ticket/{ticket.id}", response.headers["Location"])
        ticket.invalidate_recordset()
        self.assertEqual(ticket.stage_id, self.stage_done)

    def test_another_customers_ticket_is_not_closed(self):
        ticket = self._ticket(self.other_customer, self.service_team)
        stage = ticket.stage_id
        self.authenticate("close_portal", "close_portal")
        response = self._close(ticket, self.stage_done)
        self.assertEqual(response.status_code, 404)
        ticket.invalidate_recordset()
        self.assertEqual(ticket.stage_id, stage)
        self.assertFalse(ticket.closed_date)

    def test_complaint_is_not_closed_to_a_generic_stage(self):
        complaint = self._ticket(self.customer, self.quality_team)
        stage = complaint.stage_id
        self.assertEqual(stage.quality_phase, "intake")
        self.authenticate("close_portal", "close_portal")
        # a stage without quality phase: refused, not a server error
        response = self._close(complaint, self.stage_done)
        self.assertEqual(response.status_code, 404)
        complaint.invalidate_recordset()
        self.assertEqual(complaint.stage_id, stage)

    def test_bad_parameters(self):
        ticket = self._ticket(self.customer, self.service_team)
        self.authenticate("close_portal", "close_portal")
        for query in (
            "",
            f"ticket_id={ticket.id}",
            f"ticket_id={ticket.id}&stage_id=x",
            f"ticket_id=999999999&stage_id={self.stage_done.id}",
            f"ticket_id={ticket.id}&stage_id={self.stage_new.id}",
        ):
            with self.subTest(query=query):
                response = self.url_open(
                    f"/ticket/close?{query}", allow_redirects=False
                )
                self.assertEqual(response.status_code, 404)
        ticket.invalidate_recordset()
        self.assertFalse(ticket.closed_date)


@tagged("post_install", "-at_install")
class TestPortalQuantity(QualityPortalCommon):
    """Quantities Python reads as floats but the ORM cannot store are form
    errors, not server errors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Quantity Purifier", "sale_ok": True, "is_storable": True}
        )
        cls.portal_user = new_portal_user(
            cls.env, "quantity_portal", cls._create_customer("Quantity Customer")
        )

    def test_non_finite_quantities_are_refused(self):
        self.authenticate("quantity_portal", "quantity_portal")
        csrf = self._form_csrf()
        for quantity in ("nan", "inf", "-inf", "1e400", "abc"):
            with self.subTest(quantity=quantity):
                response = self.url_open(
                    "/my/quality/complaint/submit",
                    data={
                        "product_id": str(self.product.id),
                        "quantity": quantity,
                        "subject": "Odd quantity",
                        "description": "Drips",
                        "csrf_token": csrf,
                    },
                )
                self.assertEqual(response.status_code, 200)
                self.assertIn("The quantity must be more than zero.", response.text)
        self.assertFalse(
            self.env["helpdesk.ticket"].search(
                [("partner_id", "=", self.portal_user.partner_id.id)]
            )
        )
