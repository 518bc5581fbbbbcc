# OCA tier validation for the addon's approvals (remedies, supplier claims):
# the reviews decide the state, which no plain write can move.
from odoo import models


class QualityTierApprovalMixin(models.AbstractModel):
    """OCA tier validation for a state field going draft → to_approve →
    approved or rejected. The state follows the reviews as they stand:
    `to_approve` while one is pending, `approved` when all are approved (or
    none is needed), `rejected` when one is rejected. The state and the
    reviews are guarded (quality.guarded.state.mixin, tier.review): only the
    methods below and the models' workflow buttons move them."""

    _name = "quality.tier.approval.mixin"
    _inherit = ["quality.guarded.state.mixin", "tier.validation"]
    _description = "Quality Tier Approval"

    _state_from = ["draft", "to_approve"]
    _state_to = ["approved"]
    _tier_validation_manual_config = True
    # the state a refused review leaves the record in; a model without a
    # rejected state takes "draft" (its reviews stay, for the record)
    _tier_rejected_state = "rejected"
    # tier.review refuses direct writes of the reviews of these models
    _quality_guarded_reviews = True

    def _request_approval(self):
        """Ask for the reviews the tier definitions call for; a record none
        selects is approved at once.

        :return: the records now waiting for reviews
        """
        with self._workflow_writes():
            # need_validation is computed without dependencies: never trust a
            # cached value
            self.invalidate_recordset(["need_validation"])
            to_review = self.filtered("need_validation")
            if to_review:
                to_review.request_validation()
            (self - to_review).write({self._state_field: "approved"})
        return to_review

    def _reset_approval(self):
        """Back to draft, the reviews removed (tier validation removes them
        when the state returns to a `_state_from` value from outside it)."""
        if not self:
            return
        with self._workflow_writes():
            self.filtered(
                lambda r: r[self._state_field] == "to_approve"
            ).restart_validation()
            self.with_context(skip_validation_check=True).write(
                {self._state_field: "draft"}
            )

    # Every way tier validation changes the reviews ends in the state they call
    # for: the buttons of tier validation are called by the reviewers, and
    # request_validation() may be called alone (JSON-RPC, other modules).

    def request_validation(self):
        with self._workflow_writes():
            reviews = super().request_validation()
            self._sync_state_from_reviews()
        return reviews

    def restart_validation(self):
        with self._workflow_writes():
            return super().restart_validation()

    def _validate_tier(self, tiers=False):
        with self._workflow_writes():
            res = super()._validate_tier(tiers)
            self._sync_state_from_reviews()
        return res

    def _rejected_tier(self, tiers=False):
        with self._workflow_writes():
            res = super()._rejected_tier(tiers)
            self._sync_state_from_reviews()
        return res

    def _sync_state_from_reviews(self):
        """Draft or waiting records with reviews take the state the reviews
        call for."""
        self.invalidate_recordset(["need_validation", "validation_status"])
        reviewed = self.filtered(
            lambda r: r.review_ids and r[self._state_field] in self._state_from
        )
        by_state = {"to_approve": self.browse(), "approved": self.browse()}
        by_state[self._tier_rejected_state] = self.browse()
        for record in reviewed:
            status = record.validation_status
            if status == "validated":
                by_state["approved"] |= record
            elif status == "rejected":
                by_state[self._tier_rejected_state] |= record
            else:
                by_state["to_approve"] |= record
        with self._workflow_writes():
            for state, records in by_state.items():
                records.filtered(
                    lambda r, s=state: r[self._state_field] != s
                ).with_context(skip_validation_check=True).write(
                    {self._state_field: state}
                )
