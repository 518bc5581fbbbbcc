from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

RESPONSIBLE_TYPES = [
    ("supplier", "Supplier"),
    ("production", "Production"),
    ("design", "Design"),
    ("transport", "Transport"),
]
NOTICE_STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("answered", "Answered"),
    ("cancelled", "Cancelled"),
]
# The party a cause category holds responsible (§5.6.2 of the procedure).
CAUSE_RESPONSIBLE = {
    "material": "supplier",
    "production": "production",
    "design": "design",
    "transport": "transport",
}
# Days the responsible party has to answer when the company sets none.
DEFAULT_ANSWER_DAYS = 10


class QualityCapaNotice(models.Model):
    """A corrective and preventive action notice (纠正预防通知书, §5.6.2 of the
    procedure): quality tells the party responsible for a batch problem or a
    complaint (the vendor, or production, design or transport inside the
    company) the problem, its containment and the actions asked, and waits
    for its answer until a deadline and for its 8D until the due date.

    draft → sent (PDF e-mailed, answer deadline, activity) → answered; or
    cancelled. Quality engineers send and close them.
    """

    _name = "quality.capa.notice"
    _description = "Corrective and Preventive Action Notice"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "quality.guarded.state.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    # state moves only through the buttons below
    _guarded_states = {"state": ["draft"]}

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    state = fields.Selection(
        selection=NOTICE_STATES,
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    # What it is about: a batch problem or a complaint
    batch_issue_id = fields.Many2one(
        comodel_name="quality.batch.issue",
        string="Batch Problem",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        string="Complaint",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        domain="[('is_quality_complaint', '=', True)]",
    )
    # To whom
    responsible_type = fields.Selection(
        selection=RESPONSIBLE_TYPES,
        string="Responsible Party",
        required=True,
        compute="_compute_responsible",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Vendor",
        compute="_compute_responsible",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        domain="[('share', '=', False)]",
        index="btree_not_null",
        tracking=True,
        help="Who answers for production, design or transport.",
    )
    recipient_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Recipient",
        compute="_compute_recipient_partner_id",
        help="The vendor, or the contact of the responsible user.",
    )
    sender_id = fields.Many2one(
        comodel_name="res.users",
        string="Issued By",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
        help="Who waits for the answer: the activity of the deadline is theirs.",
    )
    # What is asked
    problem = fields.Html(
        compute="_compute_from_source",
        store=True,
        readonly=False,
        precompute=True,
        help="The problem, as the batch problem or the complaint describes it.",
    )
    containment = fields.Html(
        compute="_compute_from_source",
        store=True,
        readonly=False,
        precompute=True,
        help="What protects the customers now.",
    )
    action_ids = fields.Many2many(
        comodel_name="quality.action",
        relation="quality_capa_notice_action_rel",
        column1="notice_id",
        column2="action_id",
        string="Actions Asked",
        compute="_compute_from_source",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    date_8d_due = fields.Date(
        string="8D Due Date",
        tracking=True,
        help="When the responsible party's 8D report is due.",
    )
    # The answer
    sent_date = fields.Date(readonly=True, copy=False)
    answer_deadline = fields.Date(readonly=True, copy=False, tracking=True)
    answered_date = fields.Date(readonly=True, copy=False)
    answer = fields.Html(copy=False, help="The responsible party's answer.")
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
        help="Sent and not answered by its deadline.",
    )

    @api.depends("batch_issue_id", "ticket_id")
    def _compute_responsible(self):
        for notice in self:
            source = notice._get_source()
            notice.responsible_type = CAUSE_RESPONSIBLE.get(
                source.cause_category, notice.responsible_type or "supplier"
            )
            notice.partner_id = source.responsible_partner_id or notice.partner_id

    @api.depends("responsible_type", "partner_id", "user_id")
    def _compute_recipient_partner_id(self):
        for notice in self:
            notice.recipient_partner_id = (
                notice.partner_id
                if notice.responsible_type == "supplier"
                else notice.user_id.partner_id
            )

    @api.depends("batch_issue_id", "ticket_id")
    def _compute_from_source(self):
        for notice in self:
            source = notice._get_source()
            if not source:
                notice.problem = notice.problem
                notice.containment = notice.containment
                notice.action_ids = notice.action_ids
                continue
            notice.problem = notice._describe_problem(source)
            notice.containment = source.containment
            notice.action_ids = source.action_ids.filtered(
                lambda action: action.state != "cancelled"
                and action.action_type in ("corrective", "preventive")
            )

    @api.depends("state", "answer_deadline")
    @api.depends_context("tz")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for notice in self:
            notice.is_overdue = bool(
                notice.state == "sent"
                and notice.answer_deadline
                and notice.answer_deadline < today
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Overdue."))
        today = fields.Date.context_today(self)
        overdue = [("state", "=", "sent"), ("answer_deadline", "<", today)]
        if (operator == "=") == value:
            return overdue
        return ["|", ("state", "!=", "sent"), ("answer_deadline", ">=", today)]

    @api.constrains("batch_issue_id", "ticket_id")
    def _check_source(self):
        for notice in self:
            if bool(notice.batch_issue_id) == bool(notice.ticket_id):
                raise ValidationError(
                    self.env._(
                        "A CAPA notice concerns one batch problem or one "
                        "complaint: give exactly one of them."
                    )
                )

    @api.constrains("responsible_type", "partner_id", "user_id")
    def _check_responsible(self):
        for notice in self:
            if notice.responsible_type == "supplier" and not notice.partner_id:
                raise ValidationError(
                    self.env._("A CAPA notice to a supplier needs the vendor.")
                )
            if notice.responsible_type != "supplier" and not notice.user_id:
                raise ValidationError(
                    self.env._(
                        "A CAPA notice to production, design or transport needs "
                        "the responsible user."
                    )
                )

    @api.constrains("action_ids", "batch_issue_id", "ticket_id")
    def _check_actions(self):
        for notice in self:
            source = notice._get_source()
            if notice.action_ids - source.action_ids:
                raise ValidationError(
                    self.env._(
                        "The actions a CAPA notice asks for are actions of its "
                        "batch problem or complaint."
                    )
                )

    @api.constrains("date_8d_due")
    def _check_date_8d_due(self):
        today = fields.Date.context_today(self)
        for notice in self:
            if notice.date_8d_due and notice.date_8d_due < today:
                raise ValidationError(
                    self.env._(
                        "The 8D due date of %(notice)s is in the past: give a date "
                        "from today on.",
                        notice=notice.name,
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
                    self.env["ir.sequence"].next_by_code("quality.capa.notice") or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(notice.state != "draft" or notice.sent_date for notice in self):
            raise UserError(
                self.env._(
                    "CAPA notices that were sent cannot be deleted: cancel them."
                )
            )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_send(self):
        """E-mail the notice (PDF) to the responsible party and wait for its
        answer until the company's deadline; everything is checked before
        anything is written."""
        self._check_engineer()
        self._check_state(("draft",), self.env._("send"))
        for notice in self:
            if not notice.recipient_partner_id.email:
                raise UserError(
                    self.env._(
                        "%(notice)s: %(recipient)s has no e-mail address.",
                        notice=notice.name,
                        recipient=notice.recipient_partner_id.display_name
                        or self.env._("the responsible party"),
                    )
                )
            if not notice.date_8d_due:
                raise UserError(
                    self.env._("%(notice)s: give the 8D due date.", notice=notice.name)
                )
        template = self.env.ref("quality_complaint.mail_template_capa_notice")
        today = fields.Date.context_today(self)
        for notice in self:
            days = notice.company_id.quality_capa_answer_days or DEFAULT_ANSWER_DAYS
            # the e-mail states the deadline: set it first
            with self._workflow_writes():
                notice.write(
                    {
                        "state": "sent",
                        "sent_date": today,
                        "answer_deadline": today + timedelta(days=days),
                    }
                )
            notice.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            notice.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                date_deadline=notice.answer_deadline,
                summary=self.env._(
                    "Answer to CAPA notice %(notice)s", notice=notice.name
                ),
                # a notice drafted by the system waits on the one who sends it
                user_id=(
                    notice.sender_id
                    if notice.sender_id and not notice.sender_id._is_superuser()
                    else self.env.user
                ).id,
            )
        return True

    def action_answered(self):
        """The responsible party answered: the deadline's activity is done."""
        self._check_engineer()
        self._check_state(("sent",), self.env._("record the answer"))
        for notice in self:
            if not notice.answer or not notice.answer.striptags().strip():
                raise UserError(
                    self.env._(
                        "%(notice)s: record the answer first.", notice=notice.name
                    )
                )
        with self._workflow_writes():
            self.write(
                {"state": "answered", "answered_date": fields.Date.context_today(self)}
            )
        self._answer_activities().action_feedback(
            feedback=self.env._("The responsible party answered.")
        )
        return True

    def action_cancel(self):
        self._check_engineer()
        self._check_state(("draft", "sent"), self.env._("cancel"))
        with self._workflow_writes():
            self.write({"state": "cancelled"})
        self._answer_activities().unlink()
        return True

    def action_draft(self):
        self._check_engineer()
        self._check_state(("cancelled",), self.env._("reset to draft"))
        with self._workflow_writes():
            self.write({"state": "draft", "sent_date": False, "answer_deadline": False})
        return True

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _get_source(self):
        """The batch problem or the complaint the notice is about (an empty
        complaint when it has neither yet)."""
        self.ensure_one()
        return self.batch_issue_id or self.ticket_id

    def _describe_problem(self, source):
        """The problem as HTML: product, lots, failure, units, then the D2
        description of the batch problem or complaint."""
        if source._name == "quality.batch.issue":
            products = source.product_id
            lots = source._get_lots() | source.reported_lot_ids
            units = source.affected_qty or source.units_reported
        else:
            products = source.complaint_line_ids.product_id
            lots = source.complaint_line_ids.lot_id
            units = source.affected_qty
        facts = [
            (self.env._("Product"), ", ".join(products.mapped("display_name"))),
            (self.env._("Lots"), ", ".join(lots.mapped("name"))),
            (self.env._("Failure"), source.defect_type_id.display_name),
            (self.env._("Units affected"), units and f"{units:g}"),
            (self.env._("What"), source.problem_what),
            (self.env._("Where"), source.problem_where),
            (self.env._("When"), source.problem_when),
            (self.env._("How Many"), source.problem_how_many),
        ]
        return Markup("").join(
            Markup("<p><strong>%s:</strong> %s</p>") % (label, value)
            for label, value in facts
            if value
        )

    def _answer_activities(self):
        todo = self.env.ref("mail.mail_activity_data_todo")
        return self.activity_ids.filtered(lambda a: a.activity_type_id == todo)

    def _check_engineer(self):
        if not self.env.su and not self.env.user.has_group(
            "quality_complaint.group_quality_engineer"
        ):
            raise AccessError(
                self.env._("Only quality engineers send and follow CAPA notices.")
            )

    def _check_state(self, allowed, action):
        wrong = self.filtered(lambda notice: notice.state not in allowed)
        if wrong:
            raise UserError(
                self.env._(
                    "%(notices)s: cannot %(action)s in this state.",
                    notices=", ".join(wrong.mapped("name")),
                    action=action,
                )
            )
