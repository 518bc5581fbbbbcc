# Batch detection's side of the issues: the groups a rule found become new
# issues or refresh the open ones, announced once; a concurrent run's issues
# are skipped, not duplicated.
import logging
from collections import defaultdict

import psycopg2

from odoo import Command, api, models
from odoo.tools import SQL, float_compare, mute_logger

from .quality_batch_issue import CLOSED_STATES, KEY_FIELDS, OPEN_ISSUE_INDEX

_logger = logging.getLogger(__name__)


class QualityBatchIssue(models.Model):
    _inherit = "quality.batch.issue"

    @api.model
    def _sync_rule_groups(self, rule, groups):
        """Create the issues of new groups and refresh the open ones.

        A group whose issue was dismissed or closed is raised again only when
        complaint lines arrived after that.
        """
        Issue = self.sudo()
        open_issues = Issue.search(
            [("rule_id", "=", rule.id), ("state", "not in", CLOSED_STATES)]
        )
        open_by_key = {
            tuple(issue[fname].id for fname in KEY_FIELDS): issue
            for issue in open_issues
        }
        # when each key's issues last ended, from the database: the closed and
        # dismissed issues only grow with the rule's history
        ended_by_key = {}
        for *key, dismissed, closed in Issue._read_group(
            [("rule_id", "=", rule.id), ("state", "in", CLOSED_STATES)],
            groupby=list(KEY_FIELDS),
            aggregates=["dismissed_date:max", "closed_date:max"],
        ):
            ended = max(filter(None, (dismissed, closed)), default=None)
            if ended:
                ended_by_key[tuple(record.id for record in key)] = ended
        linked = open_issues._get_linked_ids()
        updated, to_create, newly_linked = Issue, [], defaultdict(set)
        # A group only of complaints customers filed (portal, e-mail) and staff
        # have not taken in yet holds no lot by itself.
        holding_keys = set()
        for group in groups:
            key = tuple(group.get(fname) or False for fname in KEY_FIELDS)
            if group["staff_registered"]:
                holding_keys.add(key)
            figures = {
                "affected_qty": group["qty"],
                "installed_base": group["installed_base"] or 0.0,
                "ratio": group["ratio"] or 0.0,
            }
            issue = open_by_key.get(key)
            if issue:
                linked_lines, linked_tickets = linked[issue.id]
                new_tickets = set(group["ticket_ids"]) - linked_tickets
                if new_tickets or set(group["line_ids"]) != linked_lines:
                    issue.write(
                        dict(
                            figures,
                            ticket_ids=[Command.set(group["ticket_ids"])],
                            line_ids=[Command.set(group["line_ids"])],
                        )
                    )
                    updated |= issue
                    newly_linked[issue.id] |= new_tickets
                elif any(
                    float_compare(issue[fname], value, precision_digits=4)
                    for fname, value in figures.items()
                ):
                    # the same lines, corrected quantities or installed base
                    issue.write(figures)
                    updated |= issue
                continue
            ended = ended_by_key.get(key)
            if ended and group["last_line_date"] <= ended:
                # dismissed or closed: raised again only by newer complaints
                continue
            to_create.append(
                dict(
                    figures,
                    rule_id=rule.id,
                    company_id=rule.company_id.id,
                    ticket_ids=[Command.set(group["ticket_ids"])],
                    line_ids=[Command.set(group["line_ids"])],
                    **{fname: group.get(fname) or False for fname in KEY_FIELDS},
                )
            )
        created = Issue._create_without_duplicates(to_create)
        created._announce(rule)
        for issue in updated:
            # the complaints newly linked, not read back through the issue's
            # complaints (hundreds for a large problem)
            new_tickets = Issue.env["helpdesk.ticket"].browse(
                sorted(newly_linked[issue.id])
            )
            new_tickets._message_log_batch(
                bodies=dict.fromkeys(
                    new_tickets.ids,
                    self.env._(
                        "Linked to batch quality problem %(issue)s.", issue=issue.name
                    ),
                )
            )
        if rule.auto_hold_lots:
            to_hold = (
                created | Issue.browse(i.id for i in open_by_key.values())
            ).filtered(
                lambda i: not i.lots_auto_held
                and tuple(i[fname].id for fname in KEY_FIELDS) in holding_keys
            )
            to_hold._hold_lots()
            to_hold.lots_auto_held = True
        return {"groups": len(groups), "created": created, "updated": updated}

    def _get_linked_ids(self):
        """The complaint lines and complaints each of these issues is linked
        to, from the link tables in one query (not through the ORM's reads of
        the two many2many fields, which join their records for each rule).

        :return: {issue id: (set of line ids, set of complaint ids)}
        """
        if not self:
            return {}
        self.flush_recordset(["line_ids", "ticket_ids"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT i.id,
                       ARRAY(SELECT r.line_id
                               FROM quality_batch_issue_complaint_line_rel r
                              WHERE r.issue_id = i.id),
                       ARRAY(SELECT r.ticket_id
                               FROM quality_batch_issue_helpdesk_ticket_rel r
                              WHERE r.issue_id = i.id)
                  FROM quality_batch_issue i
                 WHERE i.id = ANY(%s)
                """,
                self.ids,
            )
        )
        return {
            issue_id: (set(line_ids), set(ticket_ids))
            for issue_id, line_ids, ticket_ids in rows
        }

    def _create_without_duplicates(self, vals_list):
        """Create issues; one that another detection created meanwhile (unique
        index on the open key) is skipped, not an error."""
        if not vals_list:
            return self.browse()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                records = self.create(vals_list)
                self.env.flush_all()
                return records
        except psycopg2.errors.UniqueViolation:
            # another run created some of them: create the others one by one
            records, skipped = self.browse(), 0
        for vals in vals_list:
            try:
                with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                    record = self.create([vals])
                    self.env.flush_all()
                    records |= record
            except psycopg2.errors.UniqueViolation as error:
                if error.diag.constraint_name != OPEN_ISSUE_INDEX:
                    raise
                skipped += 1
        _logger.info(
            "Batch detection: rule %s: %s issue(s) already created by another run, "
            "skipped",
            vals_list[0].get("rule_id"),
            skipped,
        )
        return records

    def _announce(self, rule):
        """Tell the rule's people (activity and message) and the complaints."""
        if not self:
            return
        users = rule.notify_user_ids
        if users:
            self.message_subscribe(partner_ids=users.partner_id.ids)
            issue_model = self.env["ir.model"]._get_id(self._name)
            self.env["mail.activity"].create(
                [
                    {
                        "res_model_id": issue_model,
                        "res_id": issue.id,
                        "activity_type_id": self.env.ref(
                            "mail.mail_activity_data_todo"
                        ).id,
                        "user_id": user.id,
                        "summary": self.env._("Batch quality problem to confirm"),
                    }
                    for issue in self
                    for user in users
                ]
            )
        for issue in self:
            issue.message_post(
                body=self.env._(
                    "Batch quality problem detected by rule %(rule)s: %(qty)s units "
                    "on %(count)s complaint(s).",
                    rule=rule.name,
                    qty=issue.affected_qty,
                    count=len(issue.ticket_ids),
                ),
                partner_ids=users.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
            issue.ticket_ids._message_log_batch(
                bodies=dict.fromkeys(
                    issue.ticket_ids.ids,
                    self.env._(
                        "Part of batch quality problem %(issue)s.", issue=issue.name
                    ),
                )
            )
