import base64
import math

from odoo import Command, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk


class QualityComplaintPortal(CustomerPortalHelpdesk):
    """Customers and distributors file product-quality complaints and answer
    the follow-up from the portal."""

    @http.route(
        ["/my/ticket/<int:ticket_id>"], type="http", auth="public", website=True
    )
    def portal_my_ticket(self, ticket_id, access_token=None, **kw):
        # Another customer's complaint does not exist for this one (404), it
        # is not a redirection to the portal home.
        try:
            self._document_check_access(
                "helpdesk.ticket", ticket_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.not_found()
        return super().portal_my_ticket(ticket_id, access_token=access_token, **kw)

    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        values["satisfaction_levels"] = [
            (key, label)
            for key, label in request.env["helpdesk.ticket"]
            ._fields["satisfaction"]
            ._description_selection(request.env)
        ]
        values["feedback_error"] = kwargs.get("feedback_error")
        return values

    # ------------------------------------------------------------
    # New complaint
    # ------------------------------------------------------------

    def _complaint_products(self):
        """Products delivered to the user's company, else the saleable ones."""
        partner = request.env.user.partner_id.commercial_partner_id
        groups = (
            request.env["stock.move.line"]
            .sudo()
            ._read_group(
                [
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                    ("move_id.picking_id.partner_id", "child_of", partner.id),
                ],
                ["product_id"],
            )
        )
        products = (
            request.env["product.product"]
            .sudo()
            .browse([product.id for (product,) in groups])
        )
        if not products:
            products = (
                request.env["product.product"]
                .sudo()
                .search([("sale_ok", "=", True), ("type", "=", "consu")], limit=200)
            )
        return products.sorted("display_name")

    def _complaint_team(self):
        team = request.env.ref(
            "quality_complaint.helpdesk_ticket_team_quality", raise_if_not_found=False
        )
        if not team or not team.sudo().active:
            team = (
                request.env["helpdesk.ticket.team"]
                .sudo()
                .search([("is_quality_team", "=", True)], limit=1)
            )
        return team.sudo()

    def _render_complaint_form(self, values=None, errors=None):
        return request.render(
            "quality_complaint.portal_complaint_form",
            {
                "page_name": "quality_complaint",
                "products": self._complaint_products(),
                "values": values or {},
                "errors": errors or {},
                "max_upload_size": request.env["ir.http"].session_info()[
                    "max_file_upload_size"
                ],
            },
        )

    @http.route("/my/quality/complaint/new", type="http", auth="user", website=True)
    def portal_complaint_new(self, **kw):
        return self._render_complaint_form()

    def _validate_complaint(self, kw):
        """Errors by field name, and the product, lot and quantity found."""
        env = request.env
        errors = {}
        product = env["product.product"]
        if kw.get("product_id", "").isdigit():
            product = self._complaint_products().filtered(
                lambda p: p.id == int(kw["product_id"])
            )
        if not product:
            errors["product_id"] = env._("Choose the product concerned.")
        try:
            quantity = float(kw.get("quantity") or 0)
        except ValueError:
            quantity = 0.0
        # float() also reads "nan" and "inf", which the ORM cannot store
        if not math.isfinite(quantity) or quantity <= 0:
            errors["quantity"] = env._("The quantity must be more than zero.")
        lot = env["stock.lot"]
        lot_name = (kw.get("lot") or "").strip()
        if lot_name:
            lots = env["stock.lot"].sudo().search([("name", "=", lot_name)])
            lot = lots.filtered(lambda lot: lot.product_id == product)[:1]
            if product and not lot:
                errors["lot"] = (
                    env._(
                        "Lot/serial number %(lot)s is not one of %(product)s.",
                        lot=lot_name,
                        product=product.display_name,
                    )
                    if lots
                    else env._("Lot/serial number %(lot)s is unknown.", lot=lot_name)
                )
        if not (kw.get("subject") or "").strip():
            errors["subject"] = env._("Give the complaint a subject.")
        if not (kw.get("description") or "").strip():
            errors["description"] = env._("Describe the problem.")
        return errors, product, lot, quantity

    @http.route(
        "/my/quality/complaint/submit",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        csrf=True,
    )
    def portal_complaint_submit(self, **kw):
        errors, product, lot, quantity = self._validate_complaint(kw)
        if errors:
            return self._render_complaint_form(kw, errors)
        partner = request.env.user.partner_id
        team = self._complaint_team()
        ticket = (
            request.env["helpdesk.ticket"]
            .sudo()
            .create(
                {
                    "name": kw["subject"].strip(),
                    "description": plaintext2html(kw["description"]),
                    "team_id": team.id,
                    "company_id": team.company_id.id or request.env.company.id,
                    "partner_id": partner.id,
                    "partner_name": partner.name,
                    "partner_email": partner.email,
                    "channel_id": request.env.ref(
                        "helpdesk_mgmt.helpdesk_ticket_channel_web"
                    ).id,
                    "user_id": False,
                    "customer_expectation": (kw.get("expectation") or "").strip()
                    or False,
                    "complaint_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "lot_id": lot.id,
                                "quantity": quantity,
                            }
                        )
                    ],
                }
            )
        )
        ticket.message_subscribe(partner_ids=partner.ids)
        attachments = [
            {
                "name": upload.filename,
                "datas": base64.b64encode(upload.read()),
                "res_model": "helpdesk.ticket",
                "res_id": ticket.id,
            }
            for upload in request.httprequest.files.getlist("attachment")
            if upload.filename
        ]
        if attachments:
            request.env["ir.attachment"].sudo().create(attachments)
        # the complaint page confirms it (portal_tickets.py)
        request.session["quality_complaint_registered"] = ticket.id
        return request.redirect(f"/my/ticket/{ticket.id}")

    # ------------------------------------------------------------
    # Follow-up answer
    # ------------------------------------------------------------

    @http.route(
        "/my/quality/complaint/<int:ticket_id>/feedback",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        csrf=True,
    )
    def portal_complaint_feedback(
        self, ticket_id, access_token=None, satisfaction=None, feedback=None, **kw
    ):
        try:
            ticket = self._document_check_access(
                "helpdesk.ticket", ticket_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.not_found()
        # the levels' labels in the customer's language, for the chatter note
        levels = dict(
            request.env["helpdesk.ticket"]
            ._fields["satisfaction"]
            ._description_selection(request.env)
        )
        if not ticket.is_quality_complaint or ticket.quality_phase != "follow_up":
            return request.not_found()
        url = f"/my/ticket/{ticket.id}"
        if access_token:
            url += f"?access_token={access_token}"
        if satisfaction not in levels:
            separator = "&" if access_token else "?"
            return request.redirect(f"{url}{separator}feedback_error=1")
        ticket.write(
            {
                "satisfaction": satisfaction,
                "follow_up_feedback": (feedback or "").strip()
                or request.env._("(no comment)"),
            }
        )
        ticket.message_post(
            author_id=request.env.user.partner_id.id,
            body=request.env._(
                "Follow-up answered on the portal: %(level)s. %(feedback)s",
                level=levels[satisfaction],
                feedback=(feedback or "").strip(),
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return request.redirect(url)
