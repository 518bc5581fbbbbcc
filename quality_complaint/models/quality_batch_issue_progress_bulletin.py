import logging
import threading
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_date, split_every

_logger = logging.getLogger(__name__)

# Open confirmed batch problems: they get a progress bulletin every week.
PROGRESS_STATES = ("confirmed", "contained", "solved")
# Issues rendered and committed together.
BATCH_SIZE = 50


class QualityBatchIssueProgressBulletin(models.Model):
    """One progress bulletin (售后批量质量问题进度通报) sent per batch problem
    and week: the log that makes the weekly run idempotent."""

    _name = "quality.batch.issue.progress.bulletin"
    _description = "Batch Problem Progress Bulletin"
    _order = "week_start desc, id desc"

    issue_id = fields.Many2one(
        comodel_name="quality.batch.issue",
        string="Batch Problem",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    week_start = fields.Date(string="Week Of", required=True)
    recipient_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="quality_batch_issue_progress_bulletin_partner_rel",
        column1="bulletin_id",
        column2="partner_id",
        string="Recipients",
    )
    mail_ids = fields.Many2many(
        comodel_name="mail.mail",
        relation="quality_batch_issue_progress_bulletin_mail_rel",
        column1="bulletin_id",
        column2="mail_id",
        string="E-mails",
    )

    _sql_constraints = [
        (
            "issue_week_uniq",
            "UNIQUE(issue_id, week_start)",
            "A progress bulletin is sent once per batch problem and week.",
        )
    ]

    # ------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------

    @api.model
    def _cron_send_weekly(self):
        today = fields.Date.context_today(self)
        self._send_progress_bulletins(today - timedelta(days=today.weekday()))

    @api.model
    def _send_progress_bulletins(self, week_start, batch_size=BATCH_SIZE):
        """Send the week's progress bulletin of every open confirmed batch
        problem that has not had it, company by company, batch by batch; each
        batch is committed on its own. An issue that fails is logged and left
        for the next run.

        :param week_start: the Monday of the week
        :return: the bulletins sent
        """
        done = self.sudo().search([("week_start", "=", week_start)]).issue_id
        issues = (
            self.env["quality.batch.issue"]
            .sudo()
            .search(
                [("state", "in", PROGRESS_STATES), ("id", "not in", done.ids)],
                order="company_id, id",
            )
        )
        batches = [
            issues.browse(ids)
            for company_issues in issues.grouped("company_id").values()
            for ids in split_every(batch_size, company_issues.ids)
        ]
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        sent = self.browse()
        for index, batch in enumerate(batches):
            sent |= self._send_progress_batch(batch, week_start)
            self.env["ir.cron"]._notify_progress(
                done=index + 1, remaining=len(batches) - index - 1
            )
            if auto_commit:
                # a batch's bulletins and their log are kept even if a later
                # batch fails
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return sent

    @api.model
    def _send_progress_batch(self, issues, week_start):
        """The bulletins of one company's issues, written together; when
        writing them fails, each issue is tried alone so that one cannot
        hold back the others."""
        try:
            with self.env.cr.savepoint():
                return self._create_progress_bulletins(issues, week_start)
        except Exception:
            if len(issues) == 1:
                _logger.exception(
                    "Progress bulletin of %s (week of %s) failed",
                    issues.name,
                    week_start,
                )
                return self.browse()
        sent = self.browse()
        for issue in issues:
            sent |= self._send_progress_batch(issue, week_start)
        return sent

    @api.model
    def _create_progress_bulletins(self, issues, week_start):
        values = issues._get_progress_bulletin_values()
        followers = (
            self.env["mail.followers"]
            .sudo()
            .search_fetch(
                [
                    ("res_model", "=", issues._name),
                    ("res_id", "in", issues.ids),
                    ("partner_id.email", "!=", False),
                ],
                ["res_id", "partner_id"],
            )
        )
        recipients_by_issue = defaultdict(lambda: self.env["res.partner"])
        for follower in followers:
            recipients_by_issue[follower.res_id] |= follower.partner_id
        bulletin_vals, mail_vals, mail_bulletin = [], [], []
        for issue in issues:
            recipients = recipients_by_issue[issue.id]
            try:
                mails = self._prepare_progress_mails(
                    issue, values[issue.id], recipients, week_start
                )
            except Exception:
                _logger.exception(
                    "Progress bulletin of %s (week of %s) failed",
                    issue.name,
                    week_start,
                )
                continue
            mail_bulletin += [len(bulletin_vals)] * len(mails)
            mail_vals += mails
            bulletin_vals.append(
                {
                    "issue_id": issue.id,
                    "company_id": issue.company_id.id,
                    "week_start": week_start,
                    "recipient_ids": [fields.Command.set(recipients.ids)],
                }
            )
        mails = self.env["mail.mail"].sudo().create(mail_vals)
        mail_ids = defaultdict(list)
        for mail, position in zip(mails, mail_bulletin, strict=True):
            mail_ids[position].append(mail.id)
        for position, vals in enumerate(bulletin_vals):
            vals["mail_ids"] = [fields.Command.set(mail_ids[position])]
        bulletins = self.sudo().create(bulletin_vals)
        self.env.flush_all()
        return bulletins

    @api.model
    def _prepare_progress_mails(self, issue, values, recipients, week_start):
        """The e-mails of one issue's bulletin, one per recipient language.

        :return: list of mail.mail values
        """
        company = issue.company_id
        vals_list = []
        for lang, partners in recipients.grouped(
            lambda partner: partner.lang or company._get_quality_note_lang()
        ).items():
            env = self.sudo().with_context(lang=lang).env
            localized = {
                key: value.with_env(env)
                if isinstance(value, models.BaseModel)
                else value
                for key, value in values.items()
            }
            vals_list.append(
                {
                    "subject": env._(
                        "Progress bulletin, week of %(week)s: batch problem "
                        "%(issue)s, %(product)s",
                        week=format_date(env, week_start),
                        issue=issue.name,
                        product=localized["issue"].product_id.display_name or "-",
                    ),
                    "body_html": env["ir.qweb"]._render(
                        "quality_complaint.quality_batch_issue_progress_mail",
                        dict(localized, week_start=week_start),
                    ),
                    "email_from": company.email_formatted
                    or self.env.user.email_formatted,
                    "recipient_ids": [fields.Command.set(partners.ids)],
                    "auto_delete": False,
                }
            )
        return vals_list
