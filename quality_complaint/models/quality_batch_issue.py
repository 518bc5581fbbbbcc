import logging
from collections import defaultdict

import psycopg2

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, mute_logger

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
    # Containment
    held_lot_ids = fields.Many2many(
        comodel_name="stock.lot",
        relation="quality_batch_issue_held_lot_rel",
        column1="issue_id",
        column2="lot_id",
        string="Held Lots",
        copy=False,
        groups="base.group_user",
    )
    lots_auto_held = fields.Boolean(
        readonly=True,
        copy=False,
        help="The rule held the lots once; after a manager released them, "
        "detection does not hold them again.",
    )
    has_lots_to_hold = fields.Boolean(
        compute="_compute_has_lots_to_hold",
        help="Some lot of the problem is not held yet.",
    )
    held_quant_ids = fields.Many2many(
        comodel_name="stock.quant",
        string="Held Stock",
        compute="_compute_held_quant_ids",
        groups="base.group_user",
        help="Where the stock of the held lots lies.",
    )
    delivered_move_line_ids = fields.Many2many(
        comodel_name="stock.move.line",
        string="Delivered To",
        compute="_compute_delivered_move_line_ids",
        groups="base.group_user",
        help="Deliveries of the issue's lots to customers: the customers who "
        "may complain next.",
    )
    customer_count = fields.Integer(
        string="Customers Reached",
        compute="_compute_delivered_move_line_ids",
        groups="base.group_user",
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

    @api.depends("lot_id", "line_ids.lot_id", "held_lot_ids")
    def _compute_has_lots_to_hold(self):
        for issue in self:
            issue.has_lots_to_hold = bool(issue._get_lots() - issue.held_lot_ids)

    @api.depends("held_lot_ids")
    def _compute_held_quant_ids(self):
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", self.held_lot_ids.ids),
                ("location_id.usage", "=", "internal"),
                ("quantity", "!=", 0),
            ]
        )
        for issue in self:
            issue.held_quant_ids = quants.filtered(
                lambda quant, i=issue: quant.lot_id in i.held_lot_ids
            )

    @api.depends("lot_id", "line_ids.lot_id")
    def _compute_delivered_move_line_ids(self):
        lots_by_issue = {issue: issue._get_lots() for issue in self}
        all_lots = self.env["stock.lot"].browse(
            {lot.id for lots in lots_by_issue.values() for lot in lots}
        )
        move_lines = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", all_lots.ids),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
            ]
        )
        for issue in self:
            lines = move_lines.filtered(
                lambda ml, lots=lots_by_issue[issue]: ml.lot_id in lots
            )
            issue.delivered_move_line_ids = lines
            issue.customer_count = len(lines.picking_partner_id.commercial_partner_id)

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

    def action_hold_lots(self):
        self._check_manager()
        self._hold_lots()
        return True

    def action_release_lots(self):
        self._check_manager()
        for issue in self.filtered("held_lot_ids"):
            lots = issue.held_lot_ids
            lots.with_context(bypass_lock_permission_check=True).write(
                {"locked": False}
            )
            issue.held_lot_ids = [Command.clear()]
            issue.message_post(
                body=self.env._(
                    "Lots released: %(lots)s", lots=", ".join(lots.mapped("name"))
                )
            )
        return True

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

    # ------------------------------------------------------------
    # Business: containment
    # ------------------------------------------------------------

    def _get_lots(self):
        return self.lot_id | self.line_ids.lot_id

    def _check_manager(self):
        if not self.env.user.has_group("quality_complaint.group_quality_manager"):
            raise AccessError(
                self.env._("Only quality managers can hold or release lots.")
            )

    def _hold_lots(self):
        """Block the issues' lots with stock_lock_lot. A lot reserved for a
        transfer cannot be blocked: those reservations are removed first and the
        transfers told why; no lot is skipped."""
        for issue in self:
            lots = issue._get_lots() - issue.held_lot_ids
            if not lots:
                continue
            reserved = self.env["stock.move.line"].search(
                [
                    ("lot_id", "in", lots.ids),
                    ("state", "not in", ("done", "cancel")),
                    ("move_id", "!=", False),
                ]
            )
            moves = reserved.move_id
            if moves:
                lots_by_picking = defaultdict(set)
                for move_line in reserved:
                    lots_by_picking[move_line.picking_id].add(move_line.lot_id.name)
                moves._do_unreserve()
                issue.message_post(
                    body=self.env._(
                        "Reservations removed to hold the lots: %(pickings)s",
                        pickings=", ".join(p.name for p in lots_by_picking if p) or "-",
                    )
                )
                for picking, lot_names in lots_by_picking.items():
                    if picking:
                        picking.message_post(
                            body=self.env._(
                                "Reservation of lot(s) %(lots)s removed: held for "
                                "batch problem %(issue)s.",
                                lots=", ".join(sorted(lot_names)),
                                issue=issue.name,
                            )
                        )
            lots.with_context(bypass_lock_permission_check=True).write({"locked": True})
            issue.held_lot_ids = [Command.link(lot.id) for lot in lots]
            issue.message_post(
                body=self.env._(
                    "Lots held: %(lots)s", lots=", ".join(lots.mapped("name"))
                )
            )

    # ------------------------------------------------------------
    # Business: detection
    # ------------------------------------------------------------

    @api.model
    def _sync_rule_groups(self, rule, groups):
        """Create the issues of new groups and refresh the open ones.

        A group whose issue was dismissed or closed is raised again only when
        complaint lines arrived after that.
        """
        Issue = self.sudo()
        issues = Issue.search([("rule_id", "=", rule.id)])
        open_by_key, ended_by_key = {}, {}
        for issue in issues:
            key = tuple(issue[fname].id for fname in KEY_FIELDS)
            if issue.state in CLOSED_STATES:
                ended = issue.dismissed_date or issue.closed_date
                if ended and (key not in ended_by_key or ended > ended_by_key[key]):
                    ended_by_key[key] = ended
            else:
                open_by_key[key] = issue
        updated, to_create, newly_linked = Issue, [], defaultdict(set)
        # A group only of complaints customers filed (portal, e-mail) and staff
        # have not taken in yet holds no lot by itself.
        holding_keys = set()
        for group in groups:
            key = tuple(group.get(fname) or False for fname in KEY_FIELDS)
            if group["staff_registered"]:
                holding_keys.add(key)
            figures = {
                "affected_qty": group["qty"],
                "installed_base": group["installed_base"] or 0.0,
                "ratio": group["ratio"] or 0.0,
            }
            issue = open_by_key.get(key)
            if issue:
                new_tickets = set(group["ticket_ids"]) - set(issue.ticket_ids.ids)
                if new_tickets or set(group["line_ids"]) != set(issue.line_ids.ids):
                    issue.write(
                        dict(
                            figures,
                            ticket_ids=[Command.set(group["ticket_ids"])],
                            line_ids=[Command.set(group["line_ids"])],
                        )
                    )
                    updated |= issue
                    newly_linked[issue.id] |= new_tickets
                elif any(
                    float_compare(issue[fname], value, precision_digits=4)
                    for fname, value in figures.items()
                ):
                    # the same lines, corrected quantities or installed base
                    issue.write(figures)
                    updated |= issue
                continue
            ended = ended_by_key.get(key)
            if ended and group["last_line_date"] <= ended:
                # dismissed or closed: raised again only by newer complaints
                continue
            to_create.append(
                dict(
                    figures,
                    rule_id=rule.id,
                    company_id=rule.company_id.id,
                    ticket_ids=[Command.set(group["ticket_ids"])],
                    line_ids=[Command.set(group["line_ids"])],
                    **{fname: group.get(fname) or False for fname in KEY_FIELDS},
                )
            )
        created = Issue._create_without_duplicates(to_create)
        created._announce(rule)
        for issue in updated:
            issue.ticket_ids.filtered(
                lambda t, new=newly_linked[issue.id]: t.id in new
            )._message_log_batch(
                bodies=dict.fromkeys(
                    newly_linked[issue.id],
                    self.env._(
                        "Linked to batch quality problem %(issue)s.", issue=issue.name
                    ),
                )
            )
        if rule.auto_hold_lots:
            to_hold = (
                created | Issue.browse(i.id for i in open_by_key.values())
            ).filtered(
                lambda i: not i.lots_auto_held
                and tuple(i[fname].id for fname in KEY_FIELDS) in holding_keys
            )
            to_hold._hold_lots()
            to_hold.lots_auto_held = True
        return {"groups": len(groups), "created": created, "updated": updated}

    def _create_without_duplicates(self, vals_list):
        """Create issues; one that another detection created meanwhile (unique
        index on the open key) is skipped, not an error."""
        if not vals_list:
            return self.browse()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                records = self.create(vals_list)
                self.env.flush_all()
                return records
        except psycopg2.errors.UniqueViolation:
            # another run created some of them: create the others one by one
            records, skipped = self.browse(), 0
        for vals in vals_list:
            try:
                with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                    record = self.create([vals])
                    self.env.flush_all()
                    records |= record
            except psycopg2.errors.UniqueViolation as error:
                if error.diag.constraint_name != OPEN_ISSUE_INDEX:
                    raise
                skipped += 1
        _logger.info(
            "Batch detection: rule %s: %s issue(s) already created by another run, "
            "skipped",
            vals_list[0].get("rule_id"),
            skipped,
        )
        return records

    def _announce(self, rule):
        """Tell the rule's people (activity and message) and the complaints."""
        if not self:
            return
        users = rule.notify_user_ids
        if users:
            self.message_subscribe(partner_ids=users.partner_id.ids)
            issue_model = self.env["ir.model"]._get_id(self._name)
            self.env["mail.activity"].create(
                [
                    {
                        "res_model_id": issue_model,
                        "res_id": issue.id,
                        "activity_type_id": self.env.ref(
                            "mail.mail_activity_data_todo"
                        ).id,
                        "user_id": user.id,
                        "summary": self.env._("Batch quality problem to confirm"),
                    }
                    for issue in self
                    for user in users
                ]
            )
        for issue in self:
            issue.message_post(
                body=self.env._(
                    "Batch quality problem detected by rule %(rule)s: %(qty)s units "
                    "on %(count)s complaint(s).",
                    rule=rule.name,
                    qty=issue.affected_qty,
                    count=len(issue.ticket_ids),
                ),
                partner_ids=users.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
            issue.ticket_ids._message_log_batch(
                bodies=dict.fromkeys(
                    issue.ticket_ids.ids,
                    self.env._(
                        "Part of batch quality problem %(issue)s.", issue=issue.name
                    ),
                )
            )
