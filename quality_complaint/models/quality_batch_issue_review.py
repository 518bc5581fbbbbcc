# Field reports of batch problems (service stations, engineers) and the review
# chain that confirms them: reported -> verified -> analysed -> confirmed, or rejected.
import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .quality_batch_issue import STATE_PATHS

# The states of a reported problem under review.
REVIEW_STATES = ("reported", "verified", "analysed")
# The state each review step comes from, per origin.
REVIEW_STEPS = {
    "verified": {"reported": "reported"},
    "analysed": {"reported": "verified"},
    "confirmed": {"reported": "analysed", "detected": "detected"},
}
# More units than any installed base: a typing error, not a report.
MAX_UNITS_REPORTED = 1_000_000


class QualityBatchIssue(models.Model):
    """A batch problem is detected by a rule or reported (§4.1-4.5 of the
    procedure): an authorized service station (portal) or an engineer reports
    it, regional technical support verifies it with the station, product
    technical support analyses it and proposes a technical solution, quality
    confirms it. Engineers verify and analyse, quality managers confirm; any
    reviewer rejects it with a reason the reporter is told."""

    _inherit = "quality.batch.issue"

    origin = fields.Selection(
        selection=[("detected", "Detected by a Rule"), ("reported", "Reported")],
        required=True,
        default="detected",
        readonly=True,
        index=True,
    )
    state = fields.Selection(default=lambda self: self._default_state())
    reported_by_id = fields.Many2one(
        comodel_name="res.partner",
        string="Reported By",
        index="btree_not_null",
        tracking=True,
        help="The service station or the engineer who reported the problem.",
    )
    report_date = fields.Datetime(string="Reported On", copy=False)
    units_reported = fields.Float(
        digits="Product Unit of Measure", help="Units failing, as reported."
    )
    site_description = fields.Text(
        string="Sites", help="Where the failing units are: customers, installations."
    )
    description = fields.Text(
        string="Report", help="What happens, as the reporter describes it."
    )
    customer_accepted = fields.Boolean(
        string="Units Accepted by the Customer",
        tracking=True,
        help="The units passed the customer's acceptance (已验收): the technical "
        "response and conclusion are due, instead of the technical solution.",
    )
    reported_lot_ids = fields.Many2many(
        comodel_name="stock.lot",
        relation="quality_batch_issue_reported_lot_rel",
        column1="issue_id",
        column2="lot_id",
        string="Reported Lots",
        domain="[('product_id', '=', product_id)]",
    )
    evidence_ids = fields.Many2many(
        comodel_name="ir.attachment",
        relation="quality_batch_issue_evidence_rel",
        column1="issue_id",
        column2="attachment_id",
        string="Evidence",
        help="Photos, videos and documents of the failing units.",
    )
    # The reviews, internal
    verification_note = fields.Text(
        groups="base.group_user",
        help="What regional technical support checked with the station, on site "
        "if needed.",
    )
    preliminary_analysis = fields.Text(
        groups="base.group_user",
        help="Product technical support: why this is a batch problem, first cause.",
    )
    technical_solution = fields.Text(
        string="Proposed Technical Solution", groups="base.group_user"
    )
    rejection_reason = fields.Text(
        copy=False, help="Why the report was not confirmed; the reporter is told."
    )

    def _default_state(self):
        origin = self.env.context.get("default_origin")
        return "reported" if origin == "reported" else "detected"

    @api.model
    def _get_guarded_states(self):
        # a field report is created reported (portal, engineers); the origin
        # never changes
        guarded = super()._get_guarded_states()
        guarded["state"] = ["detected", "reported"]
        guarded["origin"] = ["detected", "reported"]
        return guarded

    @api.constrains("origin", "state", "rule_id", "product_id", "reported_by_id")
    def _check_origin(self):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for issue in self.sudo():
            if (
                issue.state != "dismissed"
                and issue.state not in STATE_PATHS[issue.origin]
            ):
                raise ValidationError(
                    self.env._(
                        "%(issue)s: a batch problem %(origin)s cannot be %(state)s.",
                        issue=issue.name,
                        origin=dict(
                            self._fields["origin"]._description_selection(self.env)
                        )[issue.origin],
                        state=labels[issue.state],
                    )
                )
            if issue.origin == "detected" and not issue.rule_id:
                raise ValidationError(
                    self.env._(
                        "%(issue)s: a detected batch problem needs the rule that "
                        "detected it.",
                        issue=issue.name,
                    )
                )
            if issue.origin == "reported" and not (
                issue.product_id and issue.reported_by_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(issue)s: a reported batch problem needs the product and "
                        "who reported it.",
                        issue=issue.name,
                    )
                )

    @api.constrains("units_reported", "origin")
    def _check_units_reported(self):
        for issue in self:
            units = issue.units_reported
            if not math.isfinite(units) or (
                issue.origin == "reported" and not 0 < units <= MAX_UNITS_REPORTED
            ):
                raise ValidationError(
                    self.env._(
                        "%(issue)s: the units reported must be more than zero and "
                        "at most %(max)s (got %(units)s).",
                        issue=issue.name,
                        max=MAX_UNITS_REPORTED,
                        units=units,
                    )
                )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_verify(self):
        """Regional technical support checked the report with the station."""
        self._check_reviewer(
            "quality_complaint.group_quality_engineer",
            self.env._("Only quality engineers can verify a reported batch problem."),
        )
        self._check_review_step("verified")
        for issue, missing in self._get_missing_review_fields(["verification_note"]):
            raise UserError(
                self.env._(
                    "Give the %(missing)s before verifying %(issue)s: what was "
                    "checked with the station.",
                    missing=missing,
                    issue=issue.name,
                )
            )
        self._set_state(("reported",), "verified")

    def action_analyse(self):
        """Product technical support confirms a batch problem, with a first
        analysis and the technical solution it proposes."""
        self._check_reviewer(
            "quality_complaint.group_quality_engineer",
            self.env._("Only quality engineers can analyse a reported batch problem."),
        )
        self._check_review_step("analysed")
        for issue, missing in self._get_missing_review_fields(
            ["preliminary_analysis", "technical_solution"]
        ):
            raise UserError(
                self.env._(
                    "Give the %(missing)s before analysing %(issue)s.",
                    missing=missing,
                    issue=issue.name,
                )
            )
        self._set_state(("verified",), "analysed")

    def action_reject(self):
        """A reviewer refuses the report: it is dismissed and the reporter is
        told why (e-mail and the portal)."""
        self._check_reviewer(
            "quality_complaint.group_quality_engineer",
            self.env._(
                "Only quality engineers and managers can reject a reported batch "
                "problem."
            ),
        )
        wrong = self.filtered(lambda issue: issue.state not in REVIEW_STATES)
        if wrong:
            raise UserError(
                self.env._(
                    "%(issues)s cannot be rejected: only a reported problem still "
                    "in review (reported, verified or analysed) can be; dismiss a "
                    "detected or confirmed one instead.",
                    issues=", ".join(wrong.mapped("name")),
                )
            )
        for issue, missing in self._get_missing_review_fields(["rejection_reason"]):
            raise UserError(
                self.env._(
                    "Give the %(missing)s before rejecting %(issue)s: the reporter "
                    "is told why.",
                    missing=missing,
                    issue=issue.name,
                )
            )
        self._set_state(REVIEW_STATES, "dismissed")
        self.write({"dismissed_date": fields.Datetime.now()})
        self._notify_rejection()

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    @api.model
    def _report_prepare_vals(self, vals):
        """Hook of create: a field report is reported, now, by the current user
        unless the values say otherwise."""
        if (vals.get("origin") or self.env.context.get("default_origin")) != "reported":
            return
        if vals.get("state", "detected") == "detected":
            vals["state"] = "reported"
        vals.setdefault("report_date", fields.Datetime.now())
        if not vals.get("reported_by_id"):
            vals["reported_by_id"] = self.env.user.partner_id.id

    def _report_on_create(self):
        """Hook of create: the reporter follows the report (answers and the
        rejection reach it), the chatter says who reported what."""
        for issue in self.filtered(lambda issue: issue.origin == "reported"):
            issue.message_subscribe(partner_ids=issue.reported_by_id.ids)
            issue.message_post(
                body=self.env._(
                    "Batch problem reported by %(reporter)s: %(units)s unit(s) of "
                    "%(product)s, to be verified.",
                    reporter=issue.reported_by_id.display_name,
                    units=issue.units_reported,
                    product=issue.product_id.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _get_lots(self):
        return super()._get_lots() | self.reported_lot_ids

    def _check_reviewer(self, group, message):
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(message)

    def _check_review_step(self, target):
        """Refuse the step unless each problem is in the step before."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        for issue in self:
            expected = REVIEW_STEPS[target].get(issue.origin)
            if issue.state == expected:
                continue
            if expected is None:
                raise UserError(
                    self.env._(
                        "%(issue)s cannot be %(target)s: only a reported batch "
                        "problem is reviewed.",
                        issue=issue.name,
                        target=labels[target],
                    )
                )
            raise UserError(
                self.env._(
                    "%(issue)s cannot be %(target)s: it is %(state)s, and only a "
                    "problem %(expected)s can be.",
                    issue=issue.name,
                    target=labels[target],
                    state=labels[issue.state],
                    expected=labels[expected],
                )
            )

    def _get_missing_review_fields(self, fnames):
        """The problems with one of `fnames` empty, with the labels of the empty
        ones (lower case, to name them in a sentence).

        :return: [(issue, "label, label")]
        """
        result = []
        for issue in self:
            missing = [
                self._fields[fname]._description_string(self.env).lower()
                for fname in fnames
                if not (issue[fname] or "").strip()
            ]
            if missing:
                result.append((issue, ", ".join(missing)))
        return result

    def _notify_rejection(self):
        """Tell each reporter why its report was rejected, in its language: a
        message on the problem addressed to it (e-mail, and the portal)."""
        for issue in self.filtered("reported_by_id"):
            partner = issue.reported_by_id
            issue_in_lang = issue.with_context(lang=partner.lang or self.env.lang)
            issue.message_post(
                body=issue_in_lang.env._(
                    "Your batch problem report %(issue)s was not confirmed. Reason: "
                    "%(reason)s",
                    issue=issue.name,
                    reason=issue.rejection_reason.strip(),
                ),
                partner_ids=partner.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
