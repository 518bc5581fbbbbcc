from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .helpdesk_ticket_stage import FORWARD_PHASES, QUALITY_PHASES
from .quality_defect_type import SEVERITIES

# A year around the clock: no time limit of the trade is longer.
MAX_HOURS = 8760
MAX_HOURS_TEXT = format(MAX_HOURS, ",")
MILESTONES = [
    ("response", "First Response"),
    ("interim", "Interim Report"),
    ("final", "Final Report"),
    ("resolution", "Resolution"),
    ("follow_up", "Follow-up"),
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
    milestone = fields.Selection(selection=MILESTONES, required=True)
    start_phase = fields.Selection(
        selection=[p for p in QUALITY_PHASES if p[0] in FORWARD_PHASES],
        help="The clock starts when the complaint enters this phase; empty: when "
        "the complaint is created.",
    )
    target_phase = fields.Selection(
        selection=[p for p in QUALITY_PHASES if p[0] in FORWARD_PHASES],
        required=True,
        help="The milestone is met when the complaint enters this phase or a later "
        "one.",
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

    @api.constrains("start_phase", "target_phase")
    def _check_phases(self):
        for policy in self:
            if policy.start_phase and FORWARD_PHASES.index(
                policy.start_phase
            ) >= FORWARD_PHASES.index(policy.target_phase):
                raise ValidationError(
                    self.env._(
                        "SLA policy %(policy)s: the target phase must come after "
                        "the start phase.",
                        policy=policy.name,
                    )
                )

    def _get_applicable(self, ticket):
        """The most specific of these policies for each milestone of `ticket`.

        :return: {milestone: policy}
        """
        best = {}
        # A complaint not classified yet is timed as a major one.
        severity = ticket.severity or "major"
        for policy in self:
            if (
                (policy.company_id and policy.company_id != ticket.company_id)
                or (policy.team_id and policy.team_id != ticket.team_id)
                or (policy.severity and policy.severity != severity)
            ):
                continue
            rank = (bool(policy.team_id), bool(policy.severity), -policy.sequence)
            current = best.get(policy.milestone)
            if not current or rank > current[0]:
                best[policy.milestone] = (rank, policy)
        return {milestone: policy for milestone, (_rank, policy) in best.items()}

    def _get_calendar(self, ticket):
        """The calendar this policy's hours count in for `ticket`: its own,
        else the team's, else the company's, else none (hours then count around
        the clock)."""
        self.ensure_one()
        return (
            self.calendar_id
            or ticket.team_id.resource_calendar_id
            or ticket.company_id.resource_calendar_id
        )
