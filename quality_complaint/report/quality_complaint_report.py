from odoo import fields, models
from odoo.tools import SQL

from ..models.helpdesk_ticket_stage import QUALITY_PHASES
from ..models.quality_complaint_line import WARRANTY_STATES
from ..models.quality_defect_type import SEVERITIES
from ..models.quality_investigation_mixin import CAUSE_CATEGORIES


class QualityComplaintReport(models.Model):
    """Complaint analysis: one row per complaint line. Complaint-level figures
    (complaint count, SLA milestones, days to close) sit on the complaint's
    first line only, so that sums over rows count each complaint once."""

    _name = "quality.complaint.report"
    _description = "Complaint Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "ticket_id"
    # flushed before the view is read
    _depends = {
        "quality.complaint.line": [
            "date",
            "ticket_id",
            "product_id",
            "lot_id",
            "vendor_id",
            "defect_type_id",
            "commercial_partner_id",
            "warranty_state",
            "company_id",
            "quantity",
        ],
        "helpdesk.ticket": [
            "defect_type_id",
            "severity",
            "cause_category",
            "team_id",
            "quality_phase",
            "commercial_partner_id",
            "closed_date",
            "last_stage_update",
            "create_date",
            "is_quality_complaint",
            "active",
        ],
        "quality.complaint.sla": ["ticket_id", "state"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
        "res.partner": ["complaint_customer_tier"],
    }

    date = fields.Date(readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", string="Complaint", readonly=True)
    product_id = fields.Many2one("product.product", string="Product", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial", readonly=True)
    vendor_id = fields.Many2one("res.partner", string="Vendor", readonly=True)
    defect_type_id = fields.Many2one(
        "quality.defect.type", string="Defect Type", readonly=True
    )
    severity = fields.Selection(SEVERITIES, readonly=True)
    cause_category = fields.Selection(CAUSE_CATEGORIES, readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", string="Team", readonly=True)
    quality_phase = fields.Selection(QUALITY_PHASES, string="Phase", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_tier = fields.Selection(
        selection=lambda self: self.env["res.partner"]
        ._fields["complaint_customer_tier"]
        ._description_selection(self.env),
        readonly=True,
    )
    warranty_state = fields.Selection(WARRANTY_STATES, readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    quantity = fields.Float(
        string="Affected Units", digits="Product Unit of Measure", readonly=True
    )
    complaint_count = fields.Integer(string="Complaints", readonly=True)
    sla_met_count = fields.Integer(string="SLA Milestones Met", readonly=True)
    sla_breached_count = fields.Integer(string="SLA Milestones Breached", readonly=True)
    days_to_close = fields.Float(
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="From the complaint's creation to its closure, closed complaints only.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH sla AS (
                SELECT ticket_id,
                       COUNT(*) FILTER (WHERE state = 'met') AS met,
                       COUNT(*) FILTER (WHERE state = 'breached') AS breached
                  FROM quality_complaint_sla
                 WHERE ticket_id IS NOT NULL
                 GROUP BY ticket_id
            )
            SELECT line.id AS id,
                   line.date AS date,
                   line.ticket_id AS ticket_id,
                   line.product_id AS product_id,
                   template.categ_id AS categ_id,
                   line.lot_id AS lot_id,
                   line.vendor_id AS vendor_id,
                   COALESCE(line.defect_type_id, ticket.defect_type_id)
                       AS defect_type_id,
                   ticket.severity AS severity,
                   ticket.cause_category AS cause_category,
                   ticket.team_id AS team_id,
                   ticket.quality_phase AS quality_phase,
                   COALESCE(line.commercial_partner_id, ticket.commercial_partner_id)
                       AS partner_id,
                   customer.complaint_customer_tier AS customer_tier,
                   line.warranty_state AS warranty_state,
                   line.company_id AS company_id,
                   line.quantity AS quantity,
                   CASE WHEN first_line.id = line.id THEN 1 ELSE 0 END
                       AS complaint_count,
                   CASE WHEN first_line.id = line.id THEN COALESCE(sla.met, 0)
                        ELSE 0 END AS sla_met_count,
                   CASE WHEN first_line.id = line.id THEN COALESCE(sla.breached, 0)
                        ELSE 0 END AS sla_breached_count,
                   CASE WHEN first_line.id = line.id
                             AND ticket.quality_phase = 'done'
                        THEN EXTRACT(EPOCH FROM COALESCE(
                                 ticket.closed_date, ticket.last_stage_update
                             ) - ticket.create_date) / 86400.0
                   END AS days_to_close
              FROM quality_complaint_line line
              JOIN helpdesk_ticket ticket ON ticket.id = line.ticket_id
              JOIN product_product product ON product.id = line.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
              LEFT JOIN res_partner customer
                     ON customer.id = COALESCE(
                            line.commercial_partner_id, ticket.commercial_partner_id)
              LEFT JOIN sla ON sla.ticket_id = ticket.id
              JOIN LATERAL (
                    SELECT MIN(other.id) AS id
                      FROM quality_complaint_line other
                     WHERE other.ticket_id = line.ticket_id
                   ) first_line ON TRUE
             WHERE ticket.is_quality_complaint
               AND ticket.active
            """
        )
