from odoo import models


class QualityTierApprovalMixin(models.AbstractModel):
    """OCA tier validation for a state field going draft → to_approve →
    approved or rejected (remedies of complaints, supplier claims): the
    reviews decide the state, and a record no tier definition selects is
    approved at once."""

    _name = "quality.tier.approval.mixin"
    _inherit = ["tier.validation"]
    _description = "Quality Tier Approval"

    _state_from = ["draft", "to_approve"]
    _state_to = ["approved"]
    _tier_validation_manual_config = True

    def _request_approval(self):
        # need_validation is computed without dependencies: never trust a
        # cached value
        self.invalidate_recordset(["need_validation"])
        to_review = self.filtered("need_validation")
        if to_review:
            to_review.request_validation()
            to_review.invalidate_recordset(["need_validation"])
            # tier.validation refuses writes under review: this one is the review
            to_review.with_context(skip_validation_check=True).write(
                {self._state_field: "to_approve"}
            )
        (self - to_review).write({self._state_field: "approved"})
        return to_review

    def _validate_tier(self, tiers=False):
        res = super()._validate_tier(tiers)
        self._sync_state_from_reviews()
        return res

    def _rejected_tier(self, tiers=False):
        res = super()._rejected_tier(tiers)
        self._sync_state_from_reviews()
        return res

    def _sync_state_from_reviews(self):
        self.invalidate_recordset(["need_validation"])
        to_approve = self.filtered(lambda r: r[self._state_field] == "to_approve")
        to_approve.filtered(lambda r: r.validation_status == "validated").write(
            {self._state_field: "approved"}
        )
        to_approve.filtered(lambda r: r.validation_status == "rejected").with_context(
            skip_validation_check=True
        ).write({self._state_field: "rejected"})
