from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, create_index

TRACEABILITY_FIELDS = (
    "delivery_picking_id",
    "delivery_date",
    "receipt_picking_id",
    "purchase_order_id",
    "vendor_id",
)
# Units affected on one complaint line, or by one action: beyond it, a typo.
QUANTITY_MAX = 1_000_000
WARRANTY_STATES = [
    ("in_warranty", "In Warranty"),
    ("out_of_warranty", "Out of Warranty"),
    ("unknown", "Unknown"),
]


class QualityComplaintLine(models.Model):
    _name = "quality.complaint.line"
    _inherit = ["quality.number.mixin"]
    _description = "Quality Complaint Line"
    _order = "ticket_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Complaint",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="ticket_id.company_id", store=True, index=True, precompute=True
    )
    commercial_partner_id = fields.Many2one(
        related="ticket_id.commercial_partner_id",
        string="Customer",
        store=True,
        index=True,
        precompute=True,
    )
    # Affected goods
    lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Lot/Serial Number",
        domain="[('product_id', '=', product_id)]",
        check_company=True,
        index="btree_not_null",
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        required=True,
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    product_tracking = fields.Selection(related="product_id.tracking")
    quantity = fields.Float(
        default=1.0,
        digits="Product Unit of Measure",
        required=True,
        number_max=QUANTITY_MAX,
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    defect_type_id = fields.Many2one(
        comodel_name="quality.defect.type",
        compute="_compute_defect_type_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        check_company=True,
    )
    component_id = fields.Many2one(
        comodel_name="product.product",
        string="Failed Component",
        index="btree_not_null",
        check_company=True,
        domain="allowed_component_ids and [('id', 'in', allowed_component_ids)] or []",
        help="The part that failed (同一部件); one of the product's components when "
        "the product lists them.",
    )
    allowed_component_ids = fields.Many2many(
        related="product_id.complaint_component_ids", string="Allowed Components"
    )
    # The customer's region when the line was created (a region is the state, or
    # the country for customers without a state): batch rules per region.
    state_id = fields.Many2one(
        comodel_name="res.country.state",
        string="Province/State",
        compute="_compute_region",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
    )
    country_id = fields.Many2one(
        comodel_name="res.country",
        string="Country",
        compute="_compute_region",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
    )
    date = fields.Date(
        compute="_compute_date",
        store=True,
        readonly=False,
        precompute=True,
        help="Date of the complaint; batch detection counts lines by this date.",
    )
    # Traceability, from stock data
    delivery_picking_id = fields.Many2one(
        comodel_name="stock.picking",
        string="Delivery",
        compute="_compute_traceability",
        store=True,
        help="Most recent done delivery of this lot to the complaint's customer "
        "(commercial partner), on or before the complaint date.",
    )
    delivery_date = fields.Date(compute="_compute_traceability", store=True)
    receipt_picking_id = fields.Many2one(
        comodel_name="stock.picking",
        string="Receipt",
        compute="_compute_traceability",
        store=True,
        groups="base.group_user",
        help="First done receipt from a vendor that brought this lot in.",
    )
    purchase_order_id = fields.Many2one(
        comodel_name="purchase.order",
        compute="_compute_traceability",
        store=True,
        groups="base.group_user",
        help="Purchase order of the receipt that brought this lot in.",
    )
    vendor_id = fields.Many2one(
        comodel_name="res.partner",
        string="Vendor",
        compute="_compute_traceability",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
    )
    warranty_state = fields.Selection(
        selection=WARRANTY_STATES,
        compute="_compute_warranty_state",
        store=True,
    )
    warranty_end_date = fields.Date(compute="_compute_warranty_state", store=True)

    def init(self):
        # Batch detection counts complaint lines per product or lot over a window.
        for column in ("product_id", "lot_id"):
            create_index(
                self.env.cr,
                f"quality_complaint_line_{column}_date_index",
                self._table,
                [column, "date"],
            )
        create_index(
            self.env.cr,
            "quality_complaint_line_component_id_date_index",
            self._table,
            ["component_id", "date"],
            where="component_id IS NOT NULL",
        )
        # The hourly detection sums the lines of each group a new line
        # touched: by product and failure mode (and customer), or by
        # component and failure mode, within the window.
        create_index(
            self.env.cr,
            "quality_complaint_line_product_defect_partner_date_index",
            self._table,
            ["product_id", "defect_type_id", "commercial_partner_id", "date"],
        )
        create_index(
            self.env.cr,
            "quality_complaint_line_component_defect_date_index",
            self._table,
            ["component_id", "defect_type_id", "date"],
            where="component_id IS NOT NULL",
        )
        # The hourly detection reads the lines changed since its last run.
        create_index(
            self.env.cr,
            "quality_complaint_line_write_date_index",
            self._table,
            ["write_date"],
        )

    @api.depends("lot_id")
    def _compute_product_id(self):
        for line in self:
            if line.lot_id:
                line.product_id = line.lot_id.product_id

    @api.depends("ticket_id.defect_type_id")
    def _compute_defect_type_id(self):
        for line in self:
            if not line.defect_type_id:
                line.defect_type_id = line.ticket_id.defect_type_id

    @api.depends("commercial_partner_id")
    def _compute_region(self):
        # Only on the customer's change: the line keeps the region it was
        # complained from when the customer moves later.
        for line in self:
            partner = line.commercial_partner_id
            line.state_id = partner.state_id
            line.country_id = partner.country_id or partner.state_id.country_id

    @api.depends("ticket_id.create_date")
    def _compute_date(self):
        today = fields.Date.context_today(self)
        for line in self:
            create_date = line.ticket_id.create_date
            line.date = (
                fields.Date.context_today(self, create_date) if create_date else today
            )

    @api.depends("lot_id", "commercial_partner_id", "date")
    def _compute_traceability(self):
        """Trace all lines' lots in two queries, whatever the number of lines."""
        lots = self.lot_id
        deliveries, receipts = (
            self._get_lot_deliveries(lots),
            self._get_lot_receipts(lots),
        )
        Picking = self.env["stock.picking"]
        Order = self.env["purchase.order"]
        Partner = self.env["res.partner"]
        for line in self:
            delivery = False
            for picking_id, delivery_date in deliveries.get(
                (line.lot_id.id, line.commercial_partner_id.id), []
            ):
                if not line.date or delivery_date <= line.date:
                    delivery = (picking_id, delivery_date)
                    break
            receipt_id, order_id, vendor_id = receipts.get(
                line.lot_id.id, (False, False, False)
            )
            line.delivery_picking_id = Picking.browse(delivery and delivery[0])
            line.delivery_date = delivery and delivery[1]
            line.receipt_picking_id = Picking.browse(receipt_id)
            line.purchase_order_id = Order.browse(order_id)
            line.vendor_id = Partner.browse(vendor_id)

    @api.depends(
        "delivery_date", "date", "product_id.product_tmpl_id.complaint_warranty_months"
    )
    def _compute_warranty_state(self):
        for line in self:
            if not line.delivery_date:
                line.warranty_end_date = False
                line.warranty_state = "unknown"
                continue
            months = line.product_id.product_tmpl_id.complaint_warranty_months
            line.warranty_end_date = line.delivery_date + relativedelta(months=months)
            complaint_date = line.date or fields.Date.context_today(self)
            line.warranty_state = (
                "in_warranty"
                if months and complaint_date <= line.warranty_end_date
                else "out_of_warranty"
            )

    @api.constrains("quantity")
    def _check_quantity(self):
        for line in self:
            if line.quantity <= 0:
                raise ValidationError(
                    self.env._(
                        "The affected quantity of %(product)s must be greater than "
                        "zero (got %(quantity)s).",
                        product=line.product_id.display_name,
                        quantity=line.quantity,
                    )
                )

    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        for line in self:
            if line.lot_id and line.lot_id.product_id != line.product_id:
                raise ValidationError(
                    self.env._(
                        "Lot %(lot)s belongs to %(lot_product)s, not to %(product)s.",
                        lot=line.lot_id.name,
                        lot_product=line.lot_id.product_id.display_name,
                        product=line.product_id.display_name,
                    )
                )

    @api.constrains("component_id", "product_id")
    def _check_component(self):
        for line in self:
            components = line.product_id.complaint_component_ids
            if line.component_id and components and line.component_id not in components:
                raise ValidationError(
                    self.env._(
                        "%(component)s is not a component of %(product)s; its "
                        "components are: %(components)s.",
                        component=line.component_id.display_name,
                        product=line.product_id.display_name,
                        components=", ".join(components.mapped("display_name")),
                    )
                )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_lot_traceability(self):
        """Odoo's upstream/downstream traceability report of the line's lot."""
        self.ensure_one()
        return self.lot_id.action_view_complaint_traceability()

    def action_refresh_traceability(self):
        self._recompute_traceability()
        return True

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _recompute_traceability(self):
        for fname in TRACEABILITY_FIELDS:
            self.env.add_to_compute(self._fields[fname], self)
        self.flush_recordset()

    @api.model
    def _get_lot_deliveries(self, lots):
        """Done deliveries of `lots` to customers.

        :return: {(lot id, commercial partner id): [(picking id, date), ...]},
                 most recent first
        """
        result = defaultdict(list)
        if not lots:
            return result
        self._flush_stock_models()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT sml.lot_id, partner.commercial_partner_id, sml.picking_id,
                       sml.date
                  FROM stock_move_line sml
                  JOIN stock_location dest ON dest.id = sml.location_dest_id
                  JOIN stock_picking picking ON picking.id = sml.picking_id
                  JOIN res_partner partner ON partner.id = picking.partner_id
                 WHERE sml.lot_id IN %(lot_ids)s
                   AND sml.state = 'done'
                   AND dest.usage = 'customer'
              ORDER BY sml.date DESC, sml.id DESC
                """,
                lot_ids=tuple(lots.ids),
            )
        )
        for lot_id, partner_id, picking_id, date in rows:
            result[lot_id, partner_id].append(
                (picking_id, fields.Date.context_today(self, date))
            )
        return result

    @api.model
    def _get_lot_receipts(self, lots):
        """First done receipt from a vendor of each lot: the one answer to
        "which receipt brought this lot in".

        :return: {lot id: (receipt picking id or None, purchase order id or None,
                  vendor commercial partner id)}
        """
        if not lots:
            return {}
        self._flush_stock_models()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (sml.lot_id)
                       sml.lot_id, picking.id, po.id, vendor.commercial_partner_id
                  FROM stock_move_line sml
                  JOIN stock_location src ON src.id = sml.location_id
                  JOIN stock_move move ON move.id = sml.move_id
             LEFT JOIN purchase_order_line pol ON pol.id = move.purchase_line_id
             LEFT JOIN purchase_order po ON po.id = pol.order_id
             LEFT JOIN stock_picking picking ON picking.id = move.picking_id
             LEFT JOIN res_partner vendor
                       ON vendor.id = COALESCE(po.partner_id, picking.partner_id)
                 WHERE sml.lot_id IN %(lot_ids)s
                   AND sml.state = 'done'
                   AND src.usage = 'supplier'
              ORDER BY sml.lot_id, sml.date, sml.id
                """,
                lot_ids=tuple(lots.ids),
            )
        )
        return {
            lot_id: (picking_id, order_id, vendor_id)
            for lot_id, picking_id, order_id, vendor_id in rows
        }

    def _flush_stock_models(self):
        for model, fnames in (
            ("stock.move.line", ["lot_id", "state", "date", "location_id"]),
            ("stock.move.line", ["location_dest_id", "picking_id", "move_id"]),
            ("stock.move", ["purchase_line_id", "picking_id"]),
            ("stock.picking", ["partner_id"]),
            ("purchase.order.line", ["order_id"]),
            ("purchase.order", ["partner_id"]),
            ("res.partner", ["commercial_partner_id"]),
        ):
            self.env[model].flush_model(fnames)
