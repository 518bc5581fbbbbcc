# The corrective and preventive action notices of a batch problem (§5.6.2 of
# the procedure): drafting one from the problem, and the smart button.
from odoo import fields, models


class QualityBatchIssue(models.Model):
    _name = "quality.batch.issue"
    _inherit = ["quality.batch.issue", "quality.capa.notice.source.mixin"]
    _capa_notice_link = "batch_issue_id"

    capa_notice_ids = fields.One2many(
        comodel_name="quality.capa.notice",
        inverse_name="batch_issue_id",
        string="CAPA Notices",
        groups="quality_complaint.group_quality_complaint_user",
    )
    capa_notice_count = fields.Integer(
        compute="_compute_capa_notice_count",
        groups="quality_complaint.group_quality_complaint_user",
    )
