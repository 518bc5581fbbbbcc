# Portal users read, of a complaint their company only services, the messages
# addressed to them or written by them, not the customer's conversation.
from odoo import api, models


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model
    def _find_allowed_model_wise(self, doc_model, doc_dict):
        # messages whose author or recipient is the user were allowed before
        if doc_model == "helpdesk.ticket" and self.env.user.share:
            serviced = set(self.env[doc_model]._get_serviced_only_ids(list(doc_dict)))
            doc_dict = {
                res_id: ids
                for res_id, ids in doc_dict.items()
                if res_id not in serviced
            }
        return super()._find_allowed_model_wise(doc_model, doc_dict)

    def _get_forbidden_access(self, operation):
        forbidden = super()._get_forbidden_access(operation)
        if operation != "read" or not self.env.user.share:
            return forbidden
        # read as superuser: reading as the user would check access again
        messages = (
            (self - forbidden)
            .sudo()
            .filtered(lambda m: m.model == "helpdesk.ticket" and m.res_id)
        )
        if not messages:
            return forbidden
        serviced = set(
            self.env["helpdesk.ticket"]._get_serviced_only_ids(
                messages.mapped("res_id")
            )
        )
        partner = self.env.user.partner_id
        hidden = messages.filtered(
            lambda m: m.res_id in serviced
            and m.author_id != partner
            and partner not in m.partner_ids
        )
        return forbidden | self.browse(hidden.ids)
