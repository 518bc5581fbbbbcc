# The remedy of a complaint: its type and cost, its approval (OCA tier
# validation on `remedy_state`) and the RMAs and credit notes that carry it out.
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

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
# Remedies carried out as OCA RMAs: the goods come back, then are repaired and
# returned, replaced or refunded (a spare part goes out for them). A
# compensation is a credit note; explanations and the rest are done by hand.
RMA_REMEDY_TYPES = ("repair", "replace", "refund", "spare_part")


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
        "RMAs are finished and its credit notes posted.",
    )
    rma_ids = fields.One2many(
        comodel_name="rma",
        inverse_name="ticket_id",
        string="RMAs",
        groups="rma.rma_group_user_own",
    )
    rma_count = fields.Integer(
        string="RMA Count",
        compute="_compute_rma_count",
        groups="rma.rma_group_user_own",
    )
    # Version 1 carried remedies out with hand-made returns and deliveries:
    # they stay linked, read-only, and still count for the remedy's end.
    remedy_picking_ids = fields.One2many(
        comodel_name="stock.picking",
        inverse_name="quality_ticket_id",
        string="Transfers (v1)",
        groups="stock.group_stock_user",
        readonly=True,
        help="Returns and replacements made by hand before remedies were "
        "carried out as RMAs.",
    )
    remedy_picking_count = fields.Integer(
        string="Transfers (v1) Count",
        compute="_compute_remedy_picking_count",
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

    @api.depends("rma_ids")
    def _compute_rma_count(self):
        counts = dict(
            self.env["rma"]._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
            )
        )
        for ticket in self:
            ticket.rma_count = counts.get(ticket, 0)

    @api.depends("remedy_picking_ids")
    def _compute_remedy_picking_count(self):
        counts = dict(
            self.env["stock.picking"]._read_group(
                [("quality_ticket_id", "in", self.ids)],
                ["quality_ticket_id"],
                ["__count"],
            )
        )
        for ticket in self:
            ticket.remedy_picking_count = counts.get(ticket, 0)

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

    def action_create_rmas(self):
        """One confirmed RMA per complaint line not carried out yet: the
        customer's units come back through rma's reception into the quality
        quarantine location, then are repaired and returned, replaced or
        refunded, as the operation of the remedy type says."""
        self._check_remedy_executable()
        if not self.env.user.has_group("quality_complaint.group_quality_engineer"):
            raise AccessError(
                self.env._("Only quality engineers carry remedies out as RMAs.")
            )
        vals_list = []
        for ticket in self:
            operation = ticket._get_rma_operation()
            location = ticket._get_rma_location()
            customer = ticket.partner_id.commercial_partner_id
            if not customer:
                raise UserError(
                    self.env._(
                        "Complaint %(number)s has no customer to take the goods "
                        "back from.",
                        number=ticket.number,
                    )
                )
            carried_out = ticket.rma_ids.filtered(
                lambda r: r.state != "cancelled"
            ).complaint_line_id
            lines = ticket.complaint_line_ids - carried_out
            if not lines:
                raise UserError(
                    self.env._(
                        "Every line of complaint %(number)s has its RMA already.",
                        number=ticket.number,
                    )
                )
            vals_list += [
                ticket._prepare_rma_vals(line, operation, location) for line in lines
            ]
        with self._workflow_writes():
            rmas = self.env["rma"].create(vals_list)
        rmas.action_confirm()
        for ticket, ticket_rmas in rmas.grouped("ticket_id").items():
            ticket.message_post(
                body=self.env._(
                    "RMAs created for the remedy: %(rmas)s",
                    rmas=", ".join(ticket_rmas.mapped("name")),
                )
            )
        return action_open_records(rmas, "rma.rma_action")

    def _get_rma_operation(self):
        """The RMA operation set for the remedy type (RMA > Configuration >
        Operations, "Complaint Remedy")."""
        self.ensure_one()
        return self.env["rma.operation"]._get_quality_operation(self.remedy_type)

    def _get_rma_location(self):
        """The company's quality quarantine location (see
        res.company._get_quality_rma_location)."""
        self.ensure_one()
        return self.company_id._get_quality_rma_location()

    def _prepare_rma_vals(self, line, operation, location):
        """The RMA of one complaint line: the customer's commercial partner,
        the line's product, lot and quantity, the traced delivery as origin."""
        self.ensure_one()
        delivery = line.delivery_picking_id
        moves = delivery.move_ids.filtered(
            lambda m: m.product_id == line.product_id and m.state == "done"
        )
        if line.lot_id:
            moves = (
                moves.filtered(lambda m: line.lot_id in m.move_line_ids.lot_id) or moves
            )
        description = self.env._(
            "Complaint %(number)s: %(name)s", number=self.number, name=self.name
        )
        defect = line.defect_type_id or self.defect_type_id
        if defect:
            description = f"{description} ({defect.display_name})"
        vals = {
            "partner_id": self.partner_id.commercial_partner_id.id,
            "company_id": self.company_id.id,
            "origin": self.number,
            "ticket_id": self.id,
            "complaint_line_id": line.id,
            "picking_id": delivery.id,
            "move_id": moves[:1].id,
            "product_id": line.product_id.id,
            "lot_id": line.lot_id.id,
            "product_uom_qty": line.quantity,
            "product_uom": line.product_uom_id.id,
            "operation_id": operation.id,
            "description": Markup("<p>%s</p>") % description,
        }
        if location:
            vals["location_id"] = location.id
        return vals

    def action_create_credit_note(self):
        """A draft customer credit note of the remedy amount, for accounting to
        check and post."""
        self.ensure_one()
        self._check_remedy_executable()
        if self.remedy_type != "compensation":
            raise UserError(
                self.env._(
                    "Only compensations are credited by hand: a refund takes the "
                    "goods back and is credited by its RMAs."
                )
            )
        if self.remedy_amount <= 0:
            raise UserError(
                self.env._("Give the remedy amount to credit to the customer.")
            )
        customer = self.partner_id.commercial_partner_id
        if not customer:
            raise UserError(self.env._("The complaint has no customer to credit."))
        label = self.env._("Compensation for complaint %(number)s", number=self.number)
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

    def action_view_rmas(self):
        self.ensure_one()
        return action_open_records(self.rma_ids, "rma.rma_action")

    def action_view_remedy_pickings(self):
        """The transfers version 1 made by hand, to read."""
        self.ensure_one()
        return action_open_records(
            self.remedy_picking_ids, "stock.action_picking_tree_all", edit=False
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
            if (
                any(ticket.sudo()._get_remedy_documents())
                and not ticket.sudo()._remedy_documents_done()
            ):
                raise UserError(
                    self.env._(
                        "The RMAs, transfers and credit notes of complaint "
                        "%(number)s are not all done yet.",
                        number=ticket.number,
                    )
                )
        with self._workflow_writes():
            self.write({"remedy_state": "done"})
        return True

    def _get_remedy_documents(self):
        """The remedy's RMAs, transfers (version 1) and credit notes that are
        not cancelled."""
        self.ensure_one()
        return (
            self.rma_ids.filtered(lambda r: r.state != "cancelled"),
            self.remedy_picking_ids.filtered(lambda p: p.state != "cancel"),
            self.credit_note_ids.filtered(lambda m: m.state != "cancel"),
        )

    def _remedy_documents_done(self):
        self.ensure_one()
        rmas, pickings, credit_notes = self._get_remedy_documents()
        if not (rmas or pickings or credit_notes):
            return False
        return (
            all(rma._is_quality_finished() for rma in rmas)
            and all(p.state == "done" for p in pickings)
            and all(m.state == "posted" for m in credit_notes)
        )

    def _update_remedy_done(self):
        """Called when a remedy document changes state: an RMA, a transfer
        (version 1), a credit note. Runs as superuser: the warehouse or the
        accountant who finishes the document may not see the complaint."""
        done = self.sudo().filtered(
            lambda t: t.remedy_state == "approved" and t._remedy_documents_done()
        )
        if not done:
            return
        with self._workflow_writes():
            done.remedy_state = "done"
        for ticket in done:
            ticket.message_post(
                body=self.env._(
                    "Remedy done: its RMAs are finished, its transfers done and its "
                    "credit notes posted."
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
