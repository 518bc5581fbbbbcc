# The investigation of a complaint (8D fields from quality.investigation.mixin)
# and what it leads to: actions, batch problems, supplier claims.
from odoo import api, fields, models


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "quality.investigation.mixin"]

    investigation_user_ids = fields.Many2many(
        relation="quality_complaint_investigation_user_rel",
        column1="ticket_id",
        column2="user_id",
    )
    responsible_partner_id = fields.Many2one(
        compute="_compute_responsible_partner_id", store=True, readonly=False
    )
    action_ids = fields.One2many(
        comodel_name="quality.action",
        inverse_name="ticket_id",
        string="Actions",
        groups="base.group_user",
    )
    open_action_count = fields.Integer(
        compute="_compute_open_action_count", groups="base.group_user"
    )
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
    supplier_claim_ids = fields.Many2many(
        comodel_name="quality.supplier.claim",
        relation="quality_supplier_claim_helpdesk_ticket_rel",
        column1="ticket_id",
        column2="claim_id",
        string="Supplier Claims",
        copy=False,
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
    )
    supplier_claim_count = fields.Integer(
        compute="_compute_supplier_claim_count",
        groups="purchase.group_purchase_user,quality_complaint.group_quality_engineer",
    )

    @api.depends("cause_category", "complaint_line_ids.vendor_id")
    def _compute_responsible_partner_id(self):
        """Supplier material: the vendor the lines' lots were bought from,
        when they all come from one; the engineer may change it."""
        for ticket in self:
            if (
                ticket.cause_category == "material"
                and not ticket.responsible_partner_id
            ):
                vendors = ticket.complaint_line_ids.vendor_id
                if len(vendors) == 1:
                    ticket.responsible_partner_id = vendors

    @api.depends("action_ids.state")
    def _compute_open_action_count(self):
        for ticket in self:
            ticket.open_action_count = len(
                ticket.action_ids.filtered(lambda a: a.state in ("open", "done"))
            )

    @api.depends("batch_issue_ids.state")
    def _compute_open_batch_issue_count(self):
        for ticket in self:
            ticket.open_batch_issue_count = len(
                ticket.batch_issue_ids.filtered(
                    lambda issue: issue.state not in ("closed", "dismissed")
                )
            )

    @api.depends("supplier_claim_ids")
    def _compute_supplier_claim_count(self):
        for ticket in self:
            ticket.supplier_claim_count = len(ticket.supplier_claim_ids)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_action_action"
        )
        action["domain"] = [("ticket_id", "=", self.id)]
        action["context"] = {
            "default_ticket_id": self.id,
            "default_company_id": self.company_id.id,
        }
        return action

    def action_view_batch_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_batch_issue_action"
        )
        action["domain"] = [("id", "in", self.batch_issue_ids.ids)]
        action["context"] = {"create": False}
        return action

    def action_create_supplier_claims(self):
        """One draft claim per vendor traced from the complaints' lines."""
        claims = self.env["quality.supplier.claim"]._create_from_complaint_lines(
            self.complaint_line_ids
        )
        return claims._action_open()

    def action_view_supplier_claims(self):
        self.ensure_one()
        return self.supplier_claim_ids._action_open()
