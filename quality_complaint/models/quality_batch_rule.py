import logging
import threading

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

BATCH_SCOPES = [
    ("lot", "Production Lot"),
    ("product", "Product"),
    ("product_defect", "Product and Failure"),
    ("customer_product_defect", "Customer, Product and Failure"),
]
# Columns of the group key of each scope, in quality_complaint_line.
SCOPE_KEYS = {
    "lot": ("product_id", "lot_id"),
    "product": ("product_id",),
    "product_defect": ("product_id", "defect_type_id"),
    "customer_product_defect": ("partner_id", "product_id", "defect_type_id"),
}


class QualityBatchRule(models.Model):
    _name = "quality.batch.rule"
    _description = "Batch Quality Problem Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    scope = fields.Selection(
        selection=BATCH_SCOPES,
        required=True,
        default="lot",
        help="What complaints are grouped by: a lot, a product, a product and "
        "failure mode, or a customer, product and failure mode.",
    )
    window_days = fields.Integer(
        string="Window (days)",
        default=90,
        required=True,
        help="Complaints of the last days counted.",
    )
    threshold_type = fields.Selection(
        selection=[("units", "Units"), ("ratio", "Ratio of Installed Base (%)")],
        required=True,
        default="units",
    )
    comparison = fields.Selection(
        selection=[(">=", "at least"), (">", "more than")],
        required=True,
        default=">=",
    )
    threshold = fields.Float(required=True)
    min_installed_base = fields.Float(
        help="The rule applies when the installed base is at least this."
    )
    max_installed_base = fields.Float(
        help="The rule applies when the installed base is below this; 0: no limit."
    )
    installed_base_months = fields.Integer(
        string="Installed Base (months)",
        default=36,
        required=True,
        help="Units delivered to customers (net of returns) in these last months "
        "make the installed base.",
    )
    product_ids = fields.Many2many(
        comodel_name="product.product",
        string="Products",
        help="Only these products; empty: all.",
    )
    categ_ids = fields.Many2many(
        comodel_name="product.category",
        string="Product Categories",
        help="Only products of these categories (and their children); empty: all.",
    )
    auto_hold_lots = fields.Boolean(
        string="Hold Lots",
        help="Block the lots of a new batch problem (stock_lock_lot) at once.",
    )
    notify_user_ids = fields.Many2many(
        comodel_name="res.users",
        string="Notify",
        domain="[('share', '=', False)]",
        help="Who gets an activity and a message when a batch problem is detected.",
    )
    issue_ids = fields.One2many(
        comodel_name="quality.batch.issue", inverse_name="rule_id", string="Issues"
    )
    issue_count = fields.Integer(compute="_compute_issue_count")

    def _compute_issue_count(self):
        counts = dict(
            self.env["quality.batch.issue"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.issue_count = counts.get(rule, 0)

    @api.constrains(
        "threshold",
        "threshold_type",
        "window_days",
        "installed_base_months",
        "min_installed_base",
        "max_installed_base",
    )
    def _check_figures(self):
        for rule in self:
            problems = []
            if rule.threshold <= 0:
                problems.append(self.env._("the threshold must be greater than zero"))
            if rule.threshold_type == "ratio" and rule.threshold > 100:
                problems.append(self.env._("a ratio cannot exceed 100 %"))
            if rule.window_days <= 0:
                problems.append(self.env._("the window must be at least one day"))
            if rule.installed_base_months <= 0:
                problems.append(
                    self.env._("the installed base must cover at least one month")
                )
            if rule.min_installed_base < 0 or rule.max_installed_base < 0:
                problems.append(self.env._("installed base limits cannot be negative"))
            if rule.max_installed_base and (
                rule.max_installed_base <= rule.min_installed_base
            ):
                problems.append(
                    self.env._("the maximum installed base must be above the minimum")
                )
            if problems:
                raise ValidationError(
                    self.env._(
                        "Batch rule %(rule)s: %(problems)s.",
                        rule=rule.name,
                        problems="; ".join(problems),
                    )
                )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_detect_now(self):
        self.ensure_one()
        result = self._detect()
        action = self.action_view_issues()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Batch detection: %(rule)s", rule=self.name),
                "message": self.env._(
                    "%(groups)s group(s) over the threshold: %(created)s new batch "
                    "problem(s), %(updated)s updated.",
                    groups=result["groups"],
                    created=len(result["created"]),
                    updated=len(result["updated"]),
                ),
                "type": "warning" if result["created"] else "info",
                "sticky": False,
                "next": action,
            },
        }

    def action_view_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quality_complaint.quality_batch_issue_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    @api.model
    def _cron_detect(self):
        """Run every active rule; each rule is committed on its own, and a rule
        that fails is logged and skipped."""
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        rules = self.search([])
        for done, rule in enumerate(rules, start=1):
            try:
                with self.env.cr.savepoint():
                    rule._detect()
            except Exception:
                _logger.exception("Batch detection: rule %s failed, skipped", rule.id)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(rules) - done)
            if auto_commit:
                # One rule's issues are kept even if a later rule fails.
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _detect(self):
        """Find the groups over the threshold and raise or update their issues.

        :return: {"groups": int, "created": issues, "updated": issues}
        """
        self.ensure_one()
        groups = self.env["quality.batch.issue"]._query_rule_groups(self)
        return self.env["quality.batch.issue"]._sync_rule_groups(self, groups)
