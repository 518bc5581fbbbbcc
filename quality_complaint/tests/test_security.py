from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import QualityComplaintCommon, new_portal_user


@tagged("post_install", "-at_install")
class TestSecurity(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_distributor = cls._portal_user("distributor", cls.distributor)
        cls.portal_direct = cls._portal_user("direct", cls.direct_customer)
        cls.ticket_distributor = cls._create_complaint(
            partner=cls.distributor, lines=[(cls.lot_a, 2)]
        )
        cls.ticket_direct = cls._create_complaint(
            partner=cls.direct_customer, lines=[(cls.lot_b, 1)]
        )

    @classmethod
    def _portal_user(cls, login, company):
        """A portal user who is a contact of the customer `company`."""
        return new_portal_user(
            cls.env, f"qc_portal_{login}", company, name=f"Buyer at {company.name}"
        )

    def test_group_hierarchy(self):
        self.assertTrue(
            self.manager.has_group("quality_complaint.group_quality_engineer")
        )
        self.assertTrue(
            self.manager.has_group("quality_complaint.group_quality_complaint_user")
        )
        self.assertTrue(self.manager.has_group("helpdesk_mgmt.group_helpdesk_manager"))
        self.assertTrue(self.engineer.has_group("helpdesk_mgmt.group_helpdesk_user"))
        self.assertFalse(
            self.engineer.has_group("quality_complaint.group_quality_manager")
        )
        self.assertTrue(self.cs_user.has_group("helpdesk_mgmt.group_helpdesk_user"))

    def test_only_managers_configure_defect_types(self):
        DefectType = self.env["quality.defect.type"]
        for user in (self.cs_user, self.engineer):
            with self.subTest(user=user.login):
                self.assertTrue(DefectType.with_user(user).search([]))
                with self.assertRaises(AccessError):
                    DefectType.with_user(user).create({"name": "Noise", "code": "N1"})
                with self.assertRaises(AccessError):
                    self.defect_leak.with_user(user).name = "Renamed"
        self.assertFalse(DefectType.search([("code", "=", "N1")]))
        DefectType.with_user(self.manager).create({"name": "Noise", "code": "N1"})
        self.assertTrue(DefectType.search([("code", "=", "N1")]))

    def test_only_managers_configure_quality_stages(self):
        stage = self.stages["investigation"]
        with self.assertRaises(AccessError):
            stage.with_user(self.engineer).quality_phase = "triage"
        self.assertEqual(stage.quality_phase, "investigation")

    def test_customer_service_registers_complaints(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 1)]).with_user(self.cs_user)
        ticket.complaint_line_ids.quantity = 4
        self.assertEqual(ticket.affected_qty, 4)
        # traced documents are readable without inventory rights
        self.assertEqual(
            ticket.complaint_line_ids.delivery_picking_id.name, self.delivery_a.name
        )
        self.assertEqual(ticket.complaint_line_ids.vendor_id.name, self.vendor.name)

    def test_portal_sees_only_own_commercial_partner_lines(self):
        Line = self.env["quality.complaint.line"]
        lines = Line.with_user(self.portal_distributor).search([])
        self.assertEqual(lines, self.ticket_distributor.complaint_line_ids)
        lines = Line.with_user(self.portal_direct).search([])
        self.assertEqual(lines, self.ticket_direct.complaint_line_ids)
        with self.assertRaises(AccessError):
            self.ticket_direct.complaint_line_ids.with_user(
                self.portal_distributor
            ).read(["quantity"])
        with self.assertRaises(AccessError):
            self.ticket_distributor.with_user(self.portal_direct).read(["name"])

    def test_portal_never_reads_internal_fields(self):
        ticket = self.ticket_distributor.with_user(self.portal_distributor)
        self.assertEqual(
            ticket.read(["number"])[0]["number"], self.ticket_distributor.number
        )
        for fname in (
            "root_cause",
            "cause_category",
            "responsible_partner_id",
            "remedy_amount",
        ):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                ticket.read([fname])
        line = ticket.complaint_line_ids
        self.assertEqual(line.read(["quantity"])[0]["quantity"], 2)
        for fname in ("vendor_id", "purchase_order_id"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                line.read([fname])

    def test_portal_customer_can_answer_on_a_complaint(self):
        """A customer's message goes through the SLA hooks without rights on
        them, and is no answer of the company."""
        ticket = self.ticket_distributor.with_user(self.portal_distributor)
        ticket.message_post(
            body="Any news?", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        response = self.ticket_distributor.sla_ids.filtered(
            lambda sla: sla.milestone == "response"
        )
        self.assertEqual(response.state, "running")

    def test_helpdesk_user_without_quality_group_edits_a_complaint(self):
        helpdesk_user = new_test_user(
            self.env,
            login="qc_plain_helpdesk",
            groups="helpdesk_mgmt.group_helpdesk_user",
        )
        ticket = self.ticket_distributor.with_user(helpdesk_user)
        ticket.write({"defect_type_id": self.defect_scratch.id, "active": False})
        self.assertEqual(self.ticket_distributor.severity, "minor")

    def test_portal_cannot_write_lines(self):
        line = self.ticket_distributor.complaint_line_ids.with_user(
            self.portal_distributor
        )
        with self.assertRaises(AccessError):
            line.quantity = 99
        self.assertEqual(self.ticket_distributor.complaint_line_ids.quantity, 2)

    def test_deletion_refused_past_intake(self):
        ticket = self._ready_for(self._create_complaint(), "investigation")
        ticket.stage_id = self.stages["triage"]
        with self.assertRaisesMessage(UserError, "archive them instead"):
            ticket.with_user(self.manager).unlink()
        self.assertTrue(ticket.exists())
        ticket.with_user(self.manager).active = False
        self.assertFalse(ticket.active)

    def test_deletion_allowed_at_intake_for_managers_only(self):
        ticket = self._create_complaint()
        with self.assertRaises(AccessError):
            ticket.with_user(self.cs_user).unlink()
        ticket.with_user(self.manager).unlink()
        self.assertFalse(ticket.exists())

    def test_multi_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.manager.company_ids = [Command.link(other_company.id)]
        other_defect = self.env["quality.defect.type"].create(
            {"name": "Other", "code": "OTHER", "company_id": other_company.id}
        )
        DefectType = self.env["quality.defect.type"].with_user(self.manager)
        self.assertNotIn(
            other_defect,
            DefectType.with_context(allowed_company_ids=[self.company.id]).search([]),
        )
        self.assertIn(
            other_defect,
            DefectType.with_context(allowed_company_ids=[other_company.id]).search([]),
        )
