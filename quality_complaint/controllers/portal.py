from odoo import Command, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk

from .portal_input import delivered_quantities, parse_quantity, read_uploads


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
        # a complaint the user's company services for another customer: status
        # and lines, never the customer's answer nor its conversation
        values["quality_serviced_only"] = ticket.is_quality_complaint and (
            ticket.commercial_partner_id
            != request.env.user.partner_id.commercial_partner_id
            and not access_token
        )
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
                    (
                        "move_id.picking_id.partner_id.commercial_partner_id",
                        "=",
                        partner.id,
                    ),
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
        company = self._complaint_team().company_id or request.env.company
        return request.render(
            "quality_complaint.portal_complaint_form",
            {
                "page_name": "quality_complaint",
                "products": self._complaint_products(),
                "values": values or {},
                "errors": errors or {},
                "max_upload_mb": company.quality_portal_max_upload_mb,
                "max_upload_size": company.quality_portal_max_upload_mb * 1024 * 1024,
            },
        )

    @http.route("/my/quality/complaint/new", type="http", auth="user", website=True)
    def portal_complaint_new(self, **kw):
        return self._render_complaint_form()

    def _validate_complaint(self, kw, company):
        """Errors by field name, and the product, lot and quantity found.

        A customer names only lots delivered to its company, and declares at
        most the units delivered (of that lot, else of the product), or the
        company's cap for a product no delivery traces; the same message
        answers for a lot of someone else and a lot that does not exist.
        """
        env = request.env
        errors = {}
        product = env["product.product"]
        if kw.get("product_id", "").isdigit():
            product = self._complaint_products().filtered(
                lambda p: p.id == int(kw["product_id"])
            )
        if not product:
            errors["product_id"] = env._("Choose the product concerned.")
        quantity = parse_quantity(kw.get("quantity"))
        if quantity is None:
            errors["quantity"] = env._("The quantity must be more than zero.")
        lot = env["stock.lot"]
        lot_name = (kw.get("lot") or "").strip()
        customer = env.user.partner_id.commercial_partner_id
        delivered, delivered_by_lot = (
            delivered_quantities(env, customer, product) if product else (0.0, {})
        )
        if lot_name and product:
            lot = (
                env["stock.lot"]
                .sudo()
                .search(
                    [
                        ("name", "=", lot_name),
                        ("product_id", "=", product.id),
                        ("id", "in", list(delivered_by_lot)),
                    ],
                    limit=1,
                )
            )
            if not lot:
                errors["lot"] = env._(
                    "Lot/serial number %(lot)s is not among the lots of %(product)s "
                    "delivered to you: check the label, or leave it empty and "
                    "describe it below.",
                    lot=lot_name,
                    product=product.display_name,
                )
        if quantity is not None and product and "lot" not in errors:
            if lot:
                limit = delivered_by_lot.get(lot.id, 0.0)
            elif delivered > 0:
                limit = delivered
            else:
                limit = company.quality_portal_max_quantity
            if quantity > limit:
                limit_text = format(limit, "g")
                errors["quantity"] = env._(
                    "At most %(limit)s units can be declared here (the units "
                    "delivered to you); for more, contact us.",
                    limit=limit_text,
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
        team = self._complaint_team()
        company = team.company_id or request.env.company
        errors, product, lot, quantity = self._validate_complaint(kw, company)
        attachments, upload_error = read_uploads(
            request.env,
            request.httprequest.files.getlist("attachment"),
            company,
            "helpdesk.ticket",
        )
        if upload_error:
            errors["attachment"] = upload_error
        if errors:
            return self._render_complaint_form(kw, errors)
        partner = request.env.user.partner_id
        ticket = (
            request.env["helpdesk.ticket"]
            .sudo()
            .create(
                {
                    "name": kw["subject"].strip(),
                    "description": plaintext2html(kw["description"]),
                    "team_id": team.id,
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "partner_name": partner.name,
                    "partner_email": partner.email,
                    "channel_id": request.env.ref(
                        "helpdesk_mgmt.helpdesk_ticket_channel_web"
                    ).id,
                    "user_id": False,
                    "filed_by_customer": True,
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
        for attachment in attachments:
            attachment["res_id"] = ticket.id
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
        # only the customer answers, not the distributor that services it
        if not access_token and (
            ticket.commercial_partner_id
            != request.env.user.partner_id.commercial_partner_id
        ):
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
