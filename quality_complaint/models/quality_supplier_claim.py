from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import action_open_records

# One claim, remedy or cost line beyond this is a typo, not a loss.
AMOUNT_MAX = 1_000_000_000
CLAIM_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("sent", "Sent"),
    ("acknowledged", "Acknowledged"),
    ("settled", "Settled"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]
# Cost line of each remedy type, from the complaint's remedy.
REMEDY_COST_TYPES = {
    "refund": "compensation",
    "compensation": "compensation",
    "repair": "labour",
    "other": "other",
}


class QualitySupplierClaim(models.Model):
    """A claim on a vendor for the losses its material caused (供应商索赔).

    draft → to_approve (tier reviews) → approved → sent (appraisal report
    e-mailed, response deadline) → acknowledged (the vendor's answer and
    agreed amount) → settled; or rejected (review refused) / cancelled.
    Purchase users pursue claims; purchase managers approve and settle them.
    """

    _name = "quality.supplier.claim"
    _description = "Supplier Claim"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "quality.tier.approval.mixin",
        "quality.number.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _cancel_state = "cancelled"
    # state moves only through the workflow buttons below
    _guarded_states = {"state": ["draft"], "was_submitted": [False]}

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Vendor",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Buyer",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    date = fields.Date(
        string="Claim Date", default=fields.Date.context_today, required=True
    )
    state = fields.Selection(
        selection=CLAIM_STATES,
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    was_submitted = fields.Boolean(
        readonly=True,
        copy=False,
        help="The claim was submitted once: it is kept for the record, whatever "
        "its state now (cancel it instead of deleting it).",
    )
    # What the claim is about, from lot traceability
    batch_issue_id = fields.Many2one(
        comodel_name="quality.batch.issue",
        string="Batch Problem",
        index="btree_not_null",
        check_company=True,
    )
    ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        relation="quality_supplier_claim_helpdesk_ticket_rel",
        column1="claim_id",
        column2="ticket_id",
        string="Complaints",
        check_company=True,
    )
    purchase_order_ids = fields.Many2many(
        comodel_name="purchase.order",
        relation="quality_supplier_claim_purchase_order_rel",
        column1="claim_id",
        column2="order_id",
        string="Purchase Orders",
        check_company=True,
    )
    lot_ids = fields.Many2many(
        comodel_name="stock.lot",
        relation="quality_supplier_claim_stock_lot_rel",
        column1="claim_id",
        column2="lot_id",
        string="Lots",
        check_company=True,
    )
    product_ids = fields.Many2many(
        comodel_name="product.product",
        relation="quality_supplier_claim_product_rel",
        column1="claim_id",
        column2="product_id",
        string="Products",
    )
    description = fields.Html(
        string="Loss Appraisal",
        help="The defect found, its evidence and the losses it caused.",
    )
    corrective_action_request = fields.Html(
        help="What the vendor must do and by when (纠正预防通知书); it answers "
        "with an 8D.",
    )
    # Amounts
    line_ids = fields.One2many(
        comodel_name="quality.supplier.claim.line",
        inverse_name="claim_id",
        string="Cost Lines",
        copy=True,
    )
    amount_claimed = fields.Monetary(
        compute="_compute_amount_claimed",
        store=True,
        tracking=True,
        currency_field="currency_id",
    )
    amount_agreed = fields.Monetary(
        number_max=AMOUNT_MAX,
        tracking=True,
        copy=False,
        currency_field="currency_id",
        help="What the vendor accepted to pay.",
    )
    agreed_note = fields.Text(
        string="Reason for the Agreed Amount",
        copy=False,
        help="Required when the vendor agrees to more than was claimed.",
    )
    amount_recovered = fields.Monetary(
        compute="_compute_amount_recovered",
        store=True,
        currency_field="currency_id",
        help="Posted vendor credit notes of the claim.",
    )
    # The vendor's answer
    sent_date = fields.Date(readonly=True, copy=False)
    response_deadline = fields.Date(tracking=True, copy=False)
    supplier_response = fields.Html(string="Vendor's Response", copy=False)
    supplier_8d_received = fields.Boolean(
        string="8D Received", tracking=True, copy=False
    )
    # Documents
    refund_move_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="quality_claim_id",
        string="Vendor Credit Notes",
        copy=False,
    )
    refund_count = fields.Integer(compute="_compute_document_counts")
    return_picking_ids = fields.One2many(
        comodel_name="stock.picking",
        inverse_name="quality_claim_id",
        string="Returns to Vendor",
        copy=False,
    )
    return_count = fields.Integer(compute="_compute_document_counts")
    action_ids = fields.One2many(
        comodel_name="quality.action",
        inverse_name="claim_id",
        string="Corrective Actions",
        copy=False,
    )
    ticket_count = fields.Integer(compute="_compute_document_counts")

    @api.depends("line_ids.amount")
    def _compute_amount_claimed(self):
        for claim in self:
            claim.amount_claimed = sum(claim.line_ids.mapped("amount"))

    @api.depends("refund_move_ids.state", "refund_move_ids.amount_total")
    def _compute_amount_recovered(self):
        for claim in self:
            claim.amount_recovered = sum(
                claim.refund_move_ids.filtered(lambda m: m.state == "posted").mapped(
                    "amount_total"
                )
            )

    def _compute_document_counts(self):
        for claim in self:
            claim.refund_count = len(claim.refund_move_ids)
            claim.return_count = len(claim.return_picking_ids)
            claim.ticket_count = len(claim.ticket_ids)

    @api.constrains("amount_agreed", "agreed_note", "line_ids")
    def _check_amount_agreed(self):
        for claim in self:
            if claim.amount_agreed < 0:
                raise ValidationError(
                    self.env._(
                        "The agreed amount of claim %(claim)s cannot be negative.",
                        claim=claim.name,
                    )
                )
            if (
                claim.currency_id.compare_amounts(
                    claim.amount_agreed, claim.amount_claimed
                )
                > 0
                and not (claim.agreed_note or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Claim %(claim)s: the vendor agrees to more than was "
                        "claimed; give the reason.",
                        claim=claim.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("quality.supplier.claim")
                    or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if any(claim.state != "draft" or claim.was_submitted for claim in self):
            raise UserError(
                self.env._("Claims that were submitted cannot be deleted: cancel them.")
            )

    # ------------------------------------------------------------
    # Actions: workflow
    # ------------------------------------------------------------

    def _check_state(self, allowed, action):
        wrong = self.filtered(lambda claim: claim.state not in allowed)
        if wrong:
            raise UserError(
                self.env._(
                    "%(claims)s: cannot %(action)s in this state.",
                    claims=", ".join(wrong.mapped("name")),
                    action=action,
                )
            )

    def action_submit(self):
        """Ask for the reviews the tier definitions call for; a claim none
        selects is approved at once."""
        self._check_state(("draft",), self.env._("submit"))
        for claim in self:
            if not claim.line_ids or claim.currency_id.is_zero(claim.amount_claimed):
                raise UserError(
                    self.env._(
                        "Claim %(claim)s has no amount to claim: add its cost lines.",
                        claim=claim.name,
                    )
                )
        with self._workflow_writes():
            self.write({"was_submitted": True})
            self._request_approval()
        return True

    def action_send(self):
        """E-mail the vendor the claim appraisal report and wait for its
        answer until the response deadline."""
        self._check_purchase_user()
        self._check_state(("approved", "sent"), self.env._("send"))
        template = self.env.ref("quality_complaint.mail_template_supplier_claim")
        today = fields.Date.context_today(self)
        for claim in self:
            if not claim.partner_id.email:
                raise UserError(
                    self.env._(
                        "Vendor %(vendor)s has no e-mail address.",
                        vendor=claim.partner_id.display_name,
                    )
                )
            days = claim.company_id.quality_claim_response_days or 10
            # the e-mail states the deadline: set it first
            claim.write(
                {"sent_date": today, "response_deadline": today + timedelta(days=days)}
            )
            claim.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            with self._workflow_writes():
                claim.state = "sent"
            claim.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                date_deadline=claim.response_deadline,
                summary=self.env._(
                    "Vendor's answer to claim %(claim)s", claim=claim.name
                ),
                user_id=(claim.user_id or self.env.user).id,
            )
        return True

    def action_acknowledge(self):
        """The vendor answered: record its agreed amount (possibly zero)."""
        self._check_purchase_user()
        self._check_state(("sent",), self.env._("record the vendor's answer"))
        with self._workflow_writes():
            self.write({"state": "acknowledged"})
        self.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_todo")
        ).action_feedback(feedback=self.env._("The vendor answered."))
        return True

    def action_settle(self):
        self._check_purchase_manager()
        self._check_state(("acknowledged",), self.env._("settle"))
        with self._workflow_writes():
            self.write({"state": "settled"})
        return True

    def action_cancel(self):
        self._check_state(
            ("draft", "to_approve", "approved", "sent", "acknowledged", "rejected"),
            self.env._("cancel"),
        )
        if any(claim.state != "draft" for claim in self):
            self._check_purchase_user()
        with self._workflow_writes():
            self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        self._check_purchase_user()
        self._check_state(("rejected", "cancelled"), self.env._("reset to draft"))
        with self._workflow_writes():
            self.write({"state": "draft"})
        return True

    def _check_purchase_user(self):
        if not self.env.user.has_group("purchase.group_purchase_user"):
            raise AccessError(
                self.env._("Only purchasing pursues supplier claims past draft.")
            )

    def _check_purchase_manager(self):
        if not self.env.user.has_group("purchase.group_purchase_manager"):
            raise AccessError(
                self.env._("Only purchase managers settle supplier claims.")
            )

    # ------------------------------------------------------------
    # Actions: documents
    # ------------------------------------------------------------

    def action_create_refund(self):
        """A draft vendor credit note for what the vendor agreed and has not
        been credited yet."""
        self.ensure_one()
        if self.state != "acknowledged":
            raise UserError(
                self.env._(
                    "Claim %(claim)s is not acknowledged by the vendor: no credit "
                    "note yet.",
                    claim=self.name,
                )
            )
        credited = sum(
            self.refund_move_ids.filtered(lambda m: m.state != "cancel").mapped(
                "amount_total"
            )
        )
        remaining = self.currency_id.round(self.amount_agreed - credited)
        if self.currency_id.compare_amounts(remaining, 0) <= 0:
            raise UserError(
                self.env._(
                    "The agreed amount of claim %(claim)s is already credited.",
                    claim=self.name,
                )
            )
        refund = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "in_refund",
                    "partner_id": self.partner_id.id,
                    "invoice_origin": self.name,
                    "ref": self.name,
                    "quality_claim_id": self.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": self.env._(
                                    "Supplier claim %(claim)s", claim=self.name
                                ),
                                "quantity": 1.0,
                                "price_unit": remaining,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        return action_open_records(refund, "account.action_move_in_refund_type")

    def _on_cost_lines_changed(self):
        """The cost lines changed: a claim under review or approved goes back
        to draft for a new approval; one sent to the vendor keeps the amounts
        it was sent with."""
        sent = self.filtered(lambda c: c.state in ("sent", "acknowledged", "settled"))
        if sent:
            raise UserError(
                self.env._(
                    "Claim %(claims)s was sent to the vendor: its cost lines "
                    "cannot change any more. Cancel it and draft a new claim.",
                    claims=", ".join(sent.mapped("name")),
                )
            )
        reviewed = self.filtered(
            lambda c: c.state in ("to_approve", "approved", "rejected")
        )
        reviewed._reset_approval()
        for claim in reviewed:
            claim.message_post(
                body=self.env._(
                    "The cost lines changed: the claim's approval is reset to draft."
                )
            )

    def _get_defective_lines(self):
        """The complaint lines of the claim's lots (its complaints' or batch
        problem's)."""
        self.ensure_one()
        # Buyers pursue claims without access to the complaints themselves.
        claim = self.sudo()
        lines = claim.ticket_ids.complaint_line_ids | claim.batch_issue_id.line_ids
        return lines.filtered(lambda line: line.lot_id in claim.lot_ids)

    def action_return_to_vendor(self):
        """Return the defective units of the claim's lots through the return
        wizard of the receipts they came with."""
        self.ensure_one()
        if self.state in ("cancelled", "rejected"):
            raise UserError(self.env._("The claim is cancelled or rejected."))
        lines = self._get_defective_lines()
        if not lines:
            raise UserError(
                self.env._("The claim has no complained lot to return to the vendor.")
            )
        lines_by_receipt = lines.filtered("receipt_picking_id").grouped(
            "receipt_picking_id"
        )
        if not lines_by_receipt:
            raise UserError(
                self.env._("No receipt of the claim's lots from a vendor was found.")
            )
        returns = self.env["stock.picking"]
        for receipt, receipt_complaint_lines in lines_by_receipt.items():
            picking = receipt._quality_create_return(receipt_complaint_lines)
            picking.quality_claim_id = self
            returns |= picking
        self.message_post(
            body=self.env._(
                "Returns to the vendor created: %(pickings)s",
                pickings=", ".join(returns.mapped("name")),
            )
        )
        return action_open_records(returns, "stock.action_picking_tree_all")

    def _action_open(self):
        """Open these claims: the form of one, the list of several."""
        return action_open_records(
            self, "quality_complaint.quality_supplier_claim_action"
        )

    def action_view_refunds(self):
        self.ensure_one()
        return action_open_records(
            self.refund_move_ids, "account.action_move_in_refund_type"
        )

    def action_view_returns(self):
        self.ensure_one()
        return action_open_records(
            self.return_picking_ids, "stock.action_picking_tree_all"
        )

    def action_view_tickets(self):
        self.ensure_one()
        return action_open_records(
            self.ticket_ids, "quality_complaint.helpdesk_ticket_action_quality"
        )

    # ------------------------------------------------------------
    # Business: drafting
    # ------------------------------------------------------------

    @api.model
    def _create_from_complaint_lines(self, lines, batch_issue=None, orders=None):
        """One draft claim per vendor traced from the complaint lines, with
        its purchase orders, lots, products, complaints and cost lines from
        the complaints' remedies."""
        lines = lines.filtered("vendor_id")
        if not lines:
            raise UserError(
                self.env._(
                    "No complaint line of the selection is traced to a vendor: "
                    "its lots have no receipt from a purchase order."
                )
            )
        # A complaint is claimed once from each vendor: pressing the button
        # twice, or drafting from a batch problem after its complaints, does
        # not claim the same losses again.
        open_claims = self.sudo().search(
            [
                ("ticket_ids", "in", lines.ticket_id.ids),
                ("state", "not in", ("cancelled", "rejected")),
            ]
        )
        claimed = {
            (ticket, claim.partner_id)
            for claim in open_claims
            for ticket in claim.ticket_ids
        }
        lines = lines.filtered(
            lambda line: (line.ticket_id, line.vendor_id) not in claimed
        )
        if not lines:
            raise UserError(
                self.env._(
                    "These complaints are already claimed from their vendors: "
                    "%(claims)s",
                    claims=", ".join(open_claims.mapped("name")),
                )
            )
        vals_list = []
        for vendor, vendor_lines in lines.grouped("vendor_id").items():
            claim_orders = vendor_lines.purchase_order_id | (
                orders or self.env["purchase.order"]
            ).filtered(lambda o, v=vendor: o.partner_id == v)
            company = vendor_lines[:1].company_id or self.env.company
            vals_list.append(
                {
                    "partner_id": vendor.id,
                    "user_id": self._get_claim_buyer(vendor, claim_orders).id,
                    "company_id": vendor_lines[:1].company_id.id or self.env.company.id,
                    "batch_issue_id": batch_issue.id if batch_issue else False,
                    "ticket_ids": [Command.set(vendor_lines.ticket_id.ids)],
                    "purchase_order_ids": [Command.set(claim_orders.ids)],
                    "lot_ids": [Command.set(vendor_lines.lot_id.ids)],
                    "product_ids": [Command.set(vendor_lines.product_id.ids)],
                    # the losses are told to the vendor: in its language
                    "line_ids": self.with_context(
                        lang=vendor.lang or company._get_quality_note_lang()
                    )._prepare_cost_lines(vendor_lines),
                }
            )
        claims = self.create(vals_list)
        for claim, vendor_lines in zip(
            claims, lines.grouped("vendor_id").values(), strict=True
        ):
            claim = claim.with_context(lang=claim.company_id._get_quality_note_lang())
            claim.message_post(
                body=claim.env._(
                    "Claim drafted from %(count)s complaint lines.",
                    count=len(vendor_lines),
                )
            )
        return claims

    @api.model
    def _get_claim_buyer(self, vendor, orders):
        """Who pursues a drafted claim: the buyer of its latest purchase
        order, else the vendor's buyer, else the purchase user drafting it;
        never OdooBot (detection, data loading) nor a quality engineer
        without purchase rights.

        :return: res.users (empty when there is none)
        """
        odoobot = self.env.ref("base.user_root")
        candidates = (
            orders.sorted(lambda o: (o.date_order, o.id), reverse=True).user_id
            | vendor.commercial_partner_id.buyer_id
            | vendor.buyer_id
        )
        if self.env.user.has_group("purchase.group_purchase_user"):
            candidates |= self.env.user
        return candidates.filtered(lambda u: u != odoobot and not u.share)[:1]

    @api.model
    def _prepare_cost_lines(self, lines):
        """Cost lines from the remedies of the lines' complaints: units
        replaced at cost, refunds, compensations and repairs at the remedy
        amount (the vendor's share of the complaint's units). Once the remedy
        is carried out as RMAs, their replacements and refunds are the figures:
        the units and products actually sent, the amounts actually credited."""
        commands = []
        # costs are figures for the claim: whoever drafts it may not see RMAs
        rmas_by_ticket = (
            self.env["rma"]
            .sudo()
            .search(
                [("complaint_line_id", "in", lines.ids), ("state", "!=", "cancelled")]
            )
            .grouped("ticket_id")
        )
        for ticket, ticket_lines in lines.grouped("ticket_id").items():
            rmas = rmas_by_ticket.get(ticket, self.env["rma"].sudo())
            remedy = ticket.remedy_type
            if remedy in ("replace", "spare_part"):
                commands += self._prepare_replacement_cost_lines(
                    ticket, ticket_lines, rmas
                )
            elif remedy == "refund" and rmas.refund_line_id:
                commands += [
                    Command.create(
                        {
                            "cost_type": REMEDY_COST_TYPES[remedy],
                            "description": self.env._(
                                "Refund of %(rma)s (complaint %(number)s)",
                                rma=refund_line.rma_id.name,
                                number=ticket.number,
                            ),
                            "quantity": 1.0,
                            "price_unit": refund_line.price_subtotal,
                            "ticket_id": ticket.id,
                        }
                    )
                    for refund_line in rmas.refund_line_id
                ]
            elif remedy in REMEDY_COST_TYPES and ticket.remedy_amount:
                share = (
                    sum(ticket_lines.mapped("quantity")) / ticket.affected_qty
                    if ticket.affected_qty
                    else 1.0
                )
                label = dict(
                    ticket._fields["remedy_type"]._description_selection(self.env)
                )[remedy]
                commands.append(
                    Command.create(
                        {
                            "cost_type": REMEDY_COST_TYPES[remedy],
                            "description": self.env._(
                                "%(remedy)s (complaint %(number)s)",
                                remedy=label,
                                number=ticket.number,
                            ),
                            "quantity": 1.0,
                            "price_unit": ticket.company_id.currency_id.round(
                                ticket.remedy_amount * share
                            ),
                            "ticket_id": ticket.id,
                        }
                    )
                )
            if ticket.sudo().remedy_picking_ids or rmas:
                commands.append(
                    Command.create(
                        {
                            "cost_type": "freight",
                            "description": self.env._(
                                "Freight of returns and replacements (complaint "
                                "%(number)s)",
                                number=ticket.number,
                            ),
                            "quantity": 1.0,
                            "price_unit": 0.0,
                            "ticket_id": ticket.id,
                        }
                    )
                )
        return commands

    @api.model
    def _prepare_replacement_cost_lines(self, ticket, ticket_lines, rmas):
        """Units replaced at cost, by product: what the RMAs' replacement
        deliveries send (a spare part may differ from the complained product),
        else what the RMAs or the complaint lines plan to replace."""
        qty_by_product = defaultdict(float)
        if not rmas:
            for line in ticket_lines:
                qty_by_product[line.product_id] += line.quantity
        for rma in rmas:
            moves = rma.delivery_move_ids.filtered(lambda m: m.state != "cancel")
            for move in moves:
                qty_by_product[move.product_id] += move.product_uom._compute_quantity(
                    move.product_uom_qty, move.product_id.uom_id
                )
            if not moves:
                qty_by_product[rma.product_id] += rma.product_uom._compute_quantity(
                    rma.product_uom_qty, rma.product_id.uom_id
                )
        return [
            Command.create(
                {
                    "cost_type": "replacement",
                    "description": self.env._(
                        "%(product)s replaced (complaint %(number)s)",
                        product=product.display_name,
                        number=ticket.number,
                    ),
                    "product_id": product.id,
                    "quantity": quantity,
                    "price_unit": product.standard_price,
                    "ticket_id": ticket.id,
                }
            )
            for product, quantity in qty_by_product.items()
        ]
