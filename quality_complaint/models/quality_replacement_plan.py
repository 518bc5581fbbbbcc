from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import action_open_records

PLAN_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("in_progress", "In Progress"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
# The RMA operation of each decision (a complaint remedy type, see
# data/rma_operation_data.xml); "none" sends nothing back.
DECISION_REMEDY_TYPES = {
    "replace_all": "replace",
    "replace_failed": "replace",
    "repair": "repair",
}


class QualityReplacementPlan(models.Model):
    """The replacement plan of a confirmed batch problem (整机更换方案,
    方正科技产品批量退换货申请表): per customer who received its lots, the units
    delivered, in warranty and complained about, a decision and its cost.

    draft → to_approve (tier reviews, by default a quality manager) →
    approved → in_progress (carried out: the RMAs of every customer at once)
    → done (every RMA finished); cancelled from any state before it is
    carried out. A refused review leaves the plan in draft, its reviews shown
    until it is submitted again. Changing a line of a plan under review or
    approved sends it back to draft.
    """

    _name = "quality.replacement.plan"
    _description = "Replacement Plan"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "quality.tier.approval.mixin",
        "quality.number.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _cancel_state = "cancelled"
    _tier_rejected_state = "draft"
    # state moves only through the workflow buttons below
    _guarded_states = {"state": ["draft"], "was_submitted": [False]}

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    batch_issue_id = fields.Many2one(
        comodel_name="quality.batch.issue",
        string="Batch Problem",
        required=True,
        readonly=True,
        index=True,
        # A plan belongs to its issue. The ORM never deletes either once the
        # issue was confirmed (the only issues with plans): no restrict here,
        # which would only stop raw SQL clean-ups (benchmarks).
        ondelete="cascade",
        check_company=True,
    )
    product_id = fields.Many2one(related="batch_issue_id.product_id")
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    date = fields.Date(
        string="Plan Date",
        default=fields.Date.context_today,
        required=True,
        readonly=True,
        help="The deliveries were traced on this date: units are in warranty "
        "when their delivery date plus the product's warranty reaches it.",
    )
    state = fields.Selection(
        selection=PLAN_STATES,
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    was_submitted = fields.Boolean(
        readonly=True,
        copy=False,
        help="The plan was submitted once: it is kept for the record, whatever "
        "its state now (cancel it instead of deleting it).",
    )
    description = fields.Html(
        string="Solution",
        help="The technical solution the plan carries out, and how the units "
        "are exchanged (征求分公司及用户意见).",
    )
    line_ids = fields.One2many(
        comodel_name="quality.replacement.plan.line",
        inverse_name="plan_id",
        string="Customers",
        copy=True,
    )
    customer_count = fields.Integer(compute="_compute_customer_count")
    amount_estimated = fields.Monetary(
        string="Estimated Cost",
        compute="_compute_amount_estimated",
        store=True,
        tracking=True,
        currency_field="currency_id",
    )
    rma_ids = fields.One2many(
        comodel_name="rma",
        inverse_name="replacement_plan_id",
        string="RMAs",
        groups="rma.rma_group_user_own",
    )
    rma_count = fields.Integer(
        string="RMA Count", compute="_compute_rma_count", store=True
    )
    rma_finished_count = fields.Integer(
        string="RMAs Finished", compute="_compute_rma_count", store=True
    )
    progress = fields.Float(
        string="Progress (%)",
        compute="_compute_rma_count",
        store=True,
        aggregator="avg",
        help="RMAs finished per RMA of the plan (cancelled ones left out).",
    )

    @api.depends("line_ids")
    def _compute_customer_count(self):
        for plan in self:
            plan.customer_count = len(plan.line_ids)

    @api.depends("line_ids.cost_estimate")
    def _compute_amount_estimated(self):
        for plan in self:
            plan.amount_estimated = sum(plan.line_ids.mapped("cost_estimate"))

    @api.depends("line_ids.rma_count", "line_ids.rma_finished_count")
    def _compute_rma_count(self):
        for plan in self:
            plan.rma_count = sum(plan.line_ids.mapped("rma_count"))
            plan.rma_finished_count = sum(plan.line_ids.mapped("rma_finished_count"))
            plan.progress = (
                100.0 * plan.rma_finished_count / plan.rma_count
                if plan.rma_count
                else 0.0
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("quality.replacement.plan")
                    or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if any(plan.state != "draft" or plan.was_submitted for plan in self):
            raise UserError(
                self.env._(
                    "Replacement plans that were submitted cannot be deleted: "
                    "cancel them."
                )
            )

    # ------------------------------------------------------------
    # Actions: workflow
    # ------------------------------------------------------------

    def _check_state(self, allowed, action):
        wrong = self.filtered(lambda plan: plan.state not in allowed)
        if wrong:
            raise UserError(
                self.env._(
                    "Replacement plan %(plans)s: cannot %(action)s in this state.",
                    plans=", ".join(wrong.mapped("name")),
                    action=action,
                )
            )

    def _check_engineer(self):
        if not self.env.user.has_group("quality_complaint.group_quality_engineer"):
            raise AccessError(
                self.env._(
                    "Only quality engineers and managers submit, carry out and "
                    "cancel replacement plans."
                )
            )

    def action_submit(self):
        """Ask for the reviews the tier definitions call for (by default a
        quality manager's); a plan none selects is approved at once."""
        self._check_engineer()
        self._check_state(("draft",), self.env._("submit"))
        for plan in self:
            if not plan.line_ids.filtered(lambda line: line.decision != "none"):
                raise UserError(
                    self.env._(
                        "Replacement plan %(plan)s replaces or repairs nothing: "
                        "give a decision to at least one customer.",
                        plan=plan.name,
                    )
                )
        with self._workflow_writes():
            # the reviews of an earlier, refused request are history
            self.filtered("review_ids").restart_validation()
            self.write({"was_submitted": True})
            self._request_approval()
        return True

    def action_carry_out(self):
        """Create the RMAs of every customer of the approved plans at once,
        received into the quality quarantine location: replace all units
        delivered, replace the failed units, or repair the failed units; a
        customer with the decision "none" gets nothing."""
        self._check_engineer()
        self._check_state(("approved",), self.env._("carry out"))
        vals_list = self.line_ids._prepare_rma_vals_list()
        with self._workflow_writes():
            rmas = self.env["rma"].create(vals_list)
            self.write({"state": "in_progress"})
        rmas.action_confirm()
        for plan in self:
            plan_rmas = rmas.filtered(lambda r, p=plan: r.replacement_plan_id == p)
            plan.message_post(
                body=self.env._(
                    "Plan carried out: %(count)s RMA(s) created: %(rmas)s",
                    count=len(plan_rmas),
                    rmas=", ".join(plan_rmas.mapped("name")) or "-",
                )
            )
        # a plan whose RMAs are all finished already (or that has none) is done
        self._update_plan_done()
        return action_open_records(rmas, "rma.rma_action") if rmas else True

    def action_cancel(self):
        self._check_engineer()
        self._check_state(("draft", "to_approve", "approved"), self.env._("cancel"))
        with self._workflow_writes():
            self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        """Back to draft, for changes and a new approval."""
        self._check_engineer()
        self._check_state(
            ("to_approve", "approved", "cancelled"), self.env._("reset to draft")
        )
        self._reset_approval()
        return True

    def action_view_rmas(self):
        self.ensure_one()
        return action_open_records(self.rma_ids, "rma.rma_action")

    def action_view_batch_issue(self):
        self.ensure_one()
        return action_open_records(
            self.batch_issue_id, "quality_complaint.quality_batch_issue_action"
        )

    # ------------------------------------------------------------
    # Tier validation
    # ------------------------------------------------------------

    def _check_allow_write_under_validation(self, vals):
        # A plan back in draft after a refusal keeps its refused reviews to
        # show; it is being corrected, not under review.
        if self.state == "draft":
            return True
        return super()._check_allow_write_under_validation(vals)

    def _get_to_validate_message_name(self):
        return self.env._("replacement plan")

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _on_lines_changed(self):
        """The lines changed: a plan under review or approved goes back to
        draft for a new approval; one carried out or cancelled keeps them."""
        locked = self.filtered(
            lambda p: p.state in ("in_progress", "done", "cancelled")
        )
        if locked:
            raise UserError(
                self.env._(
                    "Replacement plan %(plans)s is carried out or cancelled: its "
                    "customers, decisions and costs cannot change any more.",
                    plans=", ".join(locked.mapped("name")),
                )
            )
        reviewed = self.filtered(lambda p: p.state in ("to_approve", "approved"))
        if not reviewed:
            return
        reviewed._reset_approval()
        for plan in reviewed:
            plan.message_post(
                body=self.env._(
                    "The customers, decisions or costs changed: the plan's "
                    "approval is reset to draft."
                )
            )

    def _update_plan_done(self):
        """Called when an RMA of a plan changes state: a plan in progress is
        done when its RMAs (cancelled ones aside) are all finished. Runs as
        superuser: the warehouse user who finishes the RMA may not see the
        plan."""
        done = self.sudo().filtered(
            lambda p: p.state == "in_progress"
            and all(
                rma._is_quality_finished()
                for rma in p.rma_ids.filtered(lambda r: r.state != "cancelled")
            )
        )
        if not done:
            return
        with self._workflow_writes():
            done.write({"state": "done"})
        for plan in done:
            plan.message_post(
                body=self.env._("Replacement plan done: its RMAs are finished.")
            )

    @api.model
    def _create_from_issue(self, issue):
        """A draft plan of `issue` with one line per customer who received its
        lots or complained about them, in a fixed number of queries whatever
        the number of customers.

        Default decision: the customers with complaints get their failed units
        replaced (replace_failed), or all their units when the issue was
        reported before the customer accepted them (§3.1: during acceptance,
        whole-unit replacement first); the others none. Cost estimate: the
        product's cost (standard price, averaged over the customer's units)
        times the units the decision concerns (all units delivered, or the
        units complained about).

        :return: the new plan
        """
        issue.ensure_one()
        date = fields.Date.context_today(self)
        figures = self._read_customer_figures(issue, date)
        replace_all_first = issue.origin == "reported" and not issue.customer_accepted
        lines = []
        for partner_id in sorted(figures):
            values = figures[partner_id]
            decision = "none"
            if values["units_complained"] > 0:
                decision = "replace_all" if replace_all_first else "replace_failed"
            lines.append(
                (
                    0,
                    0,
                    dict(values, partner_id=partner_id, decision=decision),
                )
            )
        plan = self.create(
            {
                "batch_issue_id": issue.id,
                "company_id": issue.company_id.id,
                "date": date,
                "line_ids": lines,
            }
        )
        plan.message_post(
            body=self.env._(
                "Drafted from the deliveries of batch problem %(issue)s: "
                "%(count)s customer(s).",
                issue=issue.name,
                count=len(lines),
            )
        )
        return plan

    @api.model
    def _read_customer_figures(self, issue, date):
        """Per customer (commercial partner) of `issue`: the units of its lots
        delivered to it, net of its returns, those in warranty on `date`, the
        units it complained about and their average cost.

        Two aggregate queries (deliveries, complaint lines) and the products'
        costs, whatever the number of customers.

        :return: {partner id: {units_delivered, units_in_warranty,
                  units_complained, unit_cost}}
        """
        by_product = defaultdict(
            lambda: {"delivered": 0.0, "in_warranty": 0.0, "complained": 0.0}
        )
        lots = issue._get_lots()
        if lots:
            for partner_id, product_id, delivered, in_warranty in self.env[
                "quality.replacement.plan.line"
            ]._read_deliveries(lots, date):
                figures = by_product[partner_id, product_id]
                # a customer cannot hold fewer than no unit (returns of units
                # delivered before the lots were traced)
                figures["delivered"] = max(delivered, 0.0)
                figures["in_warranty"] = min(
                    max(in_warranty, 0.0), figures["delivered"]
                )
        complaint_lines = (
            self.env["quality.complaint.line"]
            .sudo()
            ._read_group(
                [
                    ("id", "in", issue.sudo().line_ids.ids),
                    ("commercial_partner_id", "!=", False),
                ],
                ["commercial_partner_id", "product_id"],
                ["quantity:sum"],
            )
        )
        for partner, product, quantity in complaint_lines:
            by_product[partner.id, product.id]["complained"] += quantity
        products = self.env["product.product"].browse(
            {product_id for _partner, product_id in by_product}
        )
        costs = {
            product.id: product.standard_price
            for product in products.with_company(issue.company_id)
        }
        result = {}
        for (partner_id, product_id), figures in by_product.items():
            customer = result.setdefault(
                partner_id,
                {
                    "units_delivered": 0.0,
                    "units_in_warranty": 0.0,
                    "units_complained": 0.0,
                    "cost_weight": 0.0,
                    "cost_units": 0.0,
                },
            )
            customer["units_delivered"] += figures["delivered"]
            customer["units_in_warranty"] += figures["in_warranty"]
            customer["units_complained"] += figures["complained"]
            units = max(figures["delivered"], figures["complained"])
            customer["cost_weight"] += units * costs[product_id]
            customer["cost_units"] += units
        for customer in result.values():
            weight, units = customer.pop("cost_weight"), customer.pop("cost_units")
            customer["unit_cost"] = weight / units if units else 0.0
        return result

    def _rma_description(self, line):
        self.ensure_one()
        decision = dict(line._fields["decision"]._description_selection(self.env)).get(
            line.decision
        )
        return Markup("<p>%s</p>") % self.env._(
            "Replacement plan %(plan)s of batch problem %(issue)s: %(decision)s",
            plan=self.name,
            issue=self.batch_issue_id.name,
            decision=decision,
        )
