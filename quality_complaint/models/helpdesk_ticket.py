# A complaint is a ticket of a quality team: this file owns its intake (lines,
# severity, warranty, who services it) and the one create/write of all concerns.
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import create_index

from ..tools import action_open_records
from .quality_complaint_line import WARRANTY_STATES
from .quality_defect_type import SEVERITIES


class HelpdeskTicket(models.Model):
    """A quality complaint (客诉). The concerns of the workflow live in their
    own files, each an extension of this model:

    - ``helpdesk_ticket_phase.py``: the phase gates and what entering a phase does;
    - ``helpdesk_ticket_sla.py``: the deadline milestones;
    - ``helpdesk_ticket_investigation.py``: 8D, actions, batch problems, claims;
    - ``helpdesk_ticket_remedy.py``: the remedy, its approval and its documents;
    - ``helpdesk_ticket_follow_up.py``: the follow-up call and the rating;
    - ``helpdesk_ticket_mail.py``: complaints created from e-mails.

    `create` and `write` below are the only overrides of the ORM: they call
    each concern's hooks in a fixed order.
    """

    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "quality.number.mixin"]

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
        compute="_compute_defect_type_id",
        store=True,
        readonly=False,
        tracking=True,
        index=True,
        domain="[('company_id', 'in', [company_id, False])]",
        help="The main failure mode; when empty, the first one given on a line.",
    )
    customer_expectation = fields.Text(help="The remedy the customer asks for.")
    filed_by_customer = fields.Boolean(
        readonly=True,
        copy=False,
        help="Filed by the customer (portal, e-mail): until staff take it in, it "
        "counts for batch problems but holds no lot by itself.",
    )
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

    def init(self):
        res = super().init()
        # The hourly batch detection reads the complaints changed since its
        # last run (re-activated, no longer rejected).
        create_index(
            self.env.cr,
            "helpdesk_ticket_write_date_index",
            self._table,
            ["write_date"],
        )
        return res

    @api.depends("team_id.is_quality_team")
    def _compute_is_quality_complaint(self):
        for ticket in self:
            ticket.is_quality_complaint = ticket.team_id.is_quality_team

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

    @api.depends("complaint_line_ids.defect_type_id")
    def _compute_defect_type_id(self):
        # A line's failure proposes the complaint's (and so its severity);
        # lines take the complaint's failure when added (their own compute).
        for ticket in self:
            if not ticket.defect_type_id:
                ticket.defect_type_id = ticket.complaint_line_ids.sorted(
                    lambda line: (line.sequence, line._origin.id or float("inf"))
                ).defect_type_id[:1]

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
    # CRUD: the one place that calls the concerns' hooks
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        # helpdesk_mgmt dates the closure when the stage is written: a complaint
        # created closed (imported, demo) was closed when it was created
        tickets.filtered(
            lambda t: t.is_quality_complaint and t.stage_id.closed and not t.closed_date
        ).closed_date = fields.Datetime.now()
        tickets._check_phase_gates({})
        tickets._mark_left_intake()
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
        remedy_to_reset = self._get_remedy_to_reset(vals)
        res = super().write(vals)
        # In this order: the remedy's approval, the phase gates, what entering
        # a phase does (remedy, follow-up), then the SLA milestones.
        if remedy_to_reset:
            remedy_to_reset._reset_remedy_approval()
        if stage_changed:
            self._check_phase_gates(previous_phases)
            self._mark_left_intake()
            self._remedy_on_phase_entered(previous_phases)
            self._follow_up_on_phase_entered(previous_phases)
        self._sla_on_write(vals)
        return res

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_lots(self):
        self.ensure_one()
        return action_open_records(
            self.complaint_line_ids.lot_id, "stock.action_production_lot_form"
        )

    def action_refresh_traceability(self):
        self.complaint_line_ids._recompute_traceability()
        return True
