# The bulletins of a confirmed batch problem (§5.4, §7 of the procedure): the
# quality alert bulletin, sent once on confirmation, and the progress figures.
import logging

from odoo import api, fields, models
from odoo.tools import SQL, is_html_empty

_logger = logging.getLogger(__name__)


class QualityBatchIssue(models.Model):
    """On confirmation, the company's alert list gets one quality alert
    bulletin (质量预警通报) per batch problem, never a second one: reopening
    and confirming again, or two confirmations at once, send nothing more.
    The weekly progress bulletin (进度通报, quality.batch.issue.progress.bulletin)
    reads its figures from `_get_progress_bulletin_values`."""

    _inherit = "quality.batch.issue"

    alert_sent_date = fields.Datetime(
        string="Alert Bulletin Sent On",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="When the quality alert bulletin went to the company's alert list; "
        "it is sent once.",
    )
    progress_bulletin_ids = fields.One2many(
        comodel_name="quality.batch.issue.progress.bulletin",
        inverse_name="issue_id",
        string="Progress Bulletins",
        groups="quality_complaint.group_quality_manager",
    )

    @api.model
    def _get_guarded_states(self):
        # set once, by the bulletin itself: a write could send it again
        return dict(super()._get_guarded_states(), alert_sent_date=[False])

    # ------------------------------------------------------------
    # Business: workflow
    # ------------------------------------------------------------

    def _set_state(self, allowed, state):
        res = super()._set_state(allowed, state)
        if state == "confirmed":
            self._send_alert_bulletin()
        return res

    # ------------------------------------------------------------
    # Business: quality alert bulletin
    # ------------------------------------------------------------

    def _send_alert_bulletin(self):
        """E-mail the quality alert bulletin of the issues not alerted yet to
        their company's alert list, one e-mail per recipient language, and
        note it on the issue. Without an alert list nothing is sent and the
        issue says so; it stays to alert at its next confirmation.

        :return: the issues alerted now
        """
        alerted = self.browse()
        for company, issues in (
            self.filtered(lambda issue: not issue.alert_sent_date)
            .grouped("company_id")
            .items()
        ):
            recipients = company.quality_alert_partner_ids.filtered("email")
            if not recipients:
                issues._message_log_batch(
                    bodies=dict.fromkeys(
                        issues.ids,
                        self.env._(
                            "No quality alert bulletin sent: the company has no "
                            "alert list with e-mail addresses (Settings)."
                        ),
                    )
                )
                continue
            for issue in issues._claim_alert():
                issue._send_alert_mails(recipients)
                alerted |= issue
        return alerted

    def _claim_alert(self):
        """Mark the issues alerted in one conditional UPDATE: of two
        transactions confirming an issue at once, only the one that sets the
        date sends the bulletin.

        :return: the issues whose alert this transaction claimed
        """
        if not self:
            return self
        rows = self.env.execute_query(
            SQL(
                "UPDATE %s SET alert_sent_date = %s"
                " WHERE id IN %s AND alert_sent_date IS NULL RETURNING id",
                SQL.identifier(self._table),
                fields.Datetime.now(),
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["alert_sent_date"])
        return self.browse([row[0] for row in rows])

    def _send_alert_mails(self, recipients):
        """One e-mail per language of the recipients, and a note."""
        self.ensure_one()
        company = self.company_id
        vals_list = []
        for lang, partners in recipients.grouped(
            lambda partner: partner.lang or company._get_quality_note_lang()
        ).items():
            issue = self.sudo().with_context(lang=lang)
            env = issue.env
            vals_list.append(
                {
                    "subject": env._(
                        "Quality alert: batch problem %(issue)s, %(product)s",
                        issue=issue.name,
                        product=issue.product_id.display_name or "-",
                    ),
                    "body_html": env["ir.qweb"]._render(
                        "quality_complaint.quality_batch_issue_alert_mail",
                        issue._get_alert_bulletin_values(),
                    ),
                    "email_from": company.email_formatted
                    or self.env.user.email_formatted,
                    "recipient_ids": [fields.Command.set(partners.ids)],
                    "auto_delete": False,
                }
            )
        mails = self.env["mail.mail"].sudo().create(vals_list)
        self.message_post(
            body=self.env._(
                "Quality alert bulletin sent to %(recipients)s.",
                recipients=", ".join(recipients.mapped("display_name")),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return mails

    def _get_alert_bulletin_values(self):
        """What the alert bulletin says: the problem, its figures, and what
        contains it."""
        self.ensure_one()
        return {
            "issue": self,
            "company": self.company_id,
            "lots": self._get_lots() | self.reported_lot_ids,
            "units": self.affected_qty or self.units_reported,
            "containment_actions": self.action_ids.filtered(
                lambda action: action.action_type == "containment"
                and action.state != "cancelled"
            ),
            "url": f"{self.get_base_url()}/odoo/quality.batch.issue/{self.id}",
            "is_html_empty": is_html_empty,
        }

    # ------------------------------------------------------------
    # Business: progress bulletin
    # ------------------------------------------------------------

    def _get_progress_bulletin_values(self):
        """The figures of the progress bulletin of each issue, read for all
        the issues at once (a fixed number of queries, whatever their number).

        The template shows a section per key; `replacement_plans` (the
        issue's replacement plans, filled in quality_batch_issue_replacement.py)
        is left out when empty.

        :return: {issue id: values of quality_batch_issue_progress_mail}
        """
        issues = self.sudo()
        actions = (
            self.env["quality.action"]
            .sudo()
            .search_fetch(
                [("batch_issue_id", "in", issues.ids), ("state", "!=", "cancelled")],
                ["batch_issue_id", "name", "action_type", "user_id", "date_deadline"]
                + ["state"],
            )
        )
        claims = (
            self.env["quality.supplier.claim"]
            .sudo()
            .search_fetch(
                [("batch_issue_id", "in", issues.ids), ("state", "!=", "cancelled")],
                ["batch_issue_id", "name", "partner_id", "state", "currency_id"]
                + ["amount_claimed", "amount_agreed", "amount_recovered"],
            )
        )
        lots_by_issue = {
            issue: issue._get_lots() | issue.reported_lot_ids for issue in issues
        }
        # the names of all the lots in one query, not one per issue
        self.env["stock.lot"].union(*lots_by_issue.values(), issues.held_lot_ids).fetch(
            ["name"]
        )
        actions_by_issue = actions.grouped("batch_issue_id")
        claims_by_issue = claims.grouped("batch_issue_id")
        no_action, no_claim = actions.browse(), claims.browse()
        return {
            issue.id: {
                "issue": issue,
                "company": issue.company_id,
                "lots": lots_by_issue[issue],
                "actions": actions_by_issue.get(issue, no_action),
                "claims": claims_by_issue.get(issue, no_claim),
                "replacement_plans": [],
                "url": f"{issue.get_base_url()}/odoo/quality.batch.issue/{issue.id}",
                "is_html_empty": is_html_empty,
            }
            for issue in issues
        }
