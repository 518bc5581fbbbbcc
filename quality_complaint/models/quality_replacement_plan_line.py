from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import action_open_records
from .quality_complaint_line import QUANTITY_MAX
from .quality_replacement_plan import DECISION_REMEDY_TYPES
from .quality_supplier_claim import AMOUNT_MAX

DECISIONS = [
    ("replace_all", "Replace All Units"),
    ("replace_failed", "Replace Failed Units"),
    ("repair", "Repair Failed Units"),
    ("none", "None"),
]
# Changing these on a plan under review or approved asks for a new approval.
PLAN_LINE_FIELDS = {
    "partner_id",
    "units_delivered",
    "units_in_warranty",
    "units_complained",
    "decision",
    "unit_cost",
    "cost_estimate",
}
UNIT_FIELDS = ("units_delivered", "units_in_warranty", "units_complained")


class QualityReplacementPlanLine(models.Model):
    """One customer of a replacement plan: what it received of the problem's
    lots, what it complained about, what is done for it and its progress."""

    _name = "quality.replacement.plan.line"
    _description = "Replacement Plan Customer"
    _inherit = ["quality.number.mixin"]
    _order = "plan_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    plan_id = fields.Many2one(
        comodel_name="quality.replacement.plan",
        string="Replacement Plan",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="plan_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="plan_id.currency_id")
    plan_state = fields.Selection(related="plan_id.state", string="Plan Status")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    units_delivered = fields.Float(
        digits="Product Unit of Measure",
        number_max=QUANTITY_MAX,
        help="Units of the problem's lots delivered to the customer, net of its "
        "returns.",
    )
    units_in_warranty = fields.Float(
        digits="Product Unit of Measure",
        number_max=QUANTITY_MAX,
        help="Units delivered whose warranty (the product's months from the "
        "delivery date) runs on the plan date.",
    )
    units_complained = fields.Float(
        digits="Product Unit of Measure",
        number_max=QUANTITY_MAX,
        help="Units of the customer's complaint lines of the problem.",
    )
    decision = fields.Selection(
        selection=DECISIONS,
        required=True,
        default="none",
        help="Replace all units delivered, replace the failed units, repair the "
        "failed units, or nothing. Carried out as RMAs.",
    )
    unit_cost = fields.Monetary(
        currency_field="currency_id",
        number_max=AMOUNT_MAX,
        help="Cost of one unit (the product's cost when the plan was drafted).",
    )
    cost_estimate = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_cost_estimate",
        store=True,
        readonly=False,
        precompute=True,
        number_max=AMOUNT_MAX,
        help="Unit cost × the units the decision concerns (all units delivered, "
        "or the units complained about); editable.",
    )
    rma_ids = fields.One2many(
        comodel_name="rma",
        inverse_name="replacement_plan_line_id",
        string="RMAs",
        groups="rma.rma_group_user_own",
    )
    rma_count = fields.Integer(
        string="RMA Count", compute="_compute_rma_progress", store=True, precompute=True
    )
    rma_finished_count = fields.Integer(
        string="RMAs Finished",
        compute="_compute_rma_progress",
        store=True,
        precompute=True,
    )
    progress = fields.Float(
        string="Progress (%)",
        compute="_compute_rma_progress",
        store=True,
        precompute=True,
        aggregator="avg",
        help="RMAs finished per RMA of the customer (cancelled ones left out).",
    )

    _sql_constraints = [
        (
            "plan_partner_uniq",
            "unique(plan_id, partner_id)",
            "A customer appears once in a replacement plan.",
        ),
    ]

    @api.depends("decision", "unit_cost", "units_delivered", "units_complained")
    def _compute_cost_estimate(self):
        for line in self:
            line.cost_estimate = line.unit_cost * line._get_decision_units()

    @api.depends("rma_ids.state", "rma_ids.refund_id.state")
    def _compute_rma_progress(self):
        for line in self:
            rmas = line.rma_ids.filtered(lambda r: r.state != "cancelled")
            finished = rmas.filtered(lambda r: r._is_quality_finished())
            line.rma_count = len(rmas)
            line.rma_finished_count = len(finished)
            line.progress = 100.0 * len(finished) / len(rmas) if rmas else 0.0

    @api.constrains(*UNIT_FIELDS, "unit_cost", "cost_estimate")
    def _check_figures(self):
        for line in self:
            if any(line[fname] < 0 for fname in UNIT_FIELDS) or (
                line.unit_cost < 0 or line.cost_estimate < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Replacement plan %(plan)s, %(customer)s: units and costs "
                        "cannot be negative.",
                        plan=line.plan_id.name,
                        customer=line.partner_id.display_name,
                    )
                )
            if line.units_in_warranty > line.units_delivered:
                raise ValidationError(
                    self.env._(
                        "Replacement plan %(plan)s, %(customer)s: more units in "
                        "warranty (%(warranty)s) than delivered (%(delivered)s).",
                        plan=line.plan_id.name,
                        customer=line.partner_id.display_name,
                        warranty=line.units_in_warranty,
                        delivered=line.units_delivered,
                    )
                )

    # ------------------------------------------------------------
    # CRUD: the plan's approval follows its lines
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.plan_id._on_lines_changed()
        return lines

    def write(self, vals):
        plans = self.plan_id
        res = super().write(vals)
        if PLAN_LINE_FIELDS & set(vals):
            plans._on_lines_changed()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_plan_locked(self):
        self.plan_id._on_lines_changed()

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _get_decision_units(self):
        """The units the decision concerns."""
        self.ensure_one()
        if self.decision == "replace_all":
            return self.units_delivered
        if self.decision in ("replace_failed", "repair"):
            return self.units_complained
        return 0.0

    @api.model
    def _read_deliveries(self, lots, date, partner_ids=None, per_lot=False):
        """The units of `lots` delivered to each customer (commercial partner
        of the picking's partner), net of the customer's returns, and those in
        warranty on `date`: as for complaint lines, a unit is in warranty when
        its product has a warranty and its delivery date plus the product's
        warranty months reaches the date. A return counts at the date of the
        delivery it returns. One query.

        :param partner_ids: only these customers
        :param per_lot: also by lot, with the latest delivery's picking and move
        :return: rows (partner id, product id, [lot id, picking id, move id,]
                 units delivered, units in warranty)
        """
        self.env["quality.complaint.line"]._flush_stock_models()
        self.env["stock.move"].flush_model(["origin_returned_move_id", "date"])
        self.env["product.template"].flush_model(["complaint_warranty_months"])
        tz = self.env.user.tz or "UTC"
        signed = SQL(
            "CASE WHEN dest.usage = 'customer' THEN sml.quantity_product_uom"
            " ELSE -sml.quantity_product_uom END"
        )
        delivery_date = SQL(
            "(COALESCE(origin.date, sml.date) AT TIME ZONE 'UTC'"
            " AT TIME ZONE %s)::date",
            tz,
        )
        in_warranty = SQL(
            "tmpl.complaint_warranty_months > 0 AND %s"
            " + make_interval(months => tmpl.complaint_warranty_months) >= %s",
            delivery_date,
            date,
        )
        lot_columns = SQL(
            ", sml.lot_id,"
            " (ARRAY_AGG(sml.picking_id ORDER BY sml.date DESC, sml.id DESC)"
            "  FILTER (WHERE dest.usage = 'customer'))[1],"
            " (ARRAY_AGG(sml.move_id ORDER BY sml.date DESC, sml.id DESC)"
            "  FILTER (WHERE dest.usage = 'customer'))[1]"
        )
        query = SQL(
            """
            SELECT partner.commercial_partner_id, sml.product_id %(lot_columns)s,
                   SUM(%(signed)s),
                   SUM(CASE WHEN %(in_warranty)s THEN %(signed)s ELSE 0 END)
              FROM stock_move_line sml
              JOIN stock_location src ON src.id = sml.location_id
              JOIN stock_location dest ON dest.id = sml.location_dest_id
              JOIN stock_picking picking ON picking.id = sml.picking_id
              JOIN res_partner partner ON partner.id = picking.partner_id
              JOIN product_product product ON product.id = sml.product_id
              JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
         LEFT JOIN stock_move move ON move.id = sml.move_id
         LEFT JOIN stock_move origin ON origin.id = move.origin_returned_move_id
             WHERE sml.lot_id IN %(lot_ids)s
               AND sml.state = 'done'
               AND (dest.usage = 'customer') <> (src.usage = 'customer')
               %(partner_filter)s
          GROUP BY partner.commercial_partner_id, sml.product_id %(lot_group)s
            """,
            lot_columns=lot_columns if per_lot else SQL(),
            signed=signed,
            in_warranty=in_warranty,
            lot_ids=tuple(lots.ids),
            partner_filter=SQL(
                "AND partner.commercial_partner_id IN %s", tuple(partner_ids)
            )
            if partner_ids
            else SQL(),
            lot_group=SQL(", sml.lot_id") if per_lot else SQL(),
        )
        return self.env.execute_query(query)

    def _prepare_rma_vals_list(self):
        """The RMAs that carry out these lines, in a fixed number of queries
        per plan: for "replace all", one per lot delivered to the customer
        (its units net of returns, less those the customer's complaints
        already take back through their own RMAs); for "replace failed" and
        "repair", one per complaint line of the customer in the problem that
        has no RMA yet; nothing for "none".

        :return: list of rma values
        """
        vals_list = []
        Operation = self.env["rma.operation"]
        operations = {
            decision: Operation._get_quality_operation(remedy_type)
            for decision, remedy_type in DECISION_REMEDY_TYPES.items()
            if decision in self.mapped("decision")
        }
        for plan, lines in self.grouped("plan_id").items():
            lines = lines.filtered(lambda line: line.decision != "none")
            if not lines:
                continue
            location = plan.company_id._get_quality_rma_location()
            issue = plan.batch_issue_id.sudo()
            partners = lines.partner_id
            complaint_lines = issue.line_ids.filtered(
                lambda cl, partners=partners: cl.commercial_partner_id in partners
            )
            # units the complaints' own remedies take back already
            taken = (
                self.env["rma"]
                .sudo()
                ._read_group(
                    [
                        ("complaint_line_id", "in", complaint_lines.ids),
                        ("state", "!=", "cancelled"),
                    ],
                    ["complaint_line_id"],
                    ["product_uom_qty:sum"],
                )
            )
            taken_by_line = {cl: qty for cl, qty in taken}
            taken_by_lot = defaultdict(float)
            for complaint_line, qty in taken_by_line.items():
                taken_by_lot[
                    complaint_line.commercial_partner_id.id,
                    complaint_line.product_id.id,
                    complaint_line.lot_id.id,
                ] += qty
            replace_all = lines.filtered(lambda line: line.decision == "replace_all")
            lots = issue._get_lots()
            rows = (
                self._read_deliveries(
                    lots,
                    plan.date,
                    partner_ids=replace_all.partner_id.ids,
                    per_lot=True,
                )
                if replace_all and lots
                else []
            )
            line_by_partner = {line.partner_id.id: line for line in lines}
            products = self.env["product.product"].browse({row[1] for row in rows})
            products |= complaint_lines.product_id
            products.fetch(["uom_id"])
            for partner_id, product_id, lot_id, picking_id, move_id, qty, _w in rows:
                qty -= taken_by_lot[partner_id, product_id, lot_id]
                if qty <= 0:
                    continue
                line = line_by_partner[partner_id]
                vals_list.append(
                    line._prepare_rma_vals(
                        operations[line.decision],
                        location,
                        product=products.browse(product_id),
                        lot_id=lot_id,
                        quantity=qty,
                        picking_id=picking_id,
                        move_id=move_id,
                    )
                )
            failed = lines - replace_all
            for complaint_line in complaint_lines:
                line = line_by_partner.get(complaint_line.commercial_partner_id.id)
                if not line or line not in failed or complaint_line in taken_by_line:
                    continue
                delivery = complaint_line.delivery_picking_id
                moves = delivery.move_ids.filtered(
                    lambda m, cl=complaint_line: m.product_id == cl.product_id
                    and m.state == "done"
                )
                if complaint_line.lot_id:
                    moves = (
                        moves.filtered(
                            lambda m, cl=complaint_line: cl.lot_id
                            in m.move_line_ids.lot_id
                        )
                        or moves
                    )
                vals_list.append(
                    line._prepare_rma_vals(
                        operations[line.decision],
                        location,
                        product=complaint_line.product_id,
                        lot_id=complaint_line.lot_id.id,
                        quantity=complaint_line.quantity,
                        picking_id=delivery.id,
                        move_id=moves[:1].id,
                    )
                )
        return vals_list

    def _prepare_rma_vals(
        self, operation, location, product, lot_id, quantity, picking_id, move_id
    ):
        """One RMA of this customer: the product and lot, the quantity, the
        delivery it came with as origin."""
        self.ensure_one()
        plan = self.plan_id
        vals = {
            "partner_id": self.partner_id.id,
            "company_id": plan.company_id.id,
            "origin": plan.name,
            "replacement_plan_line_id": self.id,
            "picking_id": picking_id or False,
            "move_id": move_id or False,
            "product_id": product.id,
            "lot_id": lot_id or False,
            "product_uom_qty": quantity,
            "product_uom": product.uom_id.id,
            "operation_id": operation.id,
            "description": plan._rma_description(self),
        }
        if location:
            vals["location_id"] = location.id
        return vals

    def action_view_rmas(self):
        self.ensure_one()
        return action_open_records(self.rma_ids, "rma.rma_action")
