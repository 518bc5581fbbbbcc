import logging

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger

_logger = logging.getLogger(__name__)

ISSUE_STATES = [
    ("detected", "Detected"),
    ("reported", "Reported"),
    ("verified", "Verified"),
    ("analysed", "Analysed"),
    ("confirmed", "Confirmed"),
    ("contained", "Contained"),
    ("solved", "Solved"),
    ("closed", "Closed"),
    ("dismissed", "Dismissed"),
]
CLOSED_STATES = ("closed", "dismissed")
# states of a problem confirmed as a batch problem
CONFIRMED_STATES = ("confirmed", "contained", "solved", "closed")
# A problem detected by a rule is confirmed at once; a reported one is reviewed
# first (verified, analysed). Dismissed stands outside both paths.
STATE_PATHS = {
    "detected": ("detected", "confirmed", "contained", "solved", "closed"),
    "reported": (
        "reported",
        "verified",
        "analysed",
        "confirmed",
        "contained",
        "solved",
        "closed",
    ),
}
KEY_FIELDS = (
    "product_id",
    "lot_id",
    "defect_type_id",
    "partner_id",
    "component_id",
    "state_id",
    "country_id",
)
OPEN_ISSUE_INDEX = "quality_batch_issue_open_key_uniq"


class QualityBatchIssue(models.Model):
    _name = "quality.batch.issue"
    _description = "Batch Quality Problem"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "quality.investigation.mixin",
        "quality.guarded.state.mixin",
        "quality.number.mixin",
    ]
    _order = "detected_date desc, id desc"
    _check_company_auto = True
    # state moves only through the workflow buttons (confirm, contain, ...)
    _guarded_states = {"state": ["detected"], "was_confirmed": [False]}

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    rule_id = fields.Many2one(
        comodel_name="quality.batch.rule",
        string="Rule",
        ondelete="restrict",
        index=True,
        tracking=True,
        groups="base.group_user",
        help="The rule that detected the problem; empty for a reported one.",
    )
    scope = fields.Selection(related="rule_id.scope", groups="base.group_user")
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    state = fields.Selection(
        selection=ISSUE_STATES,
        default="detected",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    state_date = fields.Datetime(
        string="In This State Since",
        readonly=True,
        copy=False,
        help="When the problem entered its current state: the clock of the "
        "time limits that start there.",
    )
    # The key of the group of complaints
    product_id = fields.Many2one(comodel_name="product.product", index=True)
    lot_id = fields.Many2one(comodel_name="stock.lot", index="btree_not_null")
    defect_type_id = fields.Many2one(
        comodel_name="quality.defect.type", string="Defect Type", index=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        index="btree_not_null",
        groups="base.group_user",
    )
    component_id = fields.Many2one(
        comodel_name="product.product",
        string="Failed Component",
        index="btree_not_null",
    )
    # the region: a state, or a country alone for customers without a state
    state_id = fields.Many2one(
        comodel_name="res.country.state",
        string="Province/State",
        index="btree_not_null",
        groups="base.group_user",
    )
    country_id = fields.Many2one(
        comodel_name="res.country",
        string="Country",
        index="btree_not_null",
        groups="base.group_user",
    )
    # Figures of the last detection
    ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        relation="quality_batch_issue_helpdesk_ticket_rel",
        column1="issue_id",
        column2="ticket_id",
        string="Complaints",
        groups="base.group_user",
    )
    ticket_count = fields.Integer(compute="_compute_counts", groups="base.group_user")
    line_ids = fields.Many2many(
        comodel_name="quality.complaint.line",
        relation="quality_batch_issue_complaint_line_rel",
        column1="issue_id",
        column2="line_id",
        string="Complaint Lines",
        groups="base.group_user",
    )
    affected_qty = fields.Float(
        string="Affected Quantity",
        digits="Product Unit of Measure",
        tracking=True,
        groups="base.group_user",
    )
    installed_base = fields.Float(
        digits="Product Unit of Measure",
        groups="base.group_user",
        help="Units delivered to customers, net of returns, over the rule's "
        "installed-base period (for the customer when the rule is per customer).",
    )
    ratio = fields.Float(
        string="Ratio (%)",
        digits=(16, 2),
        groups="base.group_user",
        help="Affected units per installed base.",
    )
    detected_date = fields.Datetime(
        default=fields.Datetime.now, required=True, readonly=True
    )
    was_confirmed = fields.Boolean(
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="The problem was confirmed once: it is kept for the record, whatever "
        "its state now (dismiss or close it instead of deleting it).",
    )
    dismiss_reason = fields.Text(tracking=True, copy=False, groups="base.group_user")
    dismissed_date = fields.Datetime(readonly=True, copy=False)
    closed_date = fields.Datetime(readonly=True, copy=False)
    # Investigation, filled by quality
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        tracking=True,
        domain="[('share', '=', False)]",
        groups="base.group_user",
    )
    # 8D fields come from quality.investigation.mixin
    investigation_user_ids = fields.Many2many(
        relation="quality_batch_issue_investigation_user_rel",
        column1="issue_id",
        column2="user_id",
    )
    action_ids = fields.One2many(
        comodel_name="quality.action",
        inverse_name="batch_issue_id",
        string="Actions",
        groups="base.group_user",
    )
    supplier_claim_ids = fields.One2many(
        comodel_name="quality.supplier.claim",
        inverse_name="batch_issue_id",
        string="Supplier Claims",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
    )
    supplier_claim_count = fields.Integer(
        compute="_compute_supplier_claim_count",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
    )

    def init(self):
        # One open issue per rule and key; two detections at once cannot both
        # create it (the second insert fails and is skipped). Reported problems
        # have no rule and are not concerned. An index of an older key (fewer
        # key fields) is replaced: the wider key cannot fail on existing rows.
        keys = [f"COALESCE({fname}, 0)" for fname in KEY_FIELDS]
        self.env.cr.execute(
            SQL(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                " WHERE indexrelid = to_regclass(%s)",
                OPEN_ISSUE_INDEX,
            )
        )
        row = self.env.cr.fetchone()
        if row and not all(key in row[0] for key in keys):
            _logger.info("Replacing index %s by its new key", OPEN_ISSUE_INDEX)
            self.env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(OPEN_ISSUE_INDEX)))
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (rule_id, %s)"
                " WHERE rule_id IS NOT NULL"
                " AND state NOT IN ('closed', 'dismissed')",
                SQL.identifier(OPEN_ISSUE_INDEX),
                SQL.identifier(self._table),
                SQL(", ".join(keys)),
            )
        )

    def _compute_counts(self):
        for issue in self:
            issue.ticket_count = len(issue.ticket_ids)

    @api.depends("supplier_claim_ids")
    def _compute_supplier_claim_count(self):
        for issue in self:
            issue.supplier_claim_count = len(issue.supplier_claim_ids)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("quality.batch.issue") or "/"
                )
            self._report_prepare_vals(vals)
            vals.setdefault("state_date", vals.get("report_date") or now)
        issues = super().create(vals_list)
        # In this order: the field report's notices, then the time limits.
        issues._report_on_create()
        issues._sla_sync()
        return issues

    def write(self, vals):
        res = super().write(vals)
        if "customer_accepted" in vals:
            # accepted units have other time limits than units not accepted yet
            self._sla_sync()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        if any(issue.state != "detected" or issue.was_confirmed for issue in self):
            raise UserError(
                self.env._(
                    "Reported batch problems and batch problems past detection "
                    "cannot be deleted: dismiss or close them."
                )
            )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_confirm(self):
        """Quality confirms the batch problem (it meets the definition): a
        detected one at once, a reported one once it was verified and analysed."""
        self._check_reviewer(
            "quality_complaint.group_quality_manager",
            self.env._("Only quality managers can confirm a batch problem."),
        )
        self._check_review_step("confirmed")
        self._set_state(("detected", "analysed"), "confirmed")

    def action_contain(self):
        self._set_state(("confirmed",), "contained")

    def action_solve(self):
        self._set_state(("confirmed", "contained"), "solved")

    def action_close(self):
        self._set_state(("solved",), "closed")
        self.closed_date = fields.Datetime.now()

    def action_reopen(self):
        """A closed problem, or one confirmed once, is confirmed again; one
        dismissed before it was confirmed goes back to its first state, to be
        confirmed (or reviewed) again."""
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                confirmed = self.filtered(
                    lambda issue: issue.state == "closed" or issue.was_confirmed
                )
                confirmed._set_state(("closed", "dismissed"), "confirmed")
                for origin, issues in (self - confirmed).grouped("origin").items():
                    issues._set_state(("dismissed",), STATE_PATHS[origin][0])
                self.write({"dismissed_date": False, "closed_date": False})
                self.flush_recordset()
        except psycopg2.errors.UniqueViolation:
            raise UserError(
                self.env._(
                    "Another batch problem of the same rule and key is open: "
                    "continue on that one."
                )
            ) from None

    def action_open_dismiss_wizard(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_batch_issue_dismiss_action"
        )
        action["context"] = {"active_ids": self.ids}
        return action

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.helpdesk_ticket_action_quality"
        )
        action["domain"] = [("id", "in", self.ticket_ids.ids)]
        action["context"] = {"create": False}
        return action

    def action_create_supplier_claims(self):
        """Claims on the vendors of the problem's lots (one per vendor)."""
        self.ensure_one()
        claims = self.env["quality.supplier.claim"]._create_from_complaint_lines(
            self.line_ids, batch_issue=self
        )
        return claims._action_open()

    def action_view_supplier_claims(self):
        self.ensure_one()
        return self.supplier_claim_ids._action_open()

    # ------------------------------------------------------------
    # Business: workflow
    # ------------------------------------------------------------

    def _set_state(self, allowed, state):
        wrong = self.filtered(lambda issue: issue.state not in allowed)
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "%(issues)s cannot become %(state)s from their current state.",
                    issues=", ".join(wrong.mapped("name")),
                    state=labels[state],
                )
            )
        values = {"state": state, "state_date": fields.Datetime.now()}
        if state in CONFIRMED_STATES:
            values["was_confirmed"] = True
        with self._workflow_writes():
            self.write(values)
        self._sla_sync()

    def _dismiss(self, reason):
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason why the problem is dismissed."))
        self._set_state(("detected", "confirmed", "contained"), "dismissed")
        self.write({"dismiss_reason": reason, "dismissed_date": fields.Datetime.now()})
