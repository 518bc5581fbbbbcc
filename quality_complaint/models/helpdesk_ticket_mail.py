# E-mail intake: a mail to a quality team's alias becomes a complaint of the
# customer who wrote it, with the products, lots and quantities it names.
import re
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, models, tools

# Codes as people type them: letters, digits and - _ . / inside (WP-500,
# LOT2024-03, SN.0042). CJK text around them is not part of a code.
CODE_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/\-]*[A-Za-z0-9])?")
NUMBER = r"(\d{1,6}(?:[.,]\d{1,3})?)"
QUANTITY_PATTERNS = (
    # "quantity: 3", "qty 3", "数量：3"
    re.compile(
        r"(?:quantity|qty|units affected|数量|台数|件数)\s*[:：=]?\s*" + NUMBER,
        re.IGNORECASE,
    ),
    # "3 units", "3pcs", "3 台"
    re.compile(
        NUMBER + r"\s*(?:units?|pcs\b|pcs\.|pieces?|sets?|台|个|件|套|只|支|箱)",
        re.IGNORECASE,
    ),
)
# Codes this short are too often ordinary words or numbers.
MIN_CODE_LENGTH = 3
MIN_NUMERIC_CODE_LENGTH = 6
# Plain text attachments (a list of serial numbers...) are read up to this size.
MAX_TEXT_ATTACHMENT = 100_000
TEXT_ATTACHMENT_SUFFIXES = (".txt", ".csv")


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    @api.model
    def message_new(self, msg, custom_values=None):
        """A mail to a quality team's alias: the known customer who wrote it
        is the complaint's partner, its bare address the e-mail, the channel
        is e-mail, nobody is assigned (neither the author nor the user running
        the mail gateway; the alias defaults may name a user), and the
        products, lots and quantities the mail names become complaint lines.

        The gateway runs this as superuser on behalf of the author.
        """
        custom_values = dict(custom_values or {})
        team = self.env["helpdesk.ticket.team"].browse(custom_values.get("team_id"))
        if not team.is_quality_team:
            return super().message_new(msg, custom_values=custom_values)
        company = team.company_id or self.env.company
        lang = company._get_quality_note_lang()
        author = self.env["res.partner"].browse(msg.get("author_id")).exists()
        email = tools.email_normalize(msg.get("email_from") or "") or False
        recognized = self._recognize_complaint_lines(
            msg, author.commercial_partner_id, company
        )
        channel = self.env.ref(
            "helpdesk_mgmt.helpdesk_ticket_channel_email", raise_if_not_found=False
        )
        defaults = {
            "name": msg.get("subject")
            or self.with_context(lang=lang).env._("No Subject"),
            "partner_id": author.id,
            "partner_name": author.name
            or (tools.parse_contact_from_email(msg.get("email_from") or "")[0])
            or False,
            "partner_email": email,
            # helpdesk requires a description; a mail may have no text
            "description": msg.get("body")
            if tools.html2plaintext(msg.get("body") or "").strip()
            else Markup("<p>%s</p>") % (msg.get("subject") or ""),
            "channel_id": channel.id if channel else False,
            "user_id": False,
            # a customer's own filing: it holds no lot until staff take it in
            "filed_by_customer": True,
            "complaint_line_ids": [
                Command.create(vals) for vals in recognized["line_vals"]
            ],
        }
        # what the alias says (its defaults) comes last, as for any alias
        defaults.update(custom_values)
        ticket = super().message_new(msg, custom_values=defaults)
        # mail.thread puts the whole From header in the e-mail field
        if email and ticket.partner_email != email:
            ticket.partner_email = email
        if author:
            ticket.message_subscribe(partner_ids=author.ids)
        ticket.with_context(lang=lang)._log_recognized_lines(recognized)
        return ticket

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    @api.model
    def _get_mail_intake_text(self, msg):
        """The subject, the body as text and the plain text attachments."""
        parts = [
            msg.get("subject") or "",
            tools.html2plaintext(msg.get("body") or "", include_references=False),
        ]
        for attachment in msg.get("attachments") or ():
            content = attachment.content
            if (
                isinstance(content, str)
                and (attachment.fname or "").lower().endswith(TEXT_ATTACHMENT_SUFFIXES)
                and len(content) <= MAX_TEXT_ATTACHMENT
            ):
                parts.append(content)
        return "\n".join(parts)

    @api.model
    def _recognize_complaint_lines(self, msg, customer, company):
        """Complaint lines for the products (internal reference or barcode),
        lots and quantities the mail names, line by line of its text. A lot
        counts only when it was delivered to `customer` (commercial partner):
        the mail of a customer never learns about another's lots.

        :return: {"line_vals": [{product_id, lot_id, quantity}],
                  "ignored_lots": [names of lots not delivered to customer]}
        """
        text_lines = [
            line for line in self._get_mail_intake_text(msg).splitlines() if line
        ]
        codes_by_line = [self._get_mail_codes(line) for line in text_lines]
        all_codes = set().union(*codes_by_line) if codes_by_line else set()
        products_by_code, lots_by_code, ignored = self._match_mail_codes(
            all_codes, customer, company
        )
        # (product, lot) -> quantity (None when the line gives none)
        found = {}
        quantities = []
        for line, codes in zip(text_lines, codes_by_line, strict=True):
            quantity = self._get_mail_quantity(line)
            if quantity:
                quantities.append(quantity)
            lots = {lots_by_code[code] for code in codes if code in lots_by_code}
            products = {
                products_by_code[code] for code in codes if code in products_by_code
            }
            for lot in lots:
                key = (lot.product_id, lot)
                found[key] = found.get(key) or quantity
            for product in products - {lot.product_id for lot in lots}:
                key = (product, self.env["stock.lot"])
                found[key] = found.get(key) or quantity
        # a product named without lot, and elsewhere with its lot: one line
        with_lot = {product for product, lot in found if lot}
        found = {
            (product, lot): quantity
            for (product, lot), quantity in found.items()
            if lot or product not in with_lot
        }
        # one line only: a quantity given anywhere is its quantity
        if len(found) == 1 and quantities:
            key = next(iter(found))
            found[key] = found[key] or quantities[0]
        return {
            "line_vals": [
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "quantity": quantity or 1.0,
                }
                for (product, lot), quantity in found.items()
            ],
            "ignored_lots": sorted(ignored),
        }

    @api.model
    def _get_mail_codes(self, text):
        codes = set()
        for code in CODE_PATTERN.findall(text):
            if len(code) >= MIN_CODE_LENGTH and (
                not code.isdigit() or len(code) >= MIN_NUMERIC_CODE_LENGTH
            ):
                codes |= {code, code.upper()}
        return codes

    @api.model
    def _get_mail_quantity(self, text):
        for pattern in QUANTITY_PATTERNS:
            match = pattern.search(text)
            if match:
                quantity = float(match.group(1).replace(",", "."))
                if quantity > 0:
                    return quantity
        return None

    @api.model
    def _match_mail_codes(self, codes, customer, company):
        """Products and customer's lots named by `codes`, in two queries for
        the products and lots and one for the lots' deliveries.

        :return: ({code: product}, {code: lot}, {names of other lots})
        """
        if not codes:
            return {}, {}, set()
        products = self.env["product.product"].search(
            [
                "|",
                ("default_code", "in", list(codes)),
                ("barcode", "in", list(codes)),
                ("company_id", "in", [company.id, False]),
            ]
        )
        products_by_code = {}
        for product in products:
            for code in (product.default_code, product.barcode):
                if code:
                    products_by_code[code] = product
                    products_by_code.setdefault(code.upper(), product)
        lots = self.env["stock.lot"].search(
            [("name", "in", list(codes)), ("company_id", "in", [company.id, False])]
        )
        delivered = defaultdict(bool)
        if lots and customer:
            deliveries = self.env["quality.complaint.line"]._get_lot_deliveries(lots)
            for lot_id, partner_id in deliveries:
                if partner_id == customer.id:
                    delivered[lot_id] = True
        lots_by_code, ignored = {}, set()
        for lot in lots:
            if delivered[lot.id]:
                lots_by_code[lot.name] = lot
                lots_by_code.setdefault(lot.name.upper(), lot)
            else:
                ignored.add(lot.name)
        return products_by_code, lots_by_code, ignored - set(lots_by_code)

    def _log_recognized_lines(self, recognized):
        """Tell the quality team what the mail was read as (an internal note,
        in the language of the notes the addon writes)."""
        self.ensure_one()
        if self.complaint_line_ids:
            items = Markup("").join(
                Markup("<li>%s</li>")
                % self.env._(
                    "%(product)s, lot/serial %(lot)s: %(quantity)s",
                    product=line.product_id.display_name,
                    lot=line.lot_id.name or self.env._("none"),
                    quantity=f"{line.quantity:g}",
                )
                for line in self.complaint_line_ids
            )
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                self.env._("Recognized in the e-mail, check before triage:"),
                items,
            )
        else:
            body = Markup("<p>%s</p>") % self.env._(
                "No product reference, lot or serial number was recognized in the "
                "e-mail: add the affected products by hand."
            )
        if recognized["ignored_lots"]:
            body += Markup("<p>%s</p>") % self.env._(
                "Lots or serial numbers named but not delivered to this customer, "
                "ignored: %(lots)s",
                lots=", ".join(recognized["ignored_lots"]),
            )
        if not self.partner_id:
            body += Markup("<p>%s</p>") % self.env._(
                "The sender %(email)s is not a known customer: lots and serial "
                "numbers are recognized only for known customers.",
                email=self.partner_email or "",
            )
        self._message_log(body=body)
