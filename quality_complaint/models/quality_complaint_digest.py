import logging
import threading
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import format_date

_logger = logging.getLogger(__name__)

PERIODS = [("weekly", "Weekly"), ("monthly", "Monthly")]
# Lists of the digest are cut at this length (with the number left out).
LIST_LIMIT = 30


class QualityComplaintDigest(models.Model):
    """One sent digest per company, period type and period: the log that
    makes the digest crons idempotent."""

    _name = "quality.complaint.digest"
    _description = "Quality Digest"
    _order = "date_from desc, id desc"

    period = fields.Selection(selection=PERIODS, required=True)
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    recipient_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="quality_complaint_digest_partner_rel",
        column1="digest_id",
        column2="partner_id",
        string="Recipients",
    )
    mail_ids = fields.Many2many(
        comodel_name="mail.mail",
        relation="quality_complaint_digest_mail_rel",
        column1="digest_id",
        column2="mail_id",
        string="E-mails",
    )

    _sql_constraints = [
        (
            "period_uniq",
            "UNIQUE(period, date_from, company_id)",
            "A digest is sent once per company and period.",
        )
    ]

    # ------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------

    @api.model
    def _cron_send_weekly(self):
        today = fields.Date.context_today(self)
        # the last complete week, Monday to Sunday
        date_from = today - timedelta(days=today.weekday() + 7)
        self._send_digests("weekly", date_from, date_from + timedelta(days=6))

    @api.model
    def _cron_send_monthly(self):
        today = fields.Date.context_today(self)
        date_from = today.replace(day=1) - relativedelta(months=1)
        self._send_digests(
            "monthly", date_from, date_from + relativedelta(months=1, days=-1)
        )

    @api.model
    def _send_digests(self, period, date_from, date_to):
        """Send the period's digest of every company that has not had it;
        each company is committed on its own, a failing one is logged and
        retried at the next run."""
        done = self.search(
            [("period", "=", period), ("date_from", "=", date_from)]
        ).company_id
        companies = self.env["res.company"].search([("id", "not in", done.ids)])
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        sent = self.browse()
        for index, company in enumerate(companies):
            try:
                with self.env.cr.savepoint():
                    sent |= self._send_digest(period, date_from, date_to, company)
            except Exception:
                _logger.exception(
                    "Quality digest %s of %s failed for %s",
                    period,
                    date_from,
                    company.name,
                )
            self.env["ir.cron"]._notify_progress(
                done=index + 1, remaining=len(companies) - index - 1
            )
            if auto_commit:
                # one company's digest and its log are kept even if a later
                # company fails
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return sent

    @api.model
    def _send_digest(self, period, date_from, date_to, company):
        managers = self.env.ref("quality_complaint.group_quality_manager").users
        recipients = managers.filtered(
            lambda user: company in user.company_ids and user.partner_id.email
        ).partner_id
        digest = self.create(
            {
                "period": period,
                "date_from": date_from,
                "date_to": date_to,
                "company_id": company.id,
                "recipient_ids": [fields.Command.set(recipients.ids)],
            }
        )
        if not recipients:
            return digest
        values = self._digest_values(company, date_from, date_to)
        mails = self.env["mail.mail"]
        for lang, partners in recipients.grouped(
            lambda p: p.lang or company.partner_id.lang or "en_US"
        ).items():
            env = self.with_context(lang=lang).env
            body = env["ir.qweb"]._render(
                "quality_complaint.quality_complaint_digest_mail",
                dict(values, digest=digest.with_env(env), company=company),
            )
            subject = env._(
                "%(company)s quality digest: %(date_from)s - %(date_to)s",
                company=company.name,
                date_from=format_date(env, date_from),
                date_to=format_date(env, date_to),
            )
            mails |= (
                self.env["mail.mail"]
                .sudo()
                .create(
                    {
                        "subject": subject,
                        "body_html": body,
                        "email_from": company.email_formatted
                        or self.env.user.email_formatted,
                        "recipient_ids": [fields.Command.set(partners.ids)],
                        "auto_delete": False,
                    }
                )
            )
        digest.mail_ids = mails
        return digest

    # ------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------

    @api.model
    def _digest_values(self, company, date_from, date_to):
        """The period's figures and the lists that need attention, each in a
        fixed number of queries."""
        start = datetime.combine(date_from, time.min)
        stop = datetime.combine(date_to + timedelta(days=1), time.min)
        Ticket = self.env["helpdesk.ticket"].sudo().with_company(company)
        base = [("is_quality_complaint", "=", True), ("company_id", "=", company.id)]
        opened = Ticket._read_group(
            base + [("create_date", ">=", start), ("create_date", "<", stop)],
            ["severity"],
            ["__count", "affected_qty:sum"],
        )
        closed_count = Ticket.search_count(
            base
            + [
                ("quality_phase", "=", "done"),
                ("closed_date", ">=", start),
                ("closed_date", "<", stop),
            ]
        )
        sla = dict(
            self.env["quality.complaint.sla"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    # complaints' milestones, not batch problems'
                    ("ticket_id", "!=", False),
                    ("deadline", ">=", start),
                    ("deadline", "<", stop),
                    ("state", "in", ("met", "breached")),
                ],
                ["state"],
                ["__count"],
            )
        )
        sla_due = sla.get("met", 0) + sla.get("breached", 0)
        open_tickets = base + [("quality_phase", "not in", ("done", "rejected"))]
        issues = (
            self.env["quality.batch.issue"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "not in", ("closed", "dismissed")),
                ]
            )
        )
        overdue_actions = (
            self.env["quality.action"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "open"),
                    ("date_deadline", "<", date_to + timedelta(days=1)),
                ],
                order="date_deadline",
            )
        )
        claims = self._digest_claim_amounts(company, date_to)
        severities = {severity: (count, qty) for severity, count, qty in opened}
        return {
            "date_from": date_from,
            "date_to": date_to,
            "opened_count": sum(count for count, _qty in severities.values()),
            "opened_qty": sum(qty for _count, qty in severities.values()),
            "opened_by_severity": severities,
            "closed_count": closed_count,
            "sla_met": sla.get("met", 0),
            "sla_breached": sla.get("breached", 0),
            "sla_compliance": round(100.0 * sla.get("met", 0) / sla_due, 1)
            if sla_due
            else None,
            "breached_tickets": Ticket.search(
                open_tickets + [("sla_status", "=", "breached")],
                order="sla_deadline",
                limit=LIST_LIMIT,
            ),
            "breached_count": Ticket.search_count(
                open_tickets + [("sla_status", "=", "breached")]
            ),
            "critical_tickets": Ticket.search(
                open_tickets + [("severity", "=", "critical")],
                order="create_date",
                limit=LIST_LIMIT,
            ),
            "critical_count": Ticket.search_count(
                open_tickets + [("severity", "=", "critical")]
            ),
            "open_issues": issues,
            "new_issues": issues.filtered(
                lambda issue: start <= issue.detected_date < stop
            ),
            "overdue_actions": overdue_actions[:LIST_LIMIT],
            "overdue_count": len(overdue_actions),
            "claimed": claims["claimed"],
            "recovered": claims["recovered"],
            "currency": company.currency_id,
        }

    @api.model
    def _digest_claim_amounts(self, company, date_to):
        """Amounts claimed and recovered this year (to the period's end)."""
        [(claimed, recovered)] = (
            self.env["quality.supplier.claim"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("state", "!=", "cancelled"),
                    ("date", ">=", date_to.replace(month=1, day=1)),
                    ("date", "<=", date_to),
                ],
                [],
                ["amount_claimed:sum", "amount_recovered:sum"],
            )
        )
        return {"claimed": claimed, "recovered": recovered}
