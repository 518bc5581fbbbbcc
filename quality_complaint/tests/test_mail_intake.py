import base64
from email.message import EmailMessage

from odoo.tests import tagged

from .common import QualityComplaintCommon, new_portal_user

ALIAS_DOMAIN = "quality-test.example.com"
# A 1x1 JPEG, as a phone attaches a photo
PHOTO = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////"
    "////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAA"
    "AAAAAAAAAAAAAP/aAAgBAQABPxA="
)

PLAIN_MAIL = """\
Return-Path: <zhang.min@ecwater-test.example.com>
From: "Zhang Min" <zhang.min@ecwater-test.example.com>
To: quality@{domain}
Subject: Leaking purifier WP-500
Date: Mon, 2 Mar 2026 09:12:00 +0800
Message-ID: <intake-plain-1@ecwater.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Hello,

three purifiers of lot LOT-A leak under the sink: 3 units.
Lot LOT-B seems fine.

Best regards,
Zhang Min
"""

# Subject 净水器漏水 WP-500 (RFC 2047, base64), body in HTML
CHINESE_MAIL = """\
From: =?utf-8?b?546L5bCP5piO?= <{email}>
To: quality@{domain}
Subject: =?utf-8?b?5YeA5rC05Zmo5ryP5rC0IFdQLTUwMA==?=
Date: Tue, 3 Mar 2026 10:00:00 +0800
Message-ID: <intake-zh-1@ecwater.example.com>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

{body}
"""


