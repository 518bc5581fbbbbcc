from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .quality_complaint_line import QUANTITY_MAX

ACTION_TYPES = [
    ("containment", "Containment"),
    ("corrective", "Corrective"),
    ("preventive", "Preventive"),
]
ACTION_STATES = [
    ("open", "Open"),
    ("done", "Done"),
    ("verified", "Verified"),
    ("cancelled", "Cancelled"),
]


class QualityAction(models.Model):
    """A containment, corrective or preventive action (纠正预防措施).

    "定时、定人、定量": every action has a deadline, an owner and a scope
    (quantity, lots). The owner reports it done; an engineer other than the
    owner verifies it.
    """

    _name = "quality.action"
    _description = "Quality Action"
    _inherit = ["mail.thread", "mail.activity.mixin", "quality.number.mixin"]
    _order = "state_sequence, date_deadline, id"
    _check_company_auto = True

    name = fields.Char(string="Action", required=True, tracking=True)
    action_type = fields.Selection(
        selection=ACTION_TYPES,
        string="Type",
        required=True,
        default="corrective",
        tracking=True,
    )
    description = fields.Html()
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Owner",
        required=True,
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    date_deadline = fields.Date(
        string="Deadline", required=True, index=True, tracking=True
    )
    quantity = fields.Float(
        digits="Product Unit of Measure",
        number_max=QUANTITY_MAX,
        help="Units within the action's scope (to sort, rework, replace...).",
    )
    lot_ids = fields.Many2many(
        comodel_name="stock.lot",
        relation="quality_action_stock_lot_rel",
        column1="action_id",
        column2="lot_id",
        string="Lots",
        check_company=True,
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Complaint",
        index="btree_not_null",
        ondelete="cascade",
        check_company=True,
    )
    batch_issue_id = fields.Many2one(
        comodel_name="quality.batch.issue",
        string="Batch Problem",
        index="btree_not_null",
        ondelete="cascade",
        check_company=True,
    )
    claim_id = fields.Many2one(
        comodel_name="quality.supplier.claim",
        string="Supplier Claim",
        index="btree_not_null",
        ondelete="cascade",
        check_company=True,
        help="A corrective action requested from the vendor (纠正预防通知书).",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    state = fields.Selection(
        selection=ACTION_STATES,
        default="open",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    # Open first, then done (to verify), then closed ones, for lists and kanban.
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    done_date = fields.Date(readonly=True, copy=False, tracking=True)
    verified_by_id = fields.Many2one(
        comodel_name="res.users", string="Verified By", readonly=True, copy=False
    )
    verified_date = fields.Date(readonly=True, copy=False)
    verification_note = fields.Text(tracking=True)
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
        help="Open and past its deadline.",
    )

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {state: index for index, (state, _label) in enumerate(ACTION_STATES)}
        for action in self:
            action.state_sequence = order.get(action.state, 0)

    @api.depends("state", "date_deadline")
    @api.depends_context("tz")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for action in self:
            action.is_overdue = (
                action.state == "open"
                and action.date_deadline
                and action.date_deadline < today
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Overdue."))
        overdue = [
            ("state", "=", "open"),
            ("date_deadline", "<", fields.Date.context_today(self)),
        ]
        if (operator == "=") == value:
            return overdue
        return ["|", ("state", "!=", "open"), ("date_deadline", ">=", overdue[1][2])]

    @api.constrains("quantity")
    def _check_quantity(self):
        if any(action.quantity < 0 for action in self):
            raise ValidationError(
                self.env._("The quantity of an action cannot be negative.")
            )

    @api.constrains("ticket_id", "batch_issue_id", "claim_id")
    def _check_origin(self):
        for action in self:
            if (
                bool(action.ticket_id)
                + bool(action.batch_issue_id)
                + bool(action.claim_id)
                > 1
            ):
                raise ValidationError(
                    self.env._(
                        "Action %(action)s belongs to one complaint, batch "
                        "problem or supplier claim only.",
                        action=action.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_deadline_not_past(vals.get("date_deadline"), vals.get("name"))
        actions = super().create(vals_list)
        actions._schedule_owner_activity()
        return actions

    def write(self, vals):
        if vals.get("date_deadline"):
            for action in self:
                # an overdue action keeps its deadline; a new one is from today on
                if fields.Date.to_date(vals["date_deadline"]) != action.date_deadline:
                    self._check_deadline_not_past(vals["date_deadline"], action.name)
        res = super().write(vals)
        if {"user_id", "date_deadline"} & set(vals):
            self.filtered(lambda a: a.state == "open")._schedule_owner_activity()
        return res

    @api.model
    def _check_deadline_not_past(self, deadline, name):
        if deadline and fields.Date.to_date(deadline) < fields.Date.context_today(self):
            raise ValidationError(
                self.env._(
                    "The deadline of action %(action)s (%(deadline)s) is in the "
                    "past: give a date from today on.",
                    action=name or "",
                    deadline=deadline,
                )
            )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_done(self):
        if self.filtered(lambda a: a.state != "open"):
            raise UserError(self.env._("Only open actions can be marked done."))
        self.write({"state": "done", "done_date": fields.Date.context_today(self)})
        self._close_owner_activity()
        return True

    def action_verify(self):
        self._check_can_verify()
        self.write(
            {
                "state": "verified",
                "verified_by_id": self.env.user.id,
                "verified_date": fields.Date.context_today(self),
            }
        )
        return True

    def action_reopen(self):
        if self.filtered(lambda a: a.state not in ("done", "cancelled")):
            raise UserError(
                self.env._("Only done or cancelled actions can be reopened.")
            )
        self.write({"state": "open", "done_date": False})
        self._schedule_owner_activity()
        return True

    def action_cancel(self):
        if self.filtered(lambda a: a.state == "verified"):
            raise UserError(self.env._("Verified actions cannot be cancelled."))
        self.write({"state": "cancelled"})
        self._close_owner_activity()
        return True

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _check_can_verify(self):
        if not self.env.user.has_group("quality_complaint.group_quality_engineer"):
            raise UserError(self.env._("Only quality engineers verify actions."))
        for action in self:
            if action.state != "done":
                raise UserError(
                    self.env._(
                        "Action %(action)s is not done yet: it cannot be verified.",
                        action=action.name,
                    )
                )
            if action.user_id == self.env.user:
                raise UserError(
                    self.env._(
                        "You own action %(action)s: another engineer verifies it.",
                        action=action.name,
                    )
                )

    def _schedule_owner_activity(self):
        """One open to-do for the owner, due on the deadline; a new owner or
        deadline replaces it."""
        self._close_owner_activity(unlink=True)
        for action in self:
            action.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                date_deadline=action.date_deadline,
                summary=action.name,
                user_id=action.user_id.id,
            )

    def _close_owner_activity(self, unlink=False):
        todo = self.env.ref("mail.mail_activity_data_todo")
        activities = self.activity_ids.filtered(lambda a: a.activity_type_id == todo)
        if unlink:
            activities.unlink()
        else:
            activities.action_done()
