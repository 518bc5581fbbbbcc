from datetime import timedelta

from odoo import api, fields, models
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
    # Business
    # ------------------------------------------------------------

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

    def _action_open(self):
        """Open these claims: the form of one, the list of several."""
        return action_open_records(
            self, "quality_complaint.quality_supplier_claim_action"
        )
