"""What people tripped over in their first week (issue 16), each fixed."""

import base64
import json
import re

from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import file_open

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

from .common import QualityComplaintCommon, QualityPortalCommon, new_portal_user


def arch_of(model, view_type):
    return etree.fromstring(
        model.get_views([(False, view_type)])["views"][view_type]["arch"]
    )


@tagged("post_install", "-at_install")
class TestTripUps(QualityComplaintCommon):
    # The line's defect type and the complaint's

    def test_line_defect_proposes_the_complaint_defect_and_severity(self):
        with Form(self.env["helpdesk.ticket"].with_user(self.cs_user)) as form:
            form.name = "Leaking purifier"
            form.description = "<p>Water on the floor</p>"
            form.team_id = self.team
            form.partner_id = self.distributor
            self.assertFalse(form.defect_type_id)
            with form.complaint_line_ids.new() as line:
                line.lot_id = self.lot_a
                line.defect_type_id = self.defect_leak
            self.assertEqual(form.defect_type_id, self.defect_leak)
            self.assertEqual(form.severity, "major")
            # a second line's other failure does not replace the complaint's
            with form.complaint_line_ids.new() as line:
                line.lot_id = self.lot_b
                self.assertEqual(line.defect_type_id, self.defect_leak)
                line.defect_type_id = self.defect_scratch
        ticket = form.record
        self.assertEqual(ticket.defect_type_id, self.defect_leak)
        self.assertEqual(ticket.severity, "major")
        self.assertEqual(
            ticket.complaint_line_ids.mapped("defect_type_id"),
            self.defect_leak | self.defect_scratch,
        )

    def test_lines_created_with_a_defect_give_it_to_the_complaint(self):
        ticket = self._create_complaint(
            complaint_line_ids=[
                Command.create(
                    {
                        "product_id": self.product.id,
                        "lot_id": self.lot_a.id,
                        "quantity": 1,
                        "defect_type_id": self.defect_scratch.id,
                    }
                )
            ]
        )
        self.assertEqual(ticket.defect_type_id, self.defect_scratch)
        self.assertEqual(ticket.severity, "minor")

    # The list's customer

    def test_complaint_list_shows_the_customer(self):
        arch = arch_of(self.env["helpdesk.ticket"].with_user(self.cs_user), "list")
        customer = arch.xpath("//field[@name='commercial_partner_id']")
        self.assertEqual(len(customer), 1)
        self.assertEqual(customer[0].get("string"), "Customer")
        self.assertEqual(customer[0].get("optional"), "show")
        self.assertEqual(
            arch.xpath("//field[@name='partner_name']")[0].get("optional"), "hide"
        )
        ticket = self._create_complaint(partner=self.end_user)
        self.assertEqual(ticket.commercial_partner_id, self.end_user)

    # Supplier material: the responsible vendor

    def test_supplier_material_proposes_the_traced_vendor(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        self.assertEqual(ticket.complaint_line_ids.vendor_id, self.vendor)
        ticket.with_user(self.engineer).cause_category = "production"
        self.assertFalse(ticket.responsible_partner_id)
        ticket.with_user(self.engineer).cause_category = "material"
        self.assertEqual(ticket.responsible_partner_id, self.vendor)
        # chosen by hand, it stays
        other = self.env["res.partner"].create({"name": "Housing Vendor"})
        ticket.with_user(self.engineer).responsible_partner_id = other
        ticket.with_user(self.engineer).cause_category = "production"
        ticket.with_user(self.engineer).cause_category = "material"
        self.assertEqual(ticket.responsible_partner_id, other)

    def test_two_vendors_propose_none(self):
        second_vendor = self.env["res.partner"].create({"name": "Second Vendor"})
        lot_c = self._create_lot("LOT-C")
        self._receive({lot_c: 5}, vendor=second_vendor)
        ticket = self._create_complaint(lines=[(self.lot_a, 1), (lot_c, 1)])
        ticket.cause_category = "material"
        self.assertFalse(ticket.responsible_partner_id)

    def test_solution_gate_names_the_missing_vendor(self):
        """The form does not require the vendor itself (a bare "Invalid
        fields: Responsible Vendor"): the gate says it, as for the others."""
        ticket = self._ready_for(self._create_complaint(), "solution")
        for phase in ("triage", "investigation"):
            ticket.stage_id = self.stages[phase]
        arch = arch_of(self.env["helpdesk.ticket"].with_user(self.engineer), "form")
        vendor = arch.xpath("//field[@name='responsible_partner_id']")[0]
        self.assertFalse(vendor.get("required"))
        form = Form(ticket.with_user(self.engineer))
        form.cause_category = "material"
        form.responsible_partner_id = self.env["res.partner"]
        form.stage_id = self.stages["solution"]
        with self.assertRaisesMessage(UserError, "the responsible vendor"):
            form.save()

    # Batch problem: hold and release

    def test_batch_problem_offers_hold_only_for_lots_not_held(self):
        tickets = self._create_complaint(lines=[(self.lot_a, 5)])
        issue = self.env["quality.batch.issue"].create(
            {
                "rule_id": self.env.ref("quality_complaint.quality_batch_rule_lot").id,
                "company_id": self.company.id,
                "lot_id": self.lot_a.id,
                "product_id": self.product.id,
                "ticket_ids": [Command.set(tickets.ids)],
                "line_ids": [Command.set(tickets.complaint_line_ids.ids)],
                "affected_qty": 5,
            }
        )
        self.assertTrue(issue.has_lots_to_hold)
        issue.with_user(self.manager).action_hold_lots()
        self.assertEqual(issue.held_lot_ids, self.lot_a)
        self.assertFalse(issue.has_lots_to_hold)
        issue.with_user(self.manager).action_release_lots()
        self.assertTrue(issue.has_lots_to_hold)
        arch = arch_of(self.env["quality.batch.issue"].with_user(self.manager), "form")
        hold = arch.xpath("//button[@name='action_hold_lots']")[0]
        release = arch.xpath("//button[@name='action_release_lots']")[0]
        self.assertIn("not has_lots_to_hold", hold.get("invisible"))
        self.assertEqual(release.get("invisible"), "not held_lot_ids")

    def test_batch_kanban_badges_say_what_they_count(self):
        arch = etree.tostring(
            arch_of(self.env["quality.batch.issue"].with_user(self.manager), "kanban"),
            encoding="unicode",
        )
        self.assertRegex(arch, r'<field name="affected_qty"[^>]*/>\s*units')
        self.assertRegex(arch, r'<field name="ratio"[^>]*/>\s*% of installed base')

    # Supplier claims: buyer and currency

    def test_drafted_claim_gets_the_order_buyer_not_odoobot(self):
        buyer = new_test_user(
            self.env, login="qc_buyer", groups="purchase.group_purchase_user"
        )
        self.purchase_order.user_id = buyer
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        # drafted by detection or data loading: OdooBot runs it
        claim = (
            self.env["quality.supplier.claim"]
            .with_user(self.env.ref("base.user_root"))
            ._create_from_complaint_lines(ticket.complaint_line_ids)
        )
        self.assertEqual(claim.user_id, buyer)

    def test_drafted_claim_falls_back_to_the_vendor_buyer(self):
        buyer = new_test_user(
            self.env, login="qc_vendor_buyer", groups="purchase.group_purchase_user"
        )
        self.purchase_order.user_id = self.env.ref("base.user_root")
        self.vendor.buyer_id = buyer
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        claim = (
            self.env["quality.supplier.claim"]
            .with_user(self.engineer)
            ._create_from_complaint_lines(ticket.complaint_line_ids)
        )
        self.assertEqual(claim.user_id, buyer)

    def test_drafted_claim_has_no_buyer_rather_than_odoobot(self):
        self.purchase_order.user_id = self.env.ref("base.user_root")
        self.vendor.buyer_id = False
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        claim = (
            self.env["quality.supplier.claim"]
            .with_user(self.env.ref("base.user_root"))
            ._create_from_complaint_lines(ticket.complaint_line_ids)
        )
        self.assertFalse(claim.user_id)
        # a quality engineer without purchase rights is no buyer either
        ticket = self._create_complaint(lines=[(self.lot_a, 1)])
        claim = (
            self.env["quality.supplier.claim"]
            .with_user(self.engineer)
            ._create_from_complaint_lines(ticket.complaint_line_ids)
        )
        self.assertFalse(claim.user_id)

    def test_amounts_show_their_currency_without_multi_currency(self):
        """A monetary field shows its currency only when the currency field
        is in the view: not hidden behind the multi-currency group."""
        users = {
            "quality.supplier.claim": new_test_user(
                self.env, login="qc_claim_buyer", groups="purchase.group_purchase_user"
            ),
            "helpdesk.ticket": self.engineer,
        }
        for model, user in users.items():
            self.assertFalse(user.has_group("base.group_multi_currency"))
            Model = self.env[model].with_user(user)
            arch = arch_of(Model, "form")
            present = {node.get("name") for node in arch.iter("field")}
            for node in arch.iter("field"):
                field = Model._fields.get(node.get("name"))
                if field is None or field.type != "monetary":
                    continue
                # a monetary field of a sub-list needs its currency there
                scope = node.getparent()
                while scope is not None and scope.tag not in ("list", "form"):
                    scope = scope.getparent()
                names = (
                    {n.get("name") for n in scope.iter("field")}
                    if scope is not None and scope.tag == "list"
                    else present
                )
                with self.subTest(model=model, field=field.name):
                    self.assertIn(field.get_currency_field(Model), names)

    # Notes in the company's language

    def _load_zh_cn(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        self.company.partner_id.lang = "zh_CN"

    def test_detection_notes_in_the_company_language(self):
        self._load_zh_cn()
        rule = self.env.ref("quality_complaint.quality_batch_rule_lot")
        rule.company_id = self.company
        self._create_complaint(lines=[(self.lot_a, 5)])
        cron_user = self.env.ref("base.user_root")
        self.assertNotEqual(cron_user.lang, "zh_CN")
        result = rule.with_user(cron_user)._detect()
        issue = result["created"]
        self.assertTrue(issue)
        bodies = " ".join(issue.message_ids.mapped("body"))
        self.assertNotIn("detected by rule", bodies)
        self.assertIn("批量质量问题", bodies)

    def test_claim_lines_in_the_vendor_language(self):
        self._load_zh_cn()
        self.company.partner_id.lang = "en_US"
        self.vendor.lang = "zh_CN"
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        ticket.write({"remedy_type": "replace"})
        claim = self.env["quality.supplier.claim"]._create_from_complaint_lines(
            ticket.complaint_line_ids
        )
        description = claim.line_ids.filtered(
            lambda line: line.cost_type == "replacement"
        ).description
        self.assertIn(ticket.number, description)
        self.assertNotIn("replaced", description)
        # the note is the company's (English here)
        self.assertIn("Claim drafted from", claim.message_ids[0].body)

    # Dashboard

    def test_dashboard_trend_colours_severities(self):
        with file_open(
            "quality_complaint/data/files/quality_complaint_dashboard.json"
        ) as file:
            data = json.load(file)
        trend = next(
            figure["data"]
            for sheet in data["sheets"]
            for figure in sheet["figures"]
            if figure["id"] == "trend"
        )
        cells = next(s["cells"] for s in data["sheets"] if s["id"] == "data")
        colours = {}
        for dataset in trend["dataSets"]:
            header = dataset["dataRange"].split("!")[1].split(":")[0]
            first_value = re.sub(r"\d+", lambda m: str(int(m[0]) + 1), header)
            severity = re.search(r'"severity","(\w+)"', cells[first_value]["content"])
            colours[severity[1]] = dataset["backgroundColor"]
        self.assertEqual(
            colours, {"critical": "#DC3545", "major": "#F4A261", "minor": "#A4A8B6"}
        )
        pivot = data["pivots"]["9"]
        self.assertEqual(
            pivot["rows"],
            [{"fieldName": "date", "granularity": "month"}, {"fieldName": "severity"}],
        )
        dashboard = self.env.ref(
            "quality_complaint.spreadsheet_dashboard_quality_complaints"
        )
        self.assertEqual(
            json.loads(base64.b64decode(dashboard.spreadsheet_binary_data)), data
        )


@tagged("post_install", "-at_install")
class TestTripUpsPortal(QualityPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Trip Customer")
        cls.portal_user = new_portal_user(cls.env, "trip_portal", cls.customer)
        cls.product = cls.env["product.product"].create(
            {"name": "Trip Purifier", "type": "consu", "sale_ok": True}
        )
        cls.complaint = cls.env["helpdesk.ticket"].create(
            {
                "name": "Noisy pump",
                "description": "<p>x</p>",
                "team_id": cls.team.id,
                "partner_id": cls.portal_user.partner_id.id,
            }
        )

    def _filters(self, page):
        return re.findall(r'href="/my/tickets\?filterby=(\w+)"', page)

    def test_filter_by_lists_the_stages_of_the_user_teams_once(self):
        # generic helpdesk stages exist (New, Rejected...) besides the quality ones
        generic = self.env["helpdesk.ticket.stage"].search(
            [("quality_phase", "=", False)]
        )
        self.assertTrue(generic)
        self.authenticate("trip_portal", "trip_portal")
        page = self.url_open("/my/tickets").text
        quality_stages = self.team._get_applicable_stages()
        self.assertEqual(
            self._filters(page), ["all"] + [str(s.id) for s in quality_stages]
        )
        # filtering still works with helpdesk's domain
        intake = self.env.ref("quality_complaint.helpdesk_ticket_stage_quality_intake")
        page = self.url_open(f"/my/tickets?filterby={intake.id}").text
        self.assertIn("Noisy pump", page)
        triage = self.env.ref("quality_complaint.helpdesk_ticket_stage_quality_triage")
        page = self.url_open(f"/my/tickets?filterby={triage.id}").text
        self.assertNotIn("Noisy pump", page)

    def test_same_stage_names_of_two_teams_are_told_apart(self):
        team = self.env["helpdesk.ticket.team"].create({"name": "Spare Parts"})
        self.env["helpdesk.ticket.stage"].create(
            {"name": "New", "sequence": 1, "team_ids": [Command.link(team.id)]}
        )
        self.env["helpdesk.ticket"].create(
            {
                "name": "Need a filter",
                "description": "<p>x</p>",
                "team_id": team.id,
                "partner_id": self.portal_user.partner_id.id,
            }
        )
        self.authenticate("trip_portal", "trip_portal")
        page = self.url_open("/my/tickets").text
        labels = re.findall(
            r'href="/my/tickets\?filterby=\d+"[^>]*>\s*<span>([^<]+)</span>', page
        )
        self.assertEqual(len(labels), len(set(labels)), labels)
        self.assertIn("New (Spare Parts)", labels)
        self.assertIn("New (Quality Complaints)", labels)

    def test_filing_confirms_with_one_reference(self):
        self.authenticate("trip_portal", "trip_portal")
        response = self.url_open(
            "/my/quality/complaint/submit",
            data={
                "product_id": str(self.product.id),
                "quantity": "1",
                "subject": "Cracked housing",
                "description": "Found cracked when unpacking.",
                "csrf_token": self._form_csrf(),
            },
        )
        self.assertEqual(response.status_code, 200)
        ticket = self.env["helpdesk.ticket"].search([("name", "=", "Cracked housing")])
        self.assertEqual(len(ticket), 1)
        self.assertTrue(response.url.endswith(f"/my/ticket/{ticket.id}"))
        self.assertIn("o_quality_complaint_registered", response.text)
        self.assertRegex(
            response.text, rf"Your complaint <strong>{ticket.number}</strong> was"
        )
        self.assertNotIn(f"(#<span>{ticket.id}</span>)", response.text)
        self.assertNotRegex(response.text, rf"\(#\s*<span[^>]*>{ticket.id}<")
        # said once
        again = self.url_open(f"/my/ticket/{ticket.id}").text
        self.assertNotIn("o_quality_complaint_registered", again)

    def test_new_button_leads_complaint_customers_to_the_complaint_form(self):
        self.authenticate("trip_portal", "trip_portal")
        page = self.url_open("/new/ticket")
        self.assertTrue(page.url.endswith("/my/quality/complaint/new"), page.url)
        self.assertIn("o_quality_complaint_form", page.text)
        self.assertIn('href="/new/ticket?generic=1"', page.text)
        generic = self.url_open("/new/ticket?generic=1")
        self.assertTrue(generic.url.endswith("/new/ticket?generic=1"))
        self.assertNotIn("o_quality_complaint_form", generic.text)

    def test_new_button_keeps_the_helpdesk_form_for_other_tickets(self):
        team = self.env["helpdesk.ticket.team"].create({"name": "IT"})
        self.env["helpdesk.ticket"].create(
            {
                "name": "VPN",
                "description": "<p>x</p>",
                "team_id": team.id,
                "partner_id": self.portal_user.partner_id.id,
            }
        )
        self.authenticate("trip_portal", "trip_portal")
        page = self.url_open("/new/ticket")
        self.assertTrue(page.url.endswith("/new/ticket"), page.url)
        internal = new_test_user(
            self.env, login="trip_internal", groups="helpdesk_mgmt.group_helpdesk_user"
        )
        self.assertFalse(internal.share)
        self.authenticate("trip_internal", "trip_internal")
        self.assertTrue(self.url_open("/new/ticket").url.endswith("/new/ticket"))


@tagged("post_install", "-at_install")
class TestTripUpsTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.team = cls.env.ref("quality_complaint.helpdesk_ticket_team_quality")
        cls.engineer = new_test_user(
            cls.env,
            login="trip_engineer",
            groups="quality_complaint.group_quality_engineer",
        )
        cls.manager = new_test_user(
            cls.env,
            login="trip_manager",
            groups="quality_complaint.group_quality_manager",
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Trip Tour Purifier", "type": "consu"}
        )
        cls.defect = cls.env["quality.defect.type"].create(
            {"name": "Trip leak", "code": "TRIP-LEAK", "default_severity": "major"}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Trip Tour Customer", "is_company": True}
        )

    def _complaint_in(self, phase, **vals):
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Trip tour complaint",
                "description": "<p>x</p>",
                "team_id": self.team.id,
                "partner_id": self.customer.id,
                "defect_type_id": self.defect.id,
                "complaint_line_ids": [
                    Command.create({"product_id": self.product.id, "quantity": 2})
                ],
            }
        )
        stages = ["triage", "investigation", "solution"]
        for name in stages[: stages.index(phase) + 1]:
            if name == "solution":
                ticket.write(
                    {
                        "root_cause": "<p>Brittle resin</p>",
                        "cause_category": "production",
                    }
                )
            ticket.stage_id = self.env.ref(
                f"quality_complaint.helpdesk_ticket_stage_quality_{name}"
            )
        ticket.write(vals)
        return ticket

    def _url(self, ticket):
        return (
            f"/odoo/action-quality_complaint.helpdesk_ticket_action_quality/{ticket.id}"
        )

    def test_tour_reviewer_approves_from_the_banner(self):
        ticket = self._complaint_in(
            "solution", remedy_type="replace", remedy_amount=6000
        )
        ticket.with_user(self.engineer).action_request_remedy_approval()
        self.assertEqual(ticket.remedy_state, "to_approve")
        self.start_tour(
            self._url(ticket),
            "quality_complaint_remedy_banner_tour",
            login="trip_manager",
        )
        self.assertEqual(ticket.remedy_state, "approved")

    def test_tour_solution_gate_names_the_vendor(self):
        ticket = self._complaint_in(
            "investigation",
            root_cause="<p>Membrane seal</p>",
            cause_category="material",
        )
        self.assertFalse(ticket.responsible_partner_id)
        self.start_tour(
            self._url(ticket),
            "quality_complaint_solution_gate_tour",
            login="trip_engineer",
        )
        self.assertEqual(ticket.quality_phase, "investigation")
