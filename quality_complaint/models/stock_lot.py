from odoo import fields, models
from odoo.tools.safe_eval import safe_eval


class StockLot(models.Model):
    _inherit = "stock.lot"

    complaint_line_ids = fields.One2many(
        comodel_name="quality.complaint.line",
        inverse_name="lot_id",
        string="Complaint Lines",
    )
    complaint_count = fields.Integer(
        string="Complaints", compute="_compute_complaint_count"
    )
    batch_issue_count = fields.Integer(
        string="Batch Problems", compute="_compute_batch_issue_count"
    )

    def _compute_complaint_count(self):
        counts = dict(
            self.env["quality.complaint.line"]._read_group(
                [("lot_id", "in", self.ids)],
                ["lot_id"],
                ["ticket_id:count_distinct"],
            )
        )
        for lot in self:
            lot.complaint_count = counts.get(lot, 0)

    def _compute_batch_issue_count(self):
        issues = self.env["quality.batch.issue"].search(
            ["|", ("lot_id", "in", self.ids), ("line_ids.lot_id", "in", self.ids)]
        )
        for lot in self:
            lot.batch_issue_count = len(
                issues.filtered(lambda i, lot=lot: lot in i._get_lots())
            )

    def action_view_batch_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_batch_issue_action"
        )
        action["domain"] = [
            "|",
            ("lot_id", "=", self.id),
            ("line_ids.lot_id", "=", self.id),
        ]
        action["context"] = {"create": False}
        return action

    def action_view_complaints(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.helpdesk_ticket_action_quality"
        )
        action["domain"] = [("complaint_line_ids.lot_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_complaint_traceability(self):
        """Open Odoo's traceability report (upstream and downstream) of the lot."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("stock.action_stock_report")
        action["context"] = dict(
            safe_eval(action.get("context") or "{}"),
            active_id=self.id,
            active_model="stock.lot",
        )
        return action
