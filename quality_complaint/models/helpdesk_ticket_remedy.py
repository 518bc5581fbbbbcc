# The remedy of a complaint: its type and cost, its approval (OCA tier
# validation on `remedy_state`) and the documents that carry it out.
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import action_open_records
from .quality_supplier_claim import AMOUNT_MAX

REMEDY_TYPES = [
    ("repair", "Repair"),
    ("replace", "Replacement"),
    ("refund", "Refund"),
    ("compensation", "Compensation"),
    ("spare_part", "Spare Part"),
    ("explanation", "Explanation"),
    ("other", "Other"),
]
REMEDY_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("rejected", "Refused"),
    ("done", "Done"),
]
# Changing these after approval asks for a new approval.
REMEDY_FIELDS = {"remedy_type", "remedy_amount"}


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "quality.tier.approval.mixin"]
    # Tier validation binds to the remedy, not to the stage: tickets move by
    # stage, the remedy's approval is what reviewers validate.
    _state_field = "remedy_state"
    # No cancel state: a refusal must keep its reviews, for the record.
    _cancel_state = "no_cancel_state"
    # remedy_state moves only through the approval and execution methods
    _guarded_states = {"remedy_state": ["draft"]}

    remedy_type = fields.Selection(selection=REMEDY_TYPES, tracking=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    remedy_amount = fields.Monetary(
        currency_field="currency_id",
        number_max=AMOUNT_MAX,
        tracking=True,
        groups="base.group_user",
        help="Cost of the remedy to the company.",
    )
    remedy_state = fields.Selection(
        selection=REMEDY_STATES,
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        help="Draft until approved: remedies that tier definitions select (by "
        "default above 5,000) are reviewed by a quality manager. Done when its "
        "returns and deliveries are done and its credit notes posted.",
    )
    remedy_picking_ids = fields.One2many(
        comodel_name="stock.picking",
        inverse_name="quality_ticket_id",
        string="Remedy Transfers",
        groups="stock.group_stock_user",
    )
    return_picking_count = fields.Integer(
        string="Returns",
        compute="_compute_remedy_document_counts",
        groups="stock.group_stock_user",
    )
    replacement_picking_count = fields.Integer(
        string="Replacements",
        compute="_compute_remedy_document_counts",
        groups="stock.group_stock_user",
    )
    credit_note_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="quality_ticket_id",
        string="Credit Notes",
        groups="account.group_account_invoice",
    )
    credit_note_count = fields.Integer(
        compute="_compute_credit_note_count", groups="account.group_account_invoice"
    )

    @api.depends("remedy_picking_ids.picking_type_code")
    def _compute_remedy_document_counts(self):
        for ticket in self:
            codes = ticket.remedy_picking_ids.mapped("picking_type_code")
            ticket.return_picking_count = codes.count("incoming")
            ticket.replacement_picking_count = codes.count("outgoing")

    @api.depends("credit_note_ids")
    def _compute_credit_note_count(self):
        for ticket in self:
            ticket.credit_note_count = len(ticket.credit_note_ids)

    @api.constrains("remedy_amount")
    def _check_remedy_amount(self):
        for ticket in self:
            if ticket.remedy_amount < 0:
                raise ValidationError(
                    self.env._(
                        "The remedy amount of complaint %(number)s cannot be negative.",
                        number=ticket.number,
                    )
                )

    # ------------------------------------------------------------
    # Actions: approval
    # ------------------------------------------------------------

    def action_request_remedy_approval(self):
        """Ask for the reviews the tier definitions call for; a remedy that no
        definition selects is approved at once."""
        for ticket in self:
            if ticket.remedy_state != "draft":
                raise UserError(
                    self.env._(
                        "The remedy of complaint %(number)s is not a draft.",
                        number=ticket.number,
                    )
                )
            if not ticket.remedy_type:
                raise UserError(
                    self.env._(
                        "Choose the remedy type of complaint %(number)s first.",
                        number=ticket.number,
                    )
                )
        self._request_approval()
        return True

    def action_reset_remedy(self):
        self.filtered(
            lambda t: t.remedy_state in ("to_approve", "approved", "rejected")
        )._reset_remedy_approval()
        return True

    def _reset_remedy_approval(self):
        self._reset_approval()
        for ticket in self:
            ticket.message_post(
                body=self.env._("The remedy changed: its approval is reset to draft.")
            )

    def _tier_validation_check_write_allowed(self, vals):
        # The check runs a query per record; only complaints with remedy
        # reviews can be concerned (one query finds them).
        with_reviews = self.filtered("review_ids")
        return super(HelpdeskTicket, with_reviews)._tier_validation_check_write_allowed(
            vals
        )

    def _check_allow_write_under_validation(self, vals):
        # Only the remedy is under review: the rest of the complaint goes on.
        if not REMEDY_FIELDS & set(vals):
            return True
        return super()._check_allow_write_under_validation(vals)

    def _get_to_validate_message_name(self):
        return self.env._("remedy")

    # ------------------------------------------------------------
    # Actions: execution documents
    # ------------------------------------------------------------

    def _check_remedy_executable(self):
        for ticket in self:
            if ticket.quality_phase not in ("execution", "follow_up"):
                raise UserError(
                    self.env._(
                        "Complaint %(number)s is not in execution: its remedy "
                        "cannot be carried out yet.",
                        number=ticket.number,
                    )
                )
            if ticket.remedy_state != "approved":
                raise UserError(
                    self.env._(
                        "The remedy of complaint %(number)s is not approved.",
                        number=ticket.number,
                    )
                )

    def action_create_return(self):
        """Return the complained units through Odoo's return wizard on the
        deliveries traced from the lines."""
        self.ensure_one()
        self._check_remedy_executable()
        lines = self.complaint_line_ids.filtered("delivery_picking_id")
        if not lines:
            raise UserError(
                self.env._(
                    "No line of complaint %(number)s is traced to a delivery: "
                    "trace the lots first.",
                    number=self.number,
                )
            )
        returns = self.env["stock.picking"]
        for delivery, delivery_lines in lines.grouped("delivery_picking_id").items():
            returns |= self._create_return_of(delivery, delivery_lines)
        return self._action_view_pickings(returns)

    def _create_return_of(self, delivery, lines):
        # complained goods are inspected apart from sellable stock
        picking = delivery._quality_create_return(
            lines, location_dest=self.company_id.quality_quarantine_location_id
        )
        picking.quality_ticket_id = self
        picking.message_post(
            body=self.env._(
                "Return of the units of complaint %(number)s.", number=self.number
            )
        )
        return picking

    def action_create_replacement(self):
        """A delivery of new units for the complained ones."""
        self.ensure_one()
        self._check_remedy_executable()
        if not self.complaint_line_ids:
            raise UserError(self.env._("The complaint has no product to replace."))
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        if not warehouse:
            raise UserError(
                self.env._(
                    "Company %(company)s has no warehouse to deliver from.",
                    company=self.company_id.name,
                )
            )
        picking_type = warehouse.out_type_id
        qty_by_product = defaultdict(float)
        for line in self.complaint_line_ids:
            qty_by_product[line.product_id] += line.product_uom_id._compute_quantity(
                line.quantity, line.product_id.uom_id
            )
        location = picking_type.default_location_src_id
        customer_location = self.env.ref("stock.stock_location_customers")
        partner = self.partner_id.address_get(["delivery"])["delivery"]
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner,
                "location_id": location.id,
                "location_dest_id": customer_location.id,
                "origin": self.number,
                "quality_ticket_id": self.id,
                "company_id": self.company_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.display_name,
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": location.id,
                            "location_dest_id": customer_location.id,
                        }
                    )
                    for product, quantity in qty_by_product.items()
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        return self._action_view_pickings(picking)

    def action_create_credit_note(self):
        """A draft customer credit note of the remedy amount, for accounting to
        check and post."""
        self.ensure_one()
        self._check_remedy_executable()
        if self.remedy_type not in ("refund", "compensation"):
            raise UserError(
                self.env._(
                    "Only refunds and compensations are credited to the customer."
                )
            )
        if self.remedy_amount <= 0:
            raise UserError(
                self.env._("Give the remedy amount to credit to the customer.")
            )
        customer = self.partner_id.commercial_partner_id
        if not customer:
            raise UserError(self.env._("The complaint has no customer to credit."))
        if self.remedy_type == "refund":
            label = self.env._("Refund for complaint %(number)s", number=self.number)
        else:
            label = self.env._(
                "Compensation for complaint %(number)s", number=self.number
            )
        products = ", ".join(self.complaint_line_ids.product_id.mapped("display_name"))
        credit_note = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": customer.id,
                    "invoice_origin": self.number,
                    "ref": label,
                    "quality_ticket_id": self.id,
                    "currency_id": self.currency_id.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"{label}: {products}" if products else label,
                                "quantity": 1.0,
                                "price_unit": self.remedy_amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        return action_open_records(credit_note, "account.action_move_out_refund_type")

    def _action_view_pickings(self, pickings):
        return action_open_records(pickings, "stock.action_picking_tree_all")

    def action_view_returns(self):
        self.ensure_one()
        return self._action_view_pickings(
            self.remedy_picking_ids.filtered(
                lambda p: p.picking_type_code == "incoming"
            )
        )

    def action_view_replacements(self):
        self.ensure_one()
        return self._action_view_pickings(
            self.remedy_picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing"
            )
        )

    def action_view_credit_notes(self):
        self.ensure_one()
        return action_open_records(
            self.credit_note_ids, "account.action_move_out_refund_type"
        )

    def action_remedy_done(self):
        """Remedies without documents (repair on site, explanation) are done by
        hand; the others are done when their documents are."""
        for ticket in self:
            if ticket.remedy_state != "approved":
                raise UserError(
                    self.env._(
                        "The remedy of complaint %(number)s is not approved.",
                        number=ticket.number,
                    )
                )
            pickings, credit_notes = ticket.sudo()._get_remedy_documents()
            if (
                pickings or credit_notes
            ) and not ticket.sudo()._remedy_documents_done():
                raise UserError(
                    self.env._(
                        "The returns, deliveries and credit notes of complaint "
                        "%(number)s are not all done yet.",
                        number=ticket.number,
                    )
                )
        with self._workflow_writes():
            self.write({"remedy_state": "done"})
        return True

    def _get_remedy_documents(self):
        """The remedy's transfers and credit notes that are not cancelled."""
        self.ensure_one()
        return (
            self.remedy_picking_ids.filtered(lambda p: p.state != "cancel"),
            self.credit_note_ids.filtered(lambda m: m.state != "cancel"),
        )

    def _remedy_documents_done(self):
        self.ensure_one()
        pickings, credit_notes = self._get_remedy_documents()
        if not pickings and not credit_notes:
            return False
        return all(p.state == "done" for p in pickings) and all(
            m.state == "posted" for m in credit_notes
        )

    def _update_remedy_done(self):
        """Called when a remedy document is done or posted."""
        for ticket in self.sudo().filtered(lambda t: t.remedy_state == "approved"):
            if ticket._remedy_documents_done():
                with self._workflow_writes():
                    ticket.remedy_state = "done"
                ticket.message_post(
                    body=self.env._(
                        "Remedy done: its transfers are done and its credit notes "
                        "posted."
                    )
                )

    # ------------------------------------------------------------
    # Hooks of create/write
    # ------------------------------------------------------------

    def _get_remedy_to_reset(self, vals):
        """Before `write`: the remedies whose approval, requested or given,
        `vals` invalidates. A remedy carried out is not changed any more."""
        changed = REMEDY_FIELDS & set(vals)
        if not changed:
            return self.browse()
        done = self.filtered(
            lambda t: t.remedy_state == "done"
            and any(t[fname] != vals[fname] for fname in changed)
        )
        if done:
            raise UserError(
                self.env._(
                    "The remedy of complaint %(numbers)s is carried out: its type "
                    "and amount cannot change any more.",
                    numbers=", ".join(done.mapped("number")),
                )
            )
        return self.filtered(
            lambda t: t.remedy_state in ("to_approve", "approved", "rejected")
            and any(t[fname] != vals[fname] for fname in changed)
        )

    def _remedy_on_phase_entered(self, previous_phases):
        # the execution gate let it through: no review is needed
        with self._workflow_writes():
            self._filtered_entering(previous_phases, "execution").filtered(
                lambda t: t.remedy_state == "draft"
            ).remedy_state = "approved"
