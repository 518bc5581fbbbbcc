from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import is_html_empty

from .helpdesk_ticket_stage import FORWARD_PHASES, QUALITY_PHASES
from .quality_complaint_line import WARRANTY_STATES
from .quality_defect_type import SEVERITIES

CAUSE_CATEGORIES = [
    ("production", "Production"),
    ("material", "Supplier Material"),
    ("design", "Design"),
    ("transport", "Transport"),
    ("service", "Service"),
    ("misuse", "Customer Misuse"),
    ("unfounded", "Unfounded"),
    ("other", "Other"),
]
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
SLA_STATUSES = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
    ("done", "Done"),
]
# Writing these re-plans the SLA milestones (severity is computed from the last two).
SLA_PLANNING_FIELDS = {"severity", "team_id", "defect_type_id", "safety_risk"}
SATISFACTION_LEVELS = [
    ("1", "Very Dissatisfied"),
    ("2", "Dissatisfied"),
    ("3", "Neutral"),
    ("4", "Satisfied"),
    ("5", "Very Satisfied"),
]


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    # Intake
    is_quality_complaint = fields.Boolean(
        compute="_compute_is_quality_complaint",
        store=True,
        index=True,
        help="The ticket belongs to a quality team.",
    )
    quality_phase = fields.Selection(
        related="stage_id.quality_phase", string="Phase", store=True, index=True
    )
    complaint_line_ids = fields.One2many(
        comodel_name="quality.complaint.line",
        inverse_name="ticket_id",
        string="Affected Products",
        copy=True,
    )
    affected_qty = fields.Float(
        string="Affected Quantity",
        compute="_compute_affected_qty",
        store=True,
        digits="Product Unit of Measure",
    )
    lot_count = fields.Integer(string="Lots", compute="_compute_lot_count")
    # Quality complaints move only through phased stages, other tickets never do.
    stage_id = fields.Many2one(
        domain="['|', ('team_ids', '=', team_id), ('team_ids', '=', False), "
        "('quality_phase', is_quality_complaint and '!=' or '=', False)]"
    )
    product_id = fields.Many2one(
        compute="_compute_product_id", store=True, readonly=False, index=True
    )
    severity = fields.Selection(
        selection=SEVERITIES,
        compute="_compute_severity",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        help="Critical: safety risk or product unusable. Major: a function is "
        "impaired, the product is usable. Minor: cosmetic or packaging only.",
    )
    safety_risk = fields.Boolean(
        tracking=True, help="A safety risk always makes the complaint critical."
    )
    defect_type_id = fields.Many2one(
        comodel_name="quality.defect.type",
        string="Defect Type",
        tracking=True,
        index=True,
        domain="[('company_id', 'in', [company_id, False])]",
    )
    customer_expectation = fields.Text(help="The remedy the customer asks for.")
    warranty_state = fields.Selection(
        selection=WARRANTY_STATES,
        compute="_compute_warranty_state",
        store=True,
        index=True,
    )
    service_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Serviced By",
        compute="_compute_service_partner_id",
        store=True,
        readonly=False,
        help="Who services this customer (谁销售谁服务): the company for A-class "
        "distributors and direct customers, the distributor that sold to them for "
        "sub-distributors and end users.",
    )
    # Investigation
    cause_category = fields.Selection(
        selection=CAUSE_CATEGORIES,
        tracking=True,
        index=True,
        groups="base.group_user",
    )
    responsible_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Responsible Vendor",
        tracking=True,
        index="btree_not_null",
        groups="base.group_user",
        help="Vendor held responsible when the cause is supplier material.",
    )
    root_cause = fields.Html(groups="base.group_user")
    rejection_reason = fields.Text(tracking=True)
    # Remedy
    remedy_type = fields.Selection(selection=REMEDY_TYPES, tracking=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    remedy_amount = fields.Monetary(
        currency_field="currency_id",
        tracking=True,
        groups="base.group_user",
        help="Cost of the remedy to the company.",
    )
    remedy_state = fields.Selection(
        selection=REMEDY_STATES, default="draft", tracking=True, copy=False
    )
    # Batch problems
    batch_issue_ids = fields.Many2many(
        comodel_name="quality.batch.issue",
        relation="quality_batch_issue_helpdesk_ticket_rel",
        column1="ticket_id",
        column2="issue_id",
        string="Batch Problems",
        copy=False,
        groups="base.group_user",
    )
    open_batch_issue_count = fields.Integer(
        string="Open Batch Problems",
        compute="_compute_open_batch_issue_count",
        groups="base.group_user",
    )
    # SLA
    sla_ids = fields.One2many(
        comodel_name="quality.complaint.sla",
        inverse_name="ticket_id",
        string="SLA Milestones",
        groups="quality_complaint.group_quality_complaint_user",
    )
    sla_status = fields.Selection(
        selection=SLA_STATUSES,
        string="SLA Status",
        compute="_compute_sla_status",
        store=True,
        index=True,
        help="The worst of the milestones still to reach.",
    )
    sla_deadline = fields.Datetime(
        string="Next SLA Deadline", compute="_compute_sla_status", store=True
    )
    sla_countdown = fields.Char(string="Time Left", compute="_compute_sla_countdown")
    satisfaction = fields.Selection(
        selection=SATISFACTION_LEVELS,
        string="Customer Satisfaction",
        tracking=True,
        copy=False,
    )

    @api.depends("team_id.is_quality_team")
    def _compute_is_quality_complaint(self):
        for ticket in self:
            ticket.is_quality_complaint = ticket.team_id.is_quality_team

    @api.depends("batch_issue_ids.state")
    def _compute_open_batch_issue_count(self):
        for ticket in self:
            ticket.open_batch_issue_count = len(
                ticket.batch_issue_ids.filtered(
                    lambda issue: issue.state not in ("closed", "dismissed")
                )
            )

    @api.depends("complaint_line_ids.quantity")
    def _compute_affected_qty(self):
        for ticket in self:
            ticket.affected_qty = sum(ticket.complaint_line_ids.mapped("quantity"))

    @api.depends("complaint_line_ids.lot_id")
    def _compute_lot_count(self):
        for ticket in self:
            ticket.lot_count = len(ticket.complaint_line_ids.lot_id)

    @api.depends("complaint_line_ids.product_id", "complaint_line_ids.sequence")
    def _compute_product_id(self):
        # Follow the first line so helpdesk_product's views and portal keep working;
        # tickets without lines keep the product set by hand.
        for ticket in self:
            first_line = ticket.complaint_line_ids.sorted(
                lambda line: (line.sequence, line._origin.id or float("inf"))
            )[:1]
            if first_line:
                ticket.product_id = first_line.product_id

    @api.depends("safety_risk", "defect_type_id")
    def _compute_severity(self):
        for ticket in self:
            if ticket.safety_risk:
                ticket.severity = "critical"
            elif ticket.defect_type_id:
                ticket.severity = ticket.defect_type_id.default_severity

    @api.depends("complaint_line_ids.warranty_state")
    def _compute_warranty_state(self):
        for ticket in self:
            states = set(ticket.complaint_line_ids.mapped("warranty_state"))
            if "in_warranty" in states:
                ticket.warranty_state = "in_warranty"
            elif "out_of_warranty" in states:
                ticket.warranty_state = "out_of_warranty"
            else:
                ticket.warranty_state = "unknown"

    @api.depends(
        "is_quality_complaint",
        "partner_id.complaint_customer_tier",
        "partner_id.parent_id",
        "company_id",
    )
    def _compute_service_partner_id(self):
        for ticket in self:
            if ticket.is_quality_complaint and ticket.partner_id:
                ticket.service_partner_id = (
                    ticket.partner_id._get_complaint_service_partner(ticket.company_id)
                )
            elif not ticket.is_quality_complaint:
                ticket.service_partner_id = False

    @api.depends("sla_ids.state", "sla_ids.is_at_risk", "sla_ids.reached_date")
    def _compute_sla_status(self):
        for ticket in self:
            slas = ticket.sla_ids.filtered(lambda sla: sla.state != "cancelled")
            open_slas = slas.filtered(
                lambda sla: sla.state in ("running", "breached")
                and not sla.reached_date
            )
            running = open_slas.filtered(lambda sla: sla.state == "running")
            ticket.sla_deadline = min(running.mapped("deadline"), default=False)
            if any(sla.state == "breached" for sla in open_slas):
                ticket.sla_status = "breached"
            elif any(running.mapped("is_at_risk")):
                ticket.sla_status = "at_risk"
            elif open_slas:
                ticket.sla_status = "on_track"
            else:
                ticket.sla_status = "done" if slas else False

    @api.depends("sla_deadline")
    def _compute_sla_countdown(self):
        now = fields.Datetime.now()
        for ticket in self:
            if not ticket.sla_deadline:
                ticket.sla_countdown = False
                continue
            minutes = int((ticket.sla_deadline - now).total_seconds() // 60)
            hours, rest = divmod(abs(minutes), 60)
            if minutes >= 0:
                ticket.sla_countdown = self.env._(
                    "%(hours)s h %(minutes)02d min left", hours=hours, minutes=rest
                )
            else:
                ticket.sla_countdown = self.env._(
                    "overdue by %(hours)s h %(minutes)02d min",
                    hours=hours,
                    minutes=rest,
                )

    @api.constrains("safety_risk", "severity")
    def _check_safety_risk_severity(self):
        for ticket in self:
            if ticket.safety_risk and ticket.severity != "critical":
                raise ValidationError(
                    self.env._(
                        "Complaint %(number)s has a safety risk: its severity must "
                        "be Critical.",
                        number=ticket.number,
                    )
                )

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

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        team_id = self.default_get(["team_id"]).get("team_id")
        team = self.env["helpdesk.ticket.team"].browse(team_id)
        if team.is_quality_team:
            return stages.search(
                [
                    "|",
                    ("id", "in", stages.ids),
                    "&",
                    ("quality_phase", "!=", False),
                    "|",
                    ("team_ids", "=", team.id),
                    ("team_ids", "=", False),
                ]
            )
        return super()._read_group_stage_ids(stages, domain)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        tickets._check_phase_gates({})
        tickets._sla_sync()
        tickets._sla_reach_phase()
        return tickets

    def write(self, vals):
        stage_changed = "stage_id" in vals
        previous_phases = (
            {ticket.id: ticket.quality_phase for ticket in self}
            if stage_changed
            else {}
        )
        res = super().write(vals)
        if stage_changed:
            self._check_phase_gates(previous_phases)
        if stage_changed or SLA_PLANNING_FIELDS & set(vals):
            self._sla_sync()
        if stage_changed:
            self._sla_reach_phase()
        if "active" in vals and not vals["active"]:
            self.sudo().sla_ids._cancel_running()
        return res

    def _message_post_after_hook(self, message, msg_vals):
        # The first public answer of the company to the customer meets `response`.
        res = super()._message_post_after_hook(message, msg_vals)
        if (
            message.message_type == "comment"
            and not message.is_internal
            and message.subtype_id == self.env.ref("mail.mt_comment")
            and message.author_id.user_ids.filtered(lambda user: not user.share)
        ):
            self.sudo().sla_ids.filtered(
                lambda sla: sla.milestone == "response" and not sla.reached_date
            )._reach(fields.Datetime.now())
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_past_intake(self):
        started = self.filtered(
            lambda t: t.is_quality_complaint
            and t.quality_phase not in (False, "intake")
        )
        if started:
            raise UserError(
                self.env._(
                    "Complaints past intake cannot be deleted, archive them instead: "
                    "%(numbers)s",
                    numbers=", ".join(started.mapped("number")),
                )
            )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_lots(self):
        self.ensure_one()
        lots = self.complaint_line_ids.lot_id
        action = self.env["ir.actions.actions"]._for_xml_id(
            "stock.action_production_lot_form"
        )
        if len(lots) == 1:
            action.update(views=[(False, "form")], res_id=lots.id)
        else:
            action["domain"] = [("id", "in", lots.ids)]
        action["context"] = {"create": False}
        return action

    def action_view_batch_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_batch_issue_action"
        )
        action["domain"] = [("id", "in", self.batch_issue_ids.ids)]
        action["context"] = {"create": False}
        return action

    def action_refresh_traceability(self):
        self.complaint_line_ids._recompute_traceability()
        return True

    # ------------------------------------------------------------
    # Business: SLA milestones
    # ------------------------------------------------------------

    def _has_reached_phase(self, phase):
        self.ensure_one()
        current = self.quality_phase
        return current in FORWARD_PHASES and FORWARD_PHASES.index(
            current
        ) >= FORWARD_PHASES.index(phase)

    def _sla_sync(self):
        """Create the milestones the complaints' policies call for and re-plan
        the ones not reached yet (severity, team or phase changed). Deadlines of
        all complaints are planned together."""
        Sla = self.env["quality.complaint.sla"].sudo()
        complaints = self.filtered(lambda t: t.is_quality_complaint and t.active)
        (self - complaints).sudo().sla_ids._cancel_running()
        if not complaints:
            return
        policies = self.env["quality.sla.policy"].sudo().search([])
        now = fields.Datetime.now()
        to_create, to_replan, to_cancel = [], [], Sla
        applicable_by_key = {}  # complaints of one company, team and severity
        for ticket in complaints:
            key = (ticket.company_id, ticket.team_id, ticket.severity)
            if key not in applicable_by_key:
                applicable_by_key[key] = policies._get_applicable(policies, ticket)
            applicable = applicable_by_key[key]
            current = {
                sla.milestone: sla
                for sla in ticket.sudo().sla_ids
                if sla.state != "cancelled"
            }
            for milestone, sla in current.items():
                if milestone not in applicable and not sla.reached_date:
                    to_cancel |= sla
            for milestone, policy in applicable.items():
                sla = current.get(milestone)
                if sla:
                    if not sla.reached_date:
                        to_replan.append((sla, policy))
                    continue
                if policy.start_phase:
                    if not ticket._has_reached_phase(policy.start_phase):
                        continue
                    start = now
                else:
                    start = ticket.create_date or now
                to_create.append((policy, ticket, start))
        to_cancel._cancel_running()
        plans = [(policy, sla.ticket_id, sla.start_date) for sla, policy in to_replan]
        plans += to_create
        values = Sla._plan_values(plans)
        for (sla, policy), planned in zip(to_replan, values, strict=False):
            if sla.policy_id != policy or sla.deadline != planned["deadline"]:
                sla.write(
                    dict(
                        planned,
                        policy_id=policy.id,
                        state="running",
                        is_at_risk=False,
                        team_id=sla.ticket_id.team_id.id,
                        severity=sla.ticket_id.severity,
                    )
                )
        Sla.create(
            [
                dict(
                    planned,
                    ticket_id=ticket.id,
                    policy_id=policy.id,
                    milestone=policy.milestone,
                    start_date=start,
                    state="running",
                    is_at_risk=False,
                    # given, not computed: no second UPDATE of every new milestone
                    met_pct=0.0,
                    company_id=ticket.company_id.id,
                    team_id=ticket.team_id.id,
                    severity=ticket.severity,
                )
                for (policy, ticket, start), planned in zip(
                    to_create, values[len(to_replan) :], strict=True
                )
            ]
        )

    def _sla_reach_phase(self):
        """Meet the milestones whose target phase the complaints entered (or
        passed); a rejected complaint's running milestones are cancelled."""
        now = fields.Datetime.now()
        Sla = self.env["quality.complaint.sla"].sudo()
        to_reach, to_cancel = Sla, Sla
        for ticket in self.filtered("is_quality_complaint"):
            open_slas = ticket.sudo().sla_ids.filtered(
                lambda sla: sla.state in ("running", "breached")
                and not sla.reached_date
            )
            if ticket.quality_phase == "rejected":
                to_cancel |= open_slas
            elif ticket.quality_phase in FORWARD_PHASES:
                to_reach |= open_slas.filtered(
                    lambda sla, t=ticket: t._has_reached_phase(
                        sla.policy_id.target_phase
                    )
                )
        to_cancel._cancel_running()
        to_reach._reach(now)

    # ------------------------------------------------------------
    # Business: phase gates
    # ------------------------------------------------------------

    def _check_phase_gates(self, previous_phases):
        """Refuse to enter a phase whose conditions do not hold.

        Going back is free; going forward checks every phase entered, so a
        complaint may skip a phase only when the skipped phase's gate holds.
        """
        phase_labels = dict(QUALITY_PHASES)
        phase_labels.update(
            self.env["helpdesk.ticket.stage"]
            ._fields["quality_phase"]
            ._description_selection(self.env)
        )
        for ticket in self.filtered("is_quality_complaint"):
            new_phase = ticket.stage_id.quality_phase
            if not new_phase:
                raise UserError(
                    self.env._(
                        "Stage %(stage)s has no quality phase: complaint %(number)s "
                        "can only move through the stages of its quality team.",
                        stage=ticket.stage_id.name,
                        number=ticket.number,
                    )
                )
            failures = []
            for phase in self._get_phases_entered(
                previous_phases.get(ticket.id), new_phase
            ):
                failures += [
                    f"{phase_labels[phase]}: {missing}"
                    for missing in ticket._get_gate_failures(phase)
                ]
            if failures:
                raise UserError(
                    self.env._(
                        "Complaint %(number)s cannot move to %(stage)s. Missing:\n"
                        "%(failures)s",
                        number=ticket.number,
                        stage=ticket.stage_id.name,
                        failures="\n".join(f"- {failure}" for failure in failures),
                    )
                )

    @api.model
    def _get_phases_entered(self, old_phase, new_phase):
        """Phases whose gate must hold to go from `old_phase` to `new_phase`."""
        if new_phase == "rejected":
            return [] if old_phase == "rejected" else ["rejected"]
        old_index = (
            FORWARD_PHASES.index(old_phase) if old_phase in FORWARD_PHASES else 0
        )
        return FORWARD_PHASES[old_index + 1 : FORWARD_PHASES.index(new_phase) + 1]

    def _get_gate_failures(self, phase):
        """What this complaint lacks to enter `phase`, one sentence each."""
        self.ensure_one()
        method = getattr(self, f"_get_gate_failures_{phase}", None)
        return method() if method else []

    def _get_gate_failures_investigation(self):
        failures = []
        if not self.severity:
            failures.append(self.env._("a severity"))
        if not self.complaint_line_ids.filtered(
            lambda line: line.product_id and line.quantity > 0
        ):
            failures.append(
                self.env._("at least one affected product line with a quantity")
            )
        if not self.defect_type_id:
            failures.append(self.env._("a defect type"))
        return failures

    def _get_gate_failures_solution(self):
        failures = []
        if is_html_empty(self.root_cause):
            failures.append(self.env._("a root cause"))
        if not self.cause_category:
            failures.append(self.env._("a cause category"))
        elif self.cause_category == "material" and not self.responsible_partner_id:
            failures.append(
                self.env._("the responsible vendor (the cause is supplier material)")
            )
        return failures

    def _get_gate_failures_execution(self):
        if not self.remedy_type:
            return [self.env._("a remedy type")]
        return []

    def _get_gate_failures_done(self):
        if not self.satisfaction:
            return [self.env._("the customer's feedback (satisfaction)")]
        return []

    def _get_gate_failures_rejected(self):
        if not (self.rejection_reason or "").strip():
            return [self.env._("a rejection reason")]
        return []
