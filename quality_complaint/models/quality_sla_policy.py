from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .helpdesk_ticket_stage import FORWARD_PHASES, QUALITY_PHASES
from .quality_batch_issue import CLOSED_STATES, ISSUE_STATES, STATE_PATHS
from .quality_defect_type import SEVERITIES

# A year around the clock: no time limit of the trade is longer.
MAX_HOURS = 8760
MAX_HOURS_TEXT = format(MAX_HOURS, ",")
COMPLAINT_MILESTONES = [
    ("response", "First Response"),
    ("interim", "Interim Report"),
    ("final", "Final Report"),
    ("resolution", "Resolution"),
    ("follow_up", "Follow-up"),
]
# A reported batch problem is reviewed three times, each within its time from
# the step before; once confirmed, the technical solution, or (units accepted by
# the customer) a first response and a conclusion are due.
ISSUE_MILESTONES = [
    ("review_verify", "Review: Verification"),
    ("review_analyse", "Review: Analysis"),
    ("review_confirm", "Review: Confirmation"),
    ("solution", "Technical Solution"),
    ("issue_response", "Technical Response"),
    ("conclusion", "Conclusion"),
]
MILESTONES = COMPLAINT_MILESTONES + ISSUE_MILESTONES
APPLIES_TO = [("complaint", "Complaints"), ("batch_issue", "Batch Problems")]
ISSUE_START_STATES = [s for s in ISSUE_STATES if s[0] not in CLOSED_STATES]
ISSUE_TARGET_STATES = [
    s for s in ISSUE_STATES if s[0] not in ("detected", "reported", "dismissed")
]


