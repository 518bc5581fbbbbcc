import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

QUALITY_ALIAS = "quality"


class HelpdeskTicketTeam(models.Model):
    _name = "helpdesk.ticket.team"
    _inherit = ["helpdesk.ticket.team", "quality.number.mixin"]

    is_quality_team = fields.Boolean(
        string="Quality Team",
        help="Tickets of this team are product-quality complaints: they get "
        "complaint lines, severity, traceability and the gated quality workflow.",
    )

    resource_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Working Hours",
        help="Calendar the SLA deadlines of this team's complaints count in, "
        "unless their policy has its own; empty: the company's.",
    )

    follow_up_delay_days = fields.Integer(
        string="Follow-up Delay (Working Days)",
        default=2,
        help="The follow-up call is planned this many working days after the "
        "complaint enters execution (the procedures ask for 1 to 3).",
    )

    @api.constrains("follow_up_delay_days")
    def _check_follow_up_delay_days(self):
        if any(not 1 <= team.follow_up_delay_days <= 30 for team in self):
            raise ValidationError(
                self.env._(
                    "The follow-up delay is at least one and at most 30 working days."
                )
            )

    def _get_applicable_stages(self):
        stages = super()._get_applicable_stages()
        if len(self) == 1 and self.is_quality_team:
            # Generic (team-less) helpdesk stages have no quality phase and would
            # let a complaint bypass the gates.
            stages = stages.filtered("quality_phase")
        return stages

    def _setup_quality_alias(self):
        """Give the quality teams without an e-mail alias the alias
        ``quality`` (quality@ the alias domain), when no other record of the
        alias domain uses it already."""
        Alias = self.env["mail.alias"].sudo()
        for team in self.filtered(lambda t: t.is_quality_team and not t.alias_name):
            if Alias.search_count(
                [
                    ("alias_name", "=", QUALITY_ALIAS),
                    ("alias_domain_id", "=", team.alias_domain_id.id),
                ],
                limit=1,
            ):
                _logger.info(
                    "Alias %s is used already: team %s keeps no alias",
                    QUALITY_ALIAS,
                    team.id,
                )
                continue
            team.alias_name = QUALITY_ALIAS