@tagged("post_install", "-at_install")
class TestMailIntake(QualityComplaintCommon):
    """E-mails to the quality alias, as the mail gateway receives them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        alias_domain = cls.env["mail.alias.domain"].create(
            {"name": ALIAS_DOMAIN, "catchall_alias": "catchall"}
        )
        cls.company.alias_domain_id = alias_domain
        cls.team.alias_domain_id = alias_domain
        cls.product.default_code = "WP-500"
        cls.other_product.barcode = "6901234567892"
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Zhang Min",
                "email": "zhang.min@ecwater-test.example.com",
                "parent_id": cls.distributor.id,
            }
        )
        # LOT-B went to another customer
        cls._deliver(cls.direct_customer, {cls.lot_b: 5})
        cls.odoobot = cls.env.ref("base.user_root")

    def _process(self, raw):
        Ticket = self.env["helpdesk.ticket"]
        before = Ticket.search([])
        thread_id = self.env["mail.thread"].message_process(False, raw)
        return Ticket.search([]) - before, thread_id

    def _note(self, ticket):
        """The note of the mail intake on `ticket`."""
        notes = ticket.message_ids.filtered(
            lambda m: m.message_type == "notification"
            and m.subtype_id == self.env.ref("mail.mt_note")
        )
        self.assertEqual(len(notes), 1)
        return notes

    def test_quality_team_ships_its_alias(self):
        self.assertEqual(self.team.alias_name, "quality")
        self.assertEqual(self.team.alias_email, f"quality@{ALIAS_DOMAIN}")

    def test_plain_mail_of_known_customer(self):
        tickets, thread_id = self._process(PLAIN_MAIL.format(domain=ALIAS_DOMAIN))
        self.assertEqual(len(tickets), 1)
        ticket = tickets
        self.assertEqual(ticket.id, thread_id)
        self.assertTrue(ticket.is_quality_complaint)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.stage_id, self.stages["intake"])
        self.assertEqual(ticket.name, "Leaking purifier WP-500")
        self.assertEqual(ticket.partner_id, self.contact)
        self.assertEqual(ticket.commercial_partner_id, self.distributor)
        self.assertEqual(ticket.partner_email, "zhang.min@ecwater-test.example.com")
        self.assertEqual(
            ticket.channel_id,
            self.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_email"),
        )
        # the gateway ran as OdooBot, with helpdesk's "auto assign" on
        self.assertTrue(self.company.helpdesk_mgmt_ticket_auto_assign)
        self.assertFalse(ticket.user_id)
        # a customer's own filing: it holds no lot before staff take it in
        self.assertTrue(ticket.filed_by_customer)
        # the lot delivered to the customer, with the quantity of its line;
        # LOT-B went to another customer: not on the complaint
        self.assertEqual(
            [
                (line.product_id, line.lot_id, line.quantity)
                for line in ticket.complaint_line_ids
            ],
            [(self.product, self.lot_a, 3.0)],
        )
        self.assertEqual(ticket.affected_qty, 3)
        self.assertEqual(ticket.complaint_line_ids.delivery_picking_id, self.delivery_a)
        self.assertIn("three purifiers", ticket.description)
        note = self._note(ticket)
        self.assertIn("Recognized in the e-mail", note.body)
        self.assertIn("LOT-A", note.body)
        self.assertIn("not delivered to this customer, ignored: LOT-B", note.body)
        self.assertIn(self.contact, ticket.message_partner_ids)

    def test_portal_customer_is_not_assigned(self):
        """A customer with a portal account is the user the gateway runs as:
        it must not become the complaint's assigned user."""
        portal = new_portal_user(
            self.env,
            "wang_xiaoming",
            self.distributor,
        )
        body = base64.b64encode(
            "<p>型号 <b>WP-500</b>，批号 LOT-A，数量：2台，漏水。</p>".encode()
        ).decode()
        raw = CHINESE_MAIL.format(email=portal.email, domain=ALIAS_DOMAIN, body=body)
        self.assertIn("Subject: =?utf-8?b?", raw)
        tickets, __ = self._process(raw)
        self.assertEqual(len(tickets), 1)
        self.assertEqual(tickets.name, "净水器漏水 WP-500")
        self.assertEqual(tickets.partner_id, portal.partner_id)
        self.assertEqual(tickets.partner_email, portal.email)
        self.assertFalse(tickets.user_id)
        self.assertEqual(
            [(line.lot_id, line.quantity) for line in tickets.complaint_line_ids],
            [(self.lot_a, 2.0)],
        )
        # the customer follows it: our answers reach them, their replies thread
        self.assertIn(portal.partner_id, tickets.message_partner_ids)

    def test_attachments_and_reply_thread_onto_the_complaint(self):
        mail = EmailMessage()
        mail["From"] = '"Zhang Min" <zhang.min@ecwater-test.example.com>'
        mail["To"] = f"quality@{ALIAS_DOMAIN}"
        mail["Subject"] = "Broken cartridges"
        mail["Message-ID"] = "<intake-att-1@ecwater.example.com>"
        mail.set_content(
            "Cartridges 6901234567892 cracked, see the photo and the list."
        )
        mail.add_attachment(
            PHOTO, maintype="image", subtype="jpeg", filename="leak.jpg"
        )
        mail.add_attachment(
            "serial;qty\nLOT-A;4 units\n", subtype="csv", filename="affected.csv"
        )
        tickets, __ = self._process(mail.as_string())
        self.assertEqual(len(tickets), 1)
        ticket = tickets
        self.assertEqual(
            sorted(ticket.attachment_ids.mapped("name")), ["affected.csv", "leak.jpg"]
        )
        self.assertEqual(
            ticket.attachment_ids.filtered(lambda a: a.name == "leak.jpg").raw, PHOTO
        )
        self.assertEqual(
            {
                (line.product_id, line.lot_id, line.quantity)
                for line in ticket.complaint_line_ids
            },
            {
                (self.other_product, self.env["stock.lot"], 1.0),
                (self.product, self.lot_a, 4.0),
            },
        )

        reply = EmailMessage()
        reply["From"] = '"Zhang Min" <zhang.min@ecwater-test.example.com>'
        reply["To"] = f"quality@{ALIAS_DOMAIN}"
        reply["Subject"] = "Re: Broken cartridges"
        reply["Message-ID"] = "<intake-att-2@ecwater.example.com>"
        reply["In-Reply-To"] = "<intake-att-1@ecwater.example.com>"
        reply["References"] = "<intake-att-1@ecwater.example.com>"
        reply.set_content("Two more cartridges cracked this morning.")
        new_tickets, thread_id = self._process(reply.as_string())
        self.assertFalse(new_tickets)
        self.assertEqual(thread_id, ticket.id)
        self.assertIn(
            "Two more cartridges",
            ticket.message_ids[0].body,
            "the reply is on the complaint",
        )
        self.assertEqual(ticket.message_ids[0].author_id, self.contact)
        # a reply adds no lines by itself
        self.assertEqual(len(ticket.complaint_line_ids), 2)

    def test_unknown_sender_gets_no_lot(self):
        mail = EmailMessage()
        mail["From"] = "Somebody <somebody@elsewhere.example.com>"
        mail["To"] = f"quality@{ALIAS_DOMAIN}"
        mail["Subject"] = "WP-500 lot LOT-A leaks"
        mail["Message-ID"] = "<intake-unknown-1@elsewhere.example.com>"
        mail.set_content("5 units leak.")
        tickets, __ = self._process(mail.as_string())
        self.assertEqual(len(tickets), 1)
        self.assertFalse(tickets.partner_id)
        self.assertEqual(tickets.partner_email, "somebody@elsewhere.example.com")
        self.assertFalse(tickets.user_id)
        # the product is public, the lot is nobody's business
        self.assertEqual(
            [
                (line.product_id, line.lot_id, line.quantity)
                for line in tickets.complaint_line_ids
            ],
            [(self.product, self.env["stock.lot"], 5.0)],
        )
        self.assertIn("not a known customer", self._note(tickets).body)

    def test_mail_without_anything_recognized(self):
        mail = EmailMessage()
        mail["From"] = '"Zhang Min" <zhang.min@ecwater-test.example.com>'
        mail["To"] = f"quality@{ALIAS_DOMAIN}"
        mail["Subject"] = "Problem"
        mail["Message-ID"] = "<intake-nothing-1@ecwater.example.com>"
        mail.set_content("It does not work since yesterday, 2 units.")
        tickets, __ = self._process(mail.as_string())
        self.assertFalse(tickets.complaint_line_ids)
        self.assertEqual(tickets.affected_qty, 0)
        self.assertIn("No product reference", self._note(tickets).body)

    def test_mail_without_body(self):
        raw = (
            '"Zhang Min" <zhang.min@ecwater-test.example.com>',
            f"quality@{ALIAS_DOMAIN}",
        )
        tickets, __ = self._process(
            f"From: {raw[0]}\nTo: {raw[1]}\nSubject: WP-500 broken\n"
            "Message-ID: <intake-empty-1@ecwater-test.example.com>\n"
            "Content-Type: text/plain\n\n"
        )
        self.assertEqual(len(tickets), 1)
        self.assertIn("WP-500 broken", tickets.description)
        self.assertEqual(tickets.complaint_line_ids.product_id, self.product)

    def test_note_in_the_company_language(self):
        """The note is the addon's own text: in the company's language, not
        in the one of the user running the mail gateway."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        self.company.partner_id.lang = "zh_CN"
        self.assertEqual(self.env.user.lang, "en_US")
        tickets, __ = self._process(PLAIN_MAIL.format(domain=ALIAS_DOMAIN))
        note = self._note(tickets).body
        self.assertNotIn("Recognized", note)
        self.assertIn("邮件中识别", note)

    def test_other_teams_keep_helpdesk_behaviour(self):
        team = self.env["helpdesk.ticket.team"].create(
            {
                "name": "IT support",
                "alias_name": "it",
                "alias_domain_id": self.company.alias_domain_id.id,
            }
        )
        mail = EmailMessage()
        mail["From"] = '"Zhang Min" <zhang.min@ecwater-test.example.com>'
        mail["To"] = f"it@{ALIAS_DOMAIN}"
        mail["Subject"] = "Printer WP-500"
        mail["Message-ID"] = "<it-1@ecwater.example.com>"
        mail.set_content("Printer jammed, lot LOT-A, 3 units.")
        tickets, __ = self._process(mail.as_string())
        self.assertEqual(tickets.team_id, team)
        self.assertFalse(tickets.is_quality_complaint)
        self.assertFalse(tickets.complaint_line_ids)
