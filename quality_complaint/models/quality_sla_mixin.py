# The SLA status and countdown of a record timed by deadline milestones
# (quality.complaint.sla): complaints and batch problems show the same ones.
from collections import defaultdict

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

    @api.depends(
        "sla_ids.state",
        "sla_ids.is_at_risk",
        "sla_ids.reached_date",
        "sla_ids.deadline",
    )
    def _compute_sla_status(self):
        """From the milestones not cancelled, in one aggregate query for all
        the records: planning thousands of complaints recomputes them all."""
        link = self._fields["sla_ids"].inverse_name
        saved = self.filtered(lambda record: isinstance(record.id, int))
        figures = defaultdict(lambda: {"open": set(), "deadline": False, "any": False})
        if saved:
            for record, state, at_risk, reached, count, deadline in self.env[
                "quality.complaint.sla"
            ]._read_group(
                [(link, "in", saved.ids), ("state", "!=", "cancelled")],
                [link, "state", "is_at_risk", "reached_date:day"],
                ["__count", "deadline:min"],
            ):
                entry = figures[record.id]
                entry["any"] = entry["any"] or bool(count)
                if reached or state not in ("running", "breached"):
                    continue
                entry["open"].add(
                    "at_risk" if state == "running" and at_risk else state
                )
                if state == "running" and (
                    not entry["deadline"] or deadline < entry["deadline"]
                ):
                    entry["deadline"] = deadline
        for record in self - saved:
            # a record being edited: its milestones in memory
            entry = figures[record.id]
            for sla in record.sla_ids.filtered(lambda s: s.state != "cancelled"):
                entry["any"] = True
                if sla.reached_date or sla.state not in ("running", "breached"):
                    continue
                entry["open"].add(
                    "at_risk"
                    if sla.state == "running" and sla.is_at_risk
                    else sla.state
                )
                if sla.state == "running" and (
                    not entry["deadline"] or sla.deadline < entry["deadline"]
                ):
                    entry["deadline"] = sla.deadline
        for record in self:
            entry = figures[record.id]
            record.sla_deadline = entry["deadline"]
            if "breached" in entry["open"]:
                record.sla_status = "breached"
            elif "at_risk" in entry["open"]:
                record.sla_status = "at_risk"
            elif entry["open"]:
                record.sla_status = "on_track"
            else:
                record.sla_status = "done" if entry["any"] else False

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
