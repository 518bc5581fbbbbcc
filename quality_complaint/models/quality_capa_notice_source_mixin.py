# What a record that CAPA notices are sent from (a complaint, a batch problem)
# does with them: draft one from the record, count and open them.
from odoo import api, models

from ..tools import action_open_records


class QualityCapaNoticeSourceMixin(models.AbstractModel):
    """The model defines `capa_notice_ids` (One2many on the notice's
    `_capa_notice_link` field) and `capa_notice_count`, computed here."""

    _name = "quality.capa.notice.source.mixin"
    _description = "Quality CAPA Notice Source"

    # the field of quality.capa.notice that links a notice to this record
    _capa_notice_link = None

    @api.depends("capa_notice_ids")
    def _compute_capa_notice_count(self):
        link = self._capa_notice_link
        counts = dict(
            self.env["quality.capa.notice"]._read_group(
                [(link, "in", self.ids)], [link], ["__count"]
            )
        )
        for record in self:
            record.capa_notice_count = counts.get(record, 0)

    def action_create_capa_notice(self):
        """A draft notice to the party responsible, filled from this record."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_capa_notice_action"
        )
        action.update(
            views=[(False, "form")],
            context={
                f"default_{self._capa_notice_link}": self.id,
                "default_company_id": self.company_id.id,
            },
        )
        return action

    def action_view_capa_notices(self):
        self.ensure_one()
        return action_open_records(
            self.capa_notice_ids, "quality_complaint.quality_capa_notice_action"
        )
