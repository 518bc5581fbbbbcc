# The SLA status and countdown of a record timed by deadline milestones
# (quality.complaint.sla): complaints and batch problems show the same ones.
from odoo import api, fields, models

SLA_STATUSES = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
    ("done", "Done"),
]


class QualitySlaMixin(models.AbstractModel):
    """A record with SLA milestones. The model defines `sla_ids` (a One2many
    of `quality.complaint.sla` on its own link) and `_get_sla_calendar()`."""

    _name = "quality.sla.mixin"
    _description = "Quality SLA Status"

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

    @api.depends("sla_ids.state", "sla_ids.is_at_risk", "sla_ids.reached_date")
    def _compute_sla_status(self):
        for record in self:
            slas = record.sla_ids.filtered(lambda sla: sla.state != "cancelled")
            open_slas = slas.filtered(
                lambda sla: sla.state in ("running", "breached")
                and not sla.reached_date
            )
            running = open_slas.filtered(lambda sla: sla.state == "running")
            record.sla_deadline = min(running.mapped("deadline"), default=False)
            if any(sla.state == "breached" for sla in open_slas):
                record.sla_status = "breached"
            elif any(running.mapped("is_at_risk")):
                record.sla_status = "at_risk"
            elif open_slas:
                record.sla_status = "on_track"
            else:
                record.sla_status = "done" if slas else False

    @api.depends("sla_deadline")
    def _compute_sla_countdown(self):
        now = fields.Datetime.now()
        for record in self:
            if not record.sla_deadline:
                record.sla_countdown = False
                continue
            minutes = int((record.sla_deadline - now).total_seconds() // 60)
            hours, rest = divmod(abs(minutes), 60)
            if minutes >= 0:
                record.sla_countdown = self.env._(
                    "%(hours)s h %(minutes)02d min left", hours=hours, minutes=rest
                )
            else:
                record.sla_countdown = self.env._(
                    "overdue by %(hours)s h %(minutes)02d min",
                    hours=hours,
                    minutes=rest,
                )

    def _get_sla_calendar(self):
        """The working calendar the milestones of this record count in when
        their policy has none; without any, hours count around the clock."""
        self.ensure_one()
        return self.company_id.resource_calendar_id
