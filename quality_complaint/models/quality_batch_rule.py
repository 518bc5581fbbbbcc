import logging
import threading
from collections import Counter
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from .quality_complaint_line import QUANTITY_MAX

_logger = logging.getLogger(__name__)
# What a detection run that loses a race with another one meets.
CONCURRENT_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.UniqueViolation,
    psycopg2.errors.LockNotAvailable,
)

BATCH_SCOPES = [
    ("lot", "Production Lot"),
    ("product", "Product"),
    ("product_defect", "Product and Failure"),
    ("customer_product_defect", "Customer, Product and Failure"),
    ("component_defect", "Component and Failure"),
    ("region_product_defect", "Region, Product and Failure"),
    ("region_component_defect", "Region, Component and Failure"),
]
# Ten years: the longest a window or an installed-base period can cover.
MAX_DAYS = 3650
MAX_MONTHS = 120
INSTALLED_BASE_MAX = 1_000_000_000
# An incremental detection reads again the changes of the last hour before
# the previous run's start: they may have been committed after it read.
DETECTION_OVERLAP = timedelta(hours=1)


class QualityBatchRule(models.Model):
    _name = "quality.batch.rule"
    _inherit = ["quality.number.mixin"]
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
        "failure mode, a customer, product and failure mode, a failed component "
        "and failure mode, or a region (the customer's state, or its country "
        "when it has no state) with a product or component and failure mode.",
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
    threshold = fields.Float(required=True, number_max=QUANTITY_MAX)
    min_installed_base = fields.Float(
        number_max=INSTALLED_BASE_MAX,
        help="The rule applies when the installed base is at least this.",
    )
    max_installed_base = fields.Float(
        number_max=INSTALLED_BASE_MAX,
        help="The rule applies when the installed base is below this; 0: no limit.",
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
    warranty_only = fields.Boolean(
        string="Within Warranty Only",
        default=True,
        help="Complaint lines out of warranty do not count "
        "(产品在标准的售后服务期限内); lines whose warranty is unknown do.",
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
            if not 0 < rule.window_days <= MAX_DAYS:
                problems.append(
                    self.env._(
                        "the window is at least one day and at most ten years "
                        "(%(days)s days)",
                        days=MAX_DAYS,
                    )
                )
            if not 0 < rule.installed_base_months <= MAX_MONTHS:
                problems.append(
                    self.env._(
                        "the installed base covers at least one month and at most "
                        "ten years (%(months)s months)",
                        months=MAX_MONTHS,
                    )
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

    def write(self, vals):
        result = super().write(vals)
        if {"scope", "installed_base_months"} & vals.keys():
            # the installed base a full run kept was counted by the old scope
            # or over the old period
            self.env["quality.batch.installed.base"].sudo().search(
                [("rule_id", "in", self.ids)]
            ).unlink()
        return result

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    @api.model
    def _cron_detect(self, full=False):
        """Run every active rule, company by company, each rule committed on
        its own; a rule that fails is logged and skipped.

        The hourly run is incremental: it looks only at the groups that lines
        created or changed since the company's last complete run can have
        pushed over a threshold, and at the open issues. What else raises a
        ratio (returns, deliveries leaving the installed-base period) waits
        for the weekly full run (`full`), as does the button of a rule. The
        full run keeps the installed base of a ratio rule's groups, and the
        hourly run counts it again only for the touched groups that can pass
        at that base less what left it since (see `_touched_over_lower_bound`). A
        company's mark moves only when all its rules ran: a crashed or failed
        run is redone by the next one, nothing is missed.
        """
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        # the run's start, before any line is read (the mark it leaves)
        started = self.env.cr.now()
        rules = self.search([])
        done = 0
        for company, company_rules in rules.grouped("company_id").items():
            since = None
            if not full and company.sudo().quality_detection_since:
                # lines committed by transactions still open when the last run
                # read are dated before its start: read again their margin
                since = company.sudo().quality_detection_since - DETECTION_OVERLAP
            complete = True
            # a full run reads the candidate groups once for the rules that
            # share them (see _candidates_signature)
            signatures = Counter(rule._candidates_signature() for rule in company_rules)
            shared = {
                signature: None
                for signature, count in signatures.items()
                if count > 1 and not since
            }
            for rule in company_rules:
                try:
                    with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                        rule._detect(since=since, shared=shared)
                except CONCURRENT_ERRORS:
                    # another run changed the same issues meanwhile: it did the
                    # work
                    _logger.info(
                        "Batch detection: rule %s skipped, another detection run "
                        "is updating its issues (the next run completes it)",
                        rule.id,
                    )
                    complete = False
                except Exception:
                    _logger.exception(
                        "Batch detection: rule %s failed, skipped", rule.id
                    )
                    complete = False
                done += 1
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=len(rules) - done
                )
                if auto_commit:
                    # One rule's issues are kept even if a later rule fails.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            if complete:
                company.sudo().quality_detection_since = started
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit

    def _detect(self, since=None, shared=None):
        """Find the groups over the threshold and raise or update their issues.

        :param since: only the groups touched since then (see _query_groups)
        :param shared: candidates shared with other rules (see _query_groups)
        :return: {"groups": int, "created": issues, "updated": issues}
        """
        self.ensure_one()
        # The planner's estimates of the rule's aggregate pass jit_above_cost
        # while it runs in tens of milliseconds: compiling it cost more than
        # it saved (50 to 60 ms of a 180 ms query, measured). For the rest of
        # this transaction only.
        self.env.cr.execute("SET LOCAL jit = off")
        # what detection writes (notes, activities) is in the company's
        # language, whoever runs it (the cron's user, a manager)
        rule = self.with_context(lang=self.company_id._get_quality_note_lang())
        return rule.env["quality.batch.issue"]._sync_rule_groups(
            rule, rule._query_groups(since=since, shared=shared)
        )
