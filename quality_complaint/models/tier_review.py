# The tier reviews of the addon's approvals (remedies, claims...): only the
# tier validation methods create, decide or remove them, never a plain write.
from odoo import api, models
from odoo.exceptions import UserError

from .quality_guarded_state_mixin import may_write_guarded

# What the reviewer adds by hand, and what tier validation writes while it
# computes whose turn it is or sends reminders, outside any workflow method
# (the status then only moves from waiting to pending).
FREE_REVIEW_WRITES = {"comment", "can_review", "last_reminder_date"}


class TierReview(models.Model):
    _inherit = "tier.review"

    @api.model_create_multi
    def create(self, vals_list):
        if not may_write_guarded(self.env) and any(
            self._is_quality_guarded_model(vals.get("model")) for vals in vals_list
        ):
            raise self._guarded_review_error()
        return super().create(vals_list)

    def write(self, vals):
        if (
            not may_write_guarded(self.env)
            and self._filtered_quality_guarded()
            and not self._is_free_review_write(vals)
        ):
            raise self._guarded_review_error()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_quality_guarded(self):
        if not may_write_guarded(self.env) and self._filtered_quality_guarded():
            raise self._guarded_review_error()

    def _is_quality_guarded_model(self, model_name):
        model = self.env.get(model_name) if model_name else None
        return model is not None and getattr(model, "_quality_guarded_reviews", False)

    def _filtered_quality_guarded(self):
        return self.filtered(
            lambda review: self._is_quality_guarded_model(review.model)
        )

    @api.model
    def _is_free_review_write(self, vals):
        status = vals.get("status", "pending")
        return status == "pending" and set(vals) <= FREE_REVIEW_WRITES | {"status"}

    def _guarded_review_error(self):
        return UserError(
            self.env._(
                "Reviews of quality approvals are given with the Validate and "
                "Reject buttons of the record they review; they cannot be "
                "created, changed or deleted directly."
            )
        )
