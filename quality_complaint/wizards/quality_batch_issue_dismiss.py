from odoo import fields, models


class QualityBatchIssueDismiss(models.TransientModel):
    _name = "quality.batch.issue.dismiss"
    _description = "Dismiss a Batch Quality Problem"

    issue_ids = fields.Many2many(
        comodel_name="quality.batch.issue",
        default=lambda self: self.env.context.get("active_ids"),
    )
    reason = fields.Text(required=True)

    def action_dismiss(self):
        self.issue_ids._dismiss(self.reason)
        return {"type": "ir.actions.act_window_close"}