class QualitySlaPolicy(models.Model):
    _name = "quality.sla.policy"
    _inherit = ["quality.number.mixin"]
    _description = "Quality Complaint SLA Policy"
    _order = "milestone, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        comodel_name="res.company", default=lambda self: self.env.company
    )
    applies_to = fields.Selection(
        selection=APPLIES_TO,
        required=True,
        default="complaint",
        help="Complaints are timed by phases; batch problems by their states.",
    )
    team_id = fields.Many2one(
        comodel_name="helpdesk.ticket.team",
        string="Team",
        check_company=True,
        domain="[('is_quality_team', '=', True)]",
        help="Empty: every quality team. A team's own policy wins over a general one.",
    )
    severity = fields.Selection(
        selection=SEVERITIES,
        help="Empty: every severity. A policy for the complaint's severity wins "
        "over a general one.",
    )
    acceptance = fields.Selection(
        selection=[
            ("not_accepted", "Units Not Accepted Yet"),
            ("accepted", "Units Accepted"),
        ],
        string="Customer Acceptance",
        help="Batch problems only: whether the units passed the customer's "
        "acceptance (已验收); empty: both.",
    )
    milestone = fields.Selection(selection=MILESTONES, required=True)
    start_phase = fields.Selection(
        selection=[p for p in QUALITY_PHASES if p[0] in FORWARD_PHASES],
        help="The clock starts when the complaint enters this phase; empty: when "
        "the complaint is created.",
    )
    target_phase = fields.Selection(
        selection=[p for p in QUALITY_PHASES if p[0] in FORWARD_PHASES],
        help="The milestone is met when the complaint enters this phase or a later "
        "one.",
    )
    start_issue_state = fields.Selection(
        selection=ISSUE_START_STATES,
        string="Start State",
        help="The clock starts when the batch problem enters this state.",
    )
    target_issue_state = fields.Selection(
        selection=ISSUE_TARGET_STATES,
        string="Target State",
        help="The milestone is met when the batch problem enters this state or a "
        "later one.",
    )
    hours = fields.Float(
        string="Working Hours",
        required=True,
        help="Time allowed, in working hours of the calendar.",
    )
    calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Working Calendar",
        check_company=True,
        help="Empty: the team's working calendar, else the company's; without "
        "any, hours count around the clock.",
    )
    at_risk_pct = fields.Integer(
        string="At Risk (%)",
        default=80,
        required=True,
        help="The milestone is at risk once this share of the allowed time passed.",
    )
    escalation_user_ids = fields.Many2many(
        comodel_name="res.users",
        string="Escalate To",
        domain="[('share', '=', False)]",
        help="Who gets an activity when the milestone is breached; empty: the "
        "team leader.",
    )

    @api.constrains("hours")
    def _check_hours(self):
        for policy in self:
            if not 0 < policy.hours <= MAX_HOURS:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(policy)s: the working hours must be greater "
                        "than zero and at most %(max)s (a year).",
                        policy=policy.name,
                        max=MAX_HOURS_TEXT,
                    )
                )

    @api.constrains("at_risk_pct")
    def _check_at_risk_pct(self):
        for policy in self:
            if not 1 <= policy.at_risk_pct <= 99:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(policy)s: the at-risk threshold must be "
                        "between 1 and 99 %%.",
                        policy=policy.name,
                    )
                )

    @api.constrains(
        "applies_to",
        "milestone",
        "start_phase",
        "target_phase",
        "start_issue_state",
        "target_issue_state",
    )
    def _check_phases(self):
        issue_milestones = {code for code, _label in ISSUE_MILESTONES}
        targets = dict(self._fields["applies_to"]._description_selection(self.env))
        for policy in self:
            if (policy.milestone in issue_milestones) != (
                policy.applies_to == "batch_issue"
            ):
                raise ValidationError(
                    self.env._(
                        "SLA policy %(policy)s: this milestone is not one of "
                        "%(applies_to)s.",
                        policy=policy.name,
                        applies_to=targets[policy.applies_to],
                    )
                )
            if policy.applies_to == "batch_issue":
                policy._check_issue_states()
            elif not policy.target_phase:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(policy)s: give the phase that meets the "
                        "milestone.",
                        policy=policy.name,
                    )
                )
            elif policy.start_phase and FORWARD_PHASES.index(
                policy.start_phase
            ) >= FORWARD_PHASES.index(policy.target_phase):
                raise ValidationError(
                    self.env._(
                        "SLA policy %(policy)s: the target phase must come after "
                        "the start phase.",
                        policy=policy.name,
                    )
                )

    def _check_issue_states(self):
        self.ensure_one()
        start, target = self.start_issue_state, self.target_issue_state
        if not (start and target):
            raise ValidationError(
                self.env._(
                    "SLA policy %(policy)s: give the state that starts the clock "
                    "and the state that meets the milestone.",
                    policy=self.name,
                )
            )
        if not any(
            start in path and target in path and path.index(start) < path.index(target)
            for path in STATE_PATHS.values()
        ):
            raise ValidationError(
                self.env._(
                    "SLA policy %(policy)s: the target state must come after the "
                    "start state.",
                    policy=self.name,
                )
            )

    def _get_applicable(self, ticket):
        """The most specific of these policies for each milestone of `ticket`
        (a complaint, or a batch problem).

        :return: {milestone: policy}
        """
        if ticket._name == "quality.batch.issue":
            return self._get_applicable_issue(ticket)
        best = {}
        # A complaint not classified yet is timed as a major one.
        severity = ticket.severity or "major"
        for policy in self:
            if (
                policy.applies_to != "complaint"
                or (policy.company_id and policy.company_id != ticket.company_id)
                or (policy.team_id and policy.team_id != ticket.team_id)
                or (policy.severity and policy.severity != severity)
            ):
                continue
            rank = (bool(policy.team_id), bool(policy.severity), -policy.sequence)
            current = best.get(policy.milestone)
            if not current or rank > current[0]:
                best[policy.milestone] = (rank, policy)
        return {milestone: policy for milestone, (_rank, policy) in best.items()}

    def _get_applicable_issue(self, issue):
        """The most specific of these policies for each milestone of the batch
        problem `issue`: one for its acceptance wins over a general one."""
        best = {}
        acceptance = "accepted" if issue.customer_accepted else "not_accepted"
        for policy in self:
            if (
                policy.applies_to != "batch_issue"
                or (policy.company_id and policy.company_id != issue.company_id)
                or (policy.acceptance and policy.acceptance != acceptance)
            ):
                continue
            rank = (bool(policy.acceptance), -policy.sequence)
            current = best.get(policy.milestone)
            if not current or rank > current[0]:
                best[policy.milestone] = (rank, policy)
        return {milestone: policy for milestone, (_rank, policy) in best.items()}

    def _get_calendar(self, record):
        """The calendar this policy's hours count in for `record` (a complaint
        or a batch problem): its own, else the record's (for a complaint its
        team's, else its company's), else none (hours then count around the
        clock)."""
        self.ensure_one()
        return self.calendar_id or record._get_sla_calendar()
