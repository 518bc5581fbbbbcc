# The SLA status and countdown of a record timed by deadline milestones
# (quality.complaint.sla): complaints and batch problems show the same ones.
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import sql_array

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
        figures = self._get_sla_figures()
        for record in self:
            record.sla_status, record.sla_deadline = figures[record.id]

    def _get_sla_figures(self):
        """The SLA status and next deadline of each record, from its milestones
        not cancelled: the worst of those still to reach, the earliest running
        deadline. Saved records are read in one aggregate query, whatever
        their number (planning thousands of complaints recomputes them all).

        :return: {record id: (status, deadline)}
        """
        link = self._fields["sla_ids"].inverse_name
        saved = self.filtered(lambda record: isinstance(record.id, int))
        open_states, deadlines, timed = defaultdict(set), {}, set()

        def count(record_id, state, at_risk, reached, deadline):
            timed.add(record_id)
            if reached or state not in ("running", "breached"):
                return
            open_states[record_id].add(
                "at_risk" if state == "running" and at_risk else state
            )
            if state == "running" and (
                record_id not in deadlines or deadline < deadlines[record_id]
            ):
                deadlines[record_id] = deadline

        if saved:
            for record, state, at_risk, reached, deadline in self.env[
                "quality.complaint.sla"
            ]._read_group(
                [(link, "in", saved.ids), ("state", "!=", "cancelled")],
                [link, "state", "is_at_risk", "reached_date:day"],
                ["deadline:min"],
            ):
                count(record.id, state, at_risk, reached, deadline)
        for record in self - saved:
            # a record being edited: its milestones in memory
            for sla in record.sla_ids.filtered(lambda s: s.state != "cancelled"):
                count(
                    record.id, sla.state, sla.is_at_risk, sla.reached_date, sla.deadline
                )
        figures = {}
        for record in self:
            states = open_states[record.id]
            if "breached" in states:
                status = "breached"
            elif "at_risk" in states:
                status = "at_risk"
            elif states:
                status = "on_track"
            else:
                status = "done" if record.id in timed else False
            figures[record.id] = (status, deadlines.get(record.id, False))
        return figures

    def _store_sla_figures(self):
        """Compute and store the SLA status of these saved records in one
        UPDATE, after their milestones were written in bulk (the ORM's flush
        writes a hundred records a query)."""
        figures = self._get_sla_figures()
        ids = list(figures)
        self.env.execute_query(
            SQL(
                """
                UPDATE %(table)s AS record
                   SET sla_status = figures.status, sla_deadline = figures.deadline
                  FROM unnest(%(ids)s, %(statuses)s, %(deadlines)s)
                       AS figures(id, status, deadline)
                 WHERE record.id = figures.id
                """,
                table=SQL.identifier(self._table),
                ids=sql_array(ids, "int4"),
                statuses=sql_array([figures[i][0] or None for i in ids], "varchar"),
                deadlines=sql_array([figures[i][1] or None for i in ids], "timestamp"),
            )
        )
        self.invalidate_recordset(["sla_ids", "sla_status", "sla_deadline"])

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
