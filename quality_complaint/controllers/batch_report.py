import math
import re

from odoo import Command, http
from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager

from .portal import QualityComplaintPortal
from .portal_input import read_uploads

# Input limits of the report form; quantities and uploads are bounded as on
# the complaint form (controllers/portal_input.py, the company's limits).
UPLOAD_MAX_FILES = 10
MAX_LOTS = 50
TEXT_MAX_LENGTH = 10000
REPORTS_PER_PAGE = 20


class QualityBatchReportPortal(QualityComplaintPortal):
    """Authorized service stations (授权维修站) report batch quality problems and
    follow their review: state and rejection reason, never the internal
    analysis, costs or vendors. Everything else does not exist for them (404)."""

    def _batch_station(self):
        """The user's commercial partner if it is an authorized service station."""
        partner = request.env.user.partner_id.commercial_partner_id
        if partner.sudo().is_service_station:
            return partner
        return request.env["res.partner"]

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        values["quality_is_service_station"] = bool(self._batch_station())
        return values

    def _prepare_home_portal_values(self, counters):
        # only the counters asked for: the portal home sets each one it gets
        values = super()._prepare_home_portal_values(counters)
        if "batch_report_count" in counters:
            values["batch_report_count"] = (
                request.env["quality.batch.issue"].search_count([])
                if self._batch_station()
                else 0
            )
        return values

    # ------------------------------------------------------------
    # My batch reports
    # ------------------------------------------------------------

    def _batch_state_labels(self):
        return dict(
            request.env["quality.batch.issue"]
            ._fields["state"]
            ._description_selection(request.env)
        )

    @http.route(
        ["/my/batch/reports", "/my/batch/reports/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_batch_reports(self, page=1, **kw):
        if not self._batch_station():
            return request.not_found()
        # the record rules keep the station's own reports
        Issue = request.env["quality.batch.issue"]
        count = Issue.search_count([])
        pager = portal_pager(
            url="/my/batch/reports", total=count, page=page, step=REPORTS_PER_PAGE
        )
        issues = Issue.search(
            [],
            order="report_date desc, id desc",
            limit=REPORTS_PER_PAGE,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "batch_reports",
                "issues": issues,
                "pager": pager,
                "state_labels": self._batch_state_labels(),
            }
        )
        return request.render("quality_complaint.portal_my_batch_reports", values)

    @http.route(
        "/my/batch/report/<int:issue_id>", type="http", auth="user", website=True
    )
    def portal_batch_report_page(self, issue_id, **kw):
        if not self._batch_station():
            return request.not_found()
        # in the user's environment: an internal field read here would fail
        issue = request.env["quality.batch.issue"].browse(issue_id).exists()
        if not issue or not issue.has_access("read"):
            return request.not_found()
        # what the station may see of the internal links: its own complaints,
        # the public messages (the rejection notice)
        tickets = request.env["helpdesk.ticket"].search(
            [("id", "in", issue.sudo().ticket_ids.ids)]
        )
        messages = issue.sudo().message_ids.filtered(
            lambda message: message.message_type == "comment"
            and not message.is_internal
            and message.subtype_id == request.env.ref("mail.mt_comment")
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "batch_report",
                "issue": issue,
                "evidence": issue.sudo().evidence_ids,
                "tickets": tickets,
                "messages": messages,
                "state_labels": self._batch_state_labels(),
            }
        )
        return request.render("quality_complaint.portal_batch_report_page", values)

    # ------------------------------------------------------------
    # Report a batch problem
    # ------------------------------------------------------------

    def _batch_report_products(self):
        """The company's goods for sale (what stations service)."""
        return (
            request.env["product.product"]
            .sudo()
            .search([("sale_ok", "=", True), ("type", "=", "consu")], limit=200)
            .sorted("display_name")
        )

    def _batch_report_options(self):
        products = self._batch_report_products()
        return {
            "products": products,
            "components": products.complaint_component_ids.sorted("display_name"),
            "defects": request.env["quality.defect.type"].search([]),
            # the user's own complaints (record rules), the latest first
            "complaints": request.env["helpdesk.ticket"].search(
                [("is_quality_complaint", "=", True)], order="id desc", limit=100
            ),
        }

    def _render_batch_report_form(self, values=None, errors=None):
        options = self._batch_report_options()
        layout = self._prepare_portal_layout_values()
        layout.update(
            options,
            page_name="batch_report_new",
            values=values or {},
            selected_complaints=[
                int(value)
                for value in (values or {}).get("ticket_ids", [])
                if value.isdigit()
            ],
            errors=errors or {},
            upload_hint=request.env._(
                "Images, PDF or videos, at most %(size)s MB each.",
                size=self._batch_report_company().quality_portal_max_upload_mb,
            ),
        )
        return request.render("quality_complaint.portal_batch_report_form", layout)

    @http.route("/my/batch/report/new", type="http", auth="user", website=True)
    def portal_batch_report_new(self, **kw):
        if not self._batch_station():
            return request.not_found()
        return self._render_batch_report_form()

    def _parse_units(self, value):
        """A finite number of units, or None."""
        try:
            units = float(value or 0)
        except ValueError:
            return None
        # float() also reads "nan" and "inf", which the ORM cannot store
        return units if math.isfinite(units) else None

    def _delivered_units(self, product):
        """Units of `product` delivered to customers, net of returns: more
        cannot fail at the customers' sites."""
        moves = request.env["stock.move.line"].sudo()
        delivered = moves._read_group(
            [
                ("product_id", "=", product.id),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
            ],
            aggregates=["quantity_product_uom:sum"],
        )[0][0]
        returned = moves._read_group(
            [
                ("product_id", "=", product.id),
                ("state", "=", "done"),
                ("location_id.usage", "=", "customer"),
            ],
            aggregates=["quantity_product_uom:sum"],
        )[0][0]
        return (delivered or 0.0) - (returned or 0.0)

    def _find_delivered_lots(self, product, names):
        """The lots of `product` of these names that were delivered to a
        customer, and the names not found so (the same answer whether a lot does
        not exist, is another product's or was never delivered)."""
        lots = (
            request.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("lot_id.name", "in", names),
                    ("product_id", "=", product.id),
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                ]
            )
            .lot_id
        )
        return lots, [name for name in names if name not in lots.mapped("name")]

    def _batch_report_company(self):
        return self._complaint_team().company_id or request.env.company

    def _read_uploads(self, errors):
        """The uploaded evidence as attachment values; refused files go to
        `errors` (nothing is kept of a form with errors)."""
        uploads = [
            upload
            for upload in request.httprequest.files.getlist("attachment")
            if upload.filename
        ]
        if len(uploads) > UPLOAD_MAX_FILES:
            errors["attachment"] = request.env._(
                "Attach at most %(count)s files.", count=UPLOAD_MAX_FILES
            )
            return []
        files, error = read_uploads(
            request.env, uploads, self._batch_report_company(), "quality.batch.issue"
        )
        if error:
            errors["attachment"] = error
        return files

    def _validate_batch_report(self, kw):
        """Errors by field name, and the values of the report to create."""
        env = request.env
        options = self._batch_report_options()
        errors = {}

        def choose(records, value):
            if not (value or "").isdigit():
                return records.browse()
            return records.filtered(lambda record: record.id == int(value))

        product = choose(options["products"], kw.get("product_id"))
        if not product:
            errors["product_id"] = env._("Choose the product concerned.")
        component = choose(options["components"], kw.get("component_id"))
        if kw.get("component_id") and not (
            component and component in product.complaint_component_ids
        ):
            if product:
                errors["component_id"] = env._(
                    "Choose one of the components of %(product)s, or none.",
                    product=product.display_name,
                )
            component = component.browse()
        defect = choose(options["defects"], kw.get("defect_type_id"))
        if not defect:
            errors["defect_type_id"] = env._("Choose the failure.")
        units = self._parse_units(kw.get("units"))
        cap = (
            product and self._delivered_units(product)
        ) or self._batch_report_company().quality_portal_max_quantity
        if units is None or units <= 0 or units > cap:
            cap_label = f"{cap:g}"
            errors["units"] = env._(
                "The units must be a number more than zero and at most %(max)s.",
                max=cap_label,
            )
        names = [
            name
            for name in dict.fromkeys(re.split(r"[\s,;]+", kw.get("lots") or ""))
            if name
        ]
        lots = env["stock.lot"]
        if len(names) > MAX_LOTS:
            errors["lots"] = env._("Give at most %(count)s lots.", count=MAX_LOTS)
        elif names and product:
            lots, unknown = self._find_delivered_lots(product, names)
            if unknown:
                errors["lots"] = env._(
                    "Lot/serial number %(lots)s is not known for %(product)s.",
                    lots=", ".join(unknown),
                    product=product.display_name,
                )
        texts = {}
        for fname, message in (
            ("sites", env._("Say where the failing units are.")),
            ("description", env._("Describe the problem.")),
        ):
            texts[fname] = (kw.get(fname) or "").strip()
            if not texts[fname]:
                errors[fname] = message
            elif len(texts[fname]) > TEXT_MAX_LENGTH:
                errors[fname] = env._(
                    "Write at most %(count)s characters.", count=TEXT_MAX_LENGTH
                )
        ticket_ids = request.httprequest.form.getlist("ticket_ids")
        tickets = options["complaints"].filtered(
            lambda ticket: str(ticket.id) in ticket_ids
        )
        if len(tickets) != len(set(ticket_ids)):
            errors["ticket_ids"] = env._("Choose the complaints from the list.")
        files = self._read_uploads(errors)
        return errors, {
            "product": product,
            "component": component,
            "defect": defect,
            "units": units,
            "lots": lots,
            "sites": texts["sites"],
            "description": texts["description"],
            "tickets": tickets,
            "files": files,
        }

    @http.route(
        "/my/batch/report/submit",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        csrf=True,
    )
    def portal_batch_report_submit(self, **kw):
        if not self._batch_station():
            return request.not_found()
        errors, report = self._validate_batch_report(kw)
        if errors:
            values = dict(kw, ticket_ids=request.httprequest.form.getlist("ticket_ids"))
            return self._render_batch_report_form(values, errors)
        tickets = report["tickets"].sudo()
        company = self._batch_report_company()
        # validated above; the station cannot create issues itself
        issue = (
            request.env["quality.batch.issue"]
            .sudo()
            .create(
                {
                    "origin": "reported",
                    "company_id": company.id,
                    "reported_by_id": request.env.user.partner_id.id,
                    "product_id": report["product"].id,
                    "component_id": report["component"].id,
                    "defect_type_id": report["defect"].id,
                    "reported_lot_ids": [Command.set(report["lots"].ids)],
                    "units_reported": report["units"],
                    "site_description": report["sites"],
                    "description": report["description"],
                    "customer_accepted": bool(kw.get("customer_accepted")),
                    "ticket_ids": [Command.set(tickets.ids)],
                    "line_ids": [
                        Command.set(
                            tickets.complaint_line_ids.filtered(
                                lambda line: line.product_id == report["product"]
                            ).ids
                        )
                    ],
                }
            )
        )
        if report["files"]:
            attachments = (
                request.env["ir.attachment"]
                .sudo()
                .create(
                    [
                        dict(values, res_model="quality.batch.issue", res_id=issue.id)
                        for values in report["files"]
                    ]
                )
            )
            issue.evidence_ids = [Command.set(attachments.ids)]
        return request.redirect(f"/my/batch/report/{issue.id}")
