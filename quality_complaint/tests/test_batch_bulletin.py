from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.quality_complaint.models.quality_batch_issue_progress_bulletin import (
    QualityBatchIssueProgressBulletin,
)

from .common import QualityComplaintCommon

# a Wednesday; its week starts on Monday 2 March 2026
WEDNESDAY = datetime(2026, 3, 4, 7, 0)
WEEK = date(2026, 3, 2)


class BatchBulletinCommon(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env.ref("quality_complaint.quality_batch_rule_lot")
        cls.Bulletin = cls.env["quality.batch.issue.progress.bulletin"]
        Partner = cls.env["res.partner"]
        cls.alert_en = Partner.create(
            {"name": "After-sales Office", "email": "aftersales@example.com"}
        )
        cls.alert_zh = Partner.create(
            {"name": "区域质量处", "email": "quality-east@example.com"}
        )
        cls.follower = Partner.create(
            {"name": "Product Support", "email": "support@example.com"}
        )
        cls.lot_count = 0

    @classmethod
    def _issue(cls, company=None, **vals):
        """A batch problem of its own lot (one open issue per rule and key)."""
        cls.lot_count += 1
        lot = cls._create_lot(f"LOT-BULLETIN-{cls.lot_count}")
        return cls.env["quality.batch.issue"].create(
            dict(
                {
                    "rule_id": cls.rule.id,
                    "company_id": (company or cls.company).id,
                    "product_id": cls.product.id,
                    "lot_id": lot.id,
                    "defect_type_id": cls.defect_leak.id,
                    "affected_qty": 7,
                },
                **vals,
            )
        )

    def _lang_zh(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")

    def _alert_mails(self, issue):
        return self.env["mail.mail"].search([("subject", "like", issue.name)])


@tagged("post_install", "-at_install")
class TestAlertBulletin(BatchBulletinCommon):
    def test_alert_bulletin_is_sent_once(self):
        self.company.quality_alert_partner_ids = self.alert_en
        issue = self._issue()
        issue.with_user(self.manager).action_confirm()
        self.assertTrue(issue.alert_sent_date)
        mail = self._alert_mails(issue)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.alert_en)
        self.assertIn(
            "Quality alert bulletin sent to After-sales Office.",
            issue.message_ids.mapped("body")[0],
        )
        sent_on = issue.alert_sent_date
        # dismissed, reopened and confirmed again: no second bulletin
        issue.with_user(self.engineer)._dismiss("Not a batch problem after all")
        issue.with_user(self.engineer).action_reopen()
        self.assertEqual(issue.state, "confirmed")
        self.assertEqual(len(self._alert_mails(issue)), 1)
        self.assertEqual(issue.alert_sent_date, sent_on)
        # nor through the bulletin's own method
        self.assertFalse(issue._send_alert_bulletin())
        self.assertEqual(len(self._alert_mails(issue)), 1)

    def test_alert_bulletin_claimed_by_another_transaction_is_not_sent(self):
        """Another transaction confirmed the issue at the same time and set
        the date: this one still sees it empty, and sends nothing."""
        self.company.quality_alert_partner_ids = self.alert_en
        issue = self._issue()
        self.assertFalse(issue.alert_sent_date)  # in this transaction's cache
        self.env.cr.execute(
            SQL(
                "UPDATE quality_batch_issue SET alert_sent_date = now() WHERE id = %s",
                issue.id,
            )
        )
        self.assertFalse(issue._send_alert_bulletin())
        self.assertFalse(self._alert_mails(issue))

    def test_alert_bulletin_content(self):
        self.company.quality_alert_partner_ids = self.alert_en
        issue = self._issue(
            installed_base=280,
            ratio=2.5,
            containment="<p>Sort the stock of the warehouses</p>",
        )
        issue.line_ids = self._create_complaint(
            lines=[(self.lot_a, 3)]
        ).complaint_line_ids
        issue.with_user(self.manager).action_hold_lots()
        self.env["quality.action"].create(
            {
                "name": "Block the shipments of the lot",
                "action_type": "containment",
                "user_id": self.engineer.id,
                "date_deadline": date.today() + timedelta(days=2),
                "batch_issue_id": issue.id,
            }
        )
        issue.with_user(self.manager).action_confirm()
        body = str(self._alert_mails(issue).body_html)
        for expected in (
            "quality alert bulletin",
            self.product.display_name,
            issue.lot_id.name,
            "LOT-A",
            "Leakage",
            'class="o_bulletin_units"> 7 </td>',
            "2.50 %",
            "Sort the stock of the warehouses",
            "Block the shipments of the lot",
        ):
            self.assertIn(expected, " ".join(body.split()))
        held = body.split('class="o_bulletin_held_lots">')[1].split("</td>")[0]
        self.assertIn(issue.lot_id.name, held)
        self.assertIn("LOT-A", held)

    def test_alert_bulletin_in_the_language_of_each_recipient(self):
        self._lang_zh()
        self.alert_zh.lang = "zh_CN"
        self.alert_en.lang = "en_US"
        self.company.quality_alert_partner_ids = self.alert_en | self.alert_zh
        issue = self._issue()
        issue.with_user(self.manager).action_confirm()
        mails = self._alert_mails(issue)
        self.assertEqual(len(mails), 2)
        mail_zh = mails.filtered(lambda m: m.recipient_ids == self.alert_zh)
        mail_en = mails.filtered(lambda m: m.recipient_ids == self.alert_en)
        self.assertIn("质量预警通报", mail_zh.subject)
        self.assertIn("质量预警通报", str(mail_zh.body_html))
        self.assertIn("故障现象", str(mail_zh.body_html))
        self.assertNotIn("Held lots", str(mail_zh.body_html))
        self.assertIn("Quality alert", mail_en.subject)
        self.assertIn("Held lots", str(mail_en.body_html))
        self.assertNotIn("质量预警通报", str(mail_en.body_html))

    def test_no_alert_list_sends_nothing_and_says_so(self):
        self.company.quality_alert_partner_ids = self.env["res.partner"].create(
            {"name": "No address"}
        )
        issue = self._issue()
        issue.with_user(self.manager).action_confirm()
        self.assertFalse(self._alert_mails(issue))
        self.assertFalse(issue.alert_sent_date)
        self.assertIn(
            "No quality alert bulletin sent",
            " ".join(issue.message_ids.mapped("body")),
        )

    def test_alert_date_is_not_written_directly(self):
        self.company.quality_alert_partner_ids = self.alert_en
        issue = self._issue()
        issue.with_user(self.manager).action_confirm()
        with self.assertRaisesMessage(UserError, "changes only through its buttons"):
            issue.with_user(self.manager).write({"alert_sent_date": False})
        self.assertTrue(issue.alert_sent_date)

    def test_alert_list_in_settings(self):
        settings = self.env["res.config.settings"].create(
            {"quality_alert_partner_ids": [Command.set(self.alert_en.ids)]}
        )
        settings.execute()
        self.assertEqual(self.company.quality_alert_partner_ids, self.alert_en)


@tagged("post_install", "-at_install")
class TestProgressBulletin(BatchBulletinCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Purifiers West"})
        cls.follower_b = cls.env["res.partner"].create(
            {"name": "West Support", "email": "west@example.com"}
        )
        # the demo's open confirmed problems (the replacement plan's) would get
        # their bulletins too: these tests count only their own
        cls.env["quality.batch.issue"].search(
            [("state", "in", ("confirmed", "contained", "solved"))]
        ).write({"state": "closed"})

    def _confirmed(self, company=None, followers=None, **vals):
        issue = self._issue(company=company, **vals)
        issue.sudo().action_confirm()
        issue.message_subscribe(partner_ids=(followers or self.follower).ids)
        return issue

    def _mails(self, bulletins):
        return bulletins.mail_ids

    def test_weekly_run_is_idempotent(self):
        issues = self._confirmed() | self._confirmed()
        first = self.Bulletin._send_progress_bulletins(WEEK)
        self.assertEqual(first.issue_id, issues)
        self.assertEqual(len(first.mail_ids), 2)
        mails = self.env["mail.mail"].search_count([])
        self.assertFalse(self.Bulletin._send_progress_bulletins(WEEK))
        # the cron computes the week of today: the same one
        with self._at(WEDNESDAY):
            self.Bulletin._cron_send_weekly()
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)
        self.assertEqual(
            self.Bulletin.search_count(
                [("issue_id", "in", issues.ids), ("week_start", "=", WEEK)]
            ),
            2,
        )
        # the next week is another bulletin
        with self._at(WEDNESDAY + timedelta(days=7)):
            self.Bulletin._cron_send_weekly()
        self.assertEqual(
            self.Bulletin.search_count(
                [
                    ("issue_id", "in", issues.ids),
                    ("week_start", "=", WEEK + timedelta(days=7)),
                ]
            ),
            2,
        )

    def test_each_company_issue_to_its_own_followers(self):
        issue_a = self._confirmed()
        issue_b = self._confirmed(company=self.company_b, followers=self.follower_b)
        contained = self._confirmed()
        contained.action_contain()
        solved = self._confirmed()
        solved.action_solve()
        closed = self._confirmed()
        closed.action_solve()
        closed.action_close()
        dismissed = self._confirmed()
        dismissed._dismiss("A single customer's misuse")
        detected = self._issue()
        detected.message_subscribe(partner_ids=self.follower.ids)
        sent = self.Bulletin._send_progress_bulletins(WEEK)
        self.assertEqual(sent.issue_id, issue_a | issue_b | contained | solved)
        by_issue = {bulletin.issue_id: bulletin for bulletin in sent}
        self.assertEqual(by_issue[issue_a].mail_ids.recipient_ids, self.follower)
        self.assertEqual(by_issue[issue_b].mail_ids.recipient_ids, self.follower_b)
        self.assertEqual(by_issue[issue_b].company_id, self.company_b)
        self.assertIn("Purifiers West", str(by_issue[issue_b].mail_ids.body_html))

    def test_managers_read_only_their_companies_bulletins(self):
        issue_a = self._confirmed()
        issue_b = self._confirmed(company=self.company_b, followers=self.follower_b)
        sent = self.Bulletin._send_progress_bulletins(WEEK)
        self.assertEqual(sent.issue_id, issue_a | issue_b)
        as_manager = self.Bulletin.with_user(self.manager)
        # the manager works in the first company only
        self.assertNotIn(self.company_b, self.manager.company_ids)
        self.assertEqual(as_manager.search([("id", "in", sent.ids)]).issue_id, issue_a)
        # and customer service reads none (managers' log)
        with self.assertRaises(AccessError):
            self.Bulletin.with_user(self.cs_user).search([])

    def test_progress_bulletin_content(self):
        issue = self._confirmed(containment="<p>Lot held and sorted</p>")
        issue.action_contain()
        with self._at(datetime(2026, 3, 1, 9, 0)):
            overdue, on_time = self.env["quality.action"].create(
                [
                    {
                        "name": "Replace the membranes",
                        "action_type": "corrective",
                        "user_id": self.engineer.id,
                        "date_deadline": date(2026, 3, 3),
                        "batch_issue_id": issue.id,
                    },
                    {
                        "name": "Update the control plan",
                        "action_type": "preventive",
                        "user_id": self.manager.id,
                        "date_deadline": date(2026, 3, 20),
                        "batch_issue_id": issue.id,
                    },
                ]
            )
        claim = self.env["quality.supplier.claim"].create(
            {
                "partner_id": self.vendor.id,
                "batch_issue_id": issue.id,
                "line_ids": [
                    Command.create(
                        {
                            "cost_type": "parts",
                            "description": "Membranes",
                            "quantity": 7,
                            "price_unit": 50,
                        }
                    )
                ],
            }
        )
        with self._at(WEDNESDAY):
            sent = self.Bulletin._send_progress_bulletins(WEEK)
        body = " ".join(str(sent.mail_ids.body_html).split())
        for expected in (
            "progress bulletin",
            'class="o_bulletin_state">Contained</strong>',
            "Lot held and sorted",
            issue.lot_id.name,
            "Leakage",
            "Replace the membranes",
            self.engineer.name,
            "Update the control plan",
            self.manager.name,
            claim.name,
            self.vendor.name,
            "Draft",
            "350.00",
        ):
            self.assertIn(expected, body)
        rows = body.split('class="o_bulletin_actions"')[1].split("</tr>")
        [overdue_row] = [row for row in rows if overdue.name in row]
        [on_time_row] = [row for row in rows if on_time.name in row]
        self.assertIn("Overdue", overdue_row)
        self.assertNotIn("Overdue", on_time_row)
        # the replacement plans are not given yet: no section
        self.assertNotIn("o_bulletin_replacement", body)

    def test_progress_bulletin_in_chinese(self):
        self._lang_zh()
        self.follower.lang = "zh_CN"
        en_follower = self.env["res.partner"].create(
            {"name": "Sales Office", "email": "sales@example.com", "lang": "en_US"}
        )
        issue = self._confirmed(followers=self.follower | en_follower)
        sent = self.Bulletin._send_progress_bulletins(WEEK)
        self.assertEqual(len(sent.mail_ids), 2)
        mail_zh = sent.mail_ids.filtered(lambda m: m.recipient_ids == self.follower)
        mail_en = sent.mail_ids.filtered(lambda m: m.recipient_ids == en_follower)
        self.assertIn("进度通报", mail_zh.subject)
        self.assertIn("已确认", str(mail_zh.body_html))
        self.assertIn(issue.name, mail_zh.subject)
        self.assertIn("Progress bulletin", mail_en.subject)
        self.assertIn("Confirmed", str(mail_en.body_html))

    def test_a_failing_issue_does_not_stop_the_others(self):
        failing = self._confirmed()
        other = self._confirmed()
        prepare = QualityBatchIssueProgressBulletin._prepare_progress_mails

        def broken(self, issue, *args):
            if issue == failing:
                raise ValueError("broken template")
            return prepare(self, issue, *args)

        with (
            patch.object(
                QualityBatchIssueProgressBulletin, "_prepare_progress_mails", broken
            ),
            mute_logger(
                "odoo.addons.quality_complaint.models."
                "quality_batch_issue_progress_bulletin"
            ),
        ):
            sent = self.Bulletin._send_progress_bulletins(WEEK)
        self.assertEqual(sent.issue_id, other)
        # the next run sends the one that failed
        again = self.Bulletin._send_progress_bulletins(WEEK)
        self.assertEqual(again.issue_id, failing)

    def test_a_batch_that_cannot_be_written_is_sent_issue_by_issue(self):
        failing = self._confirmed()
        other = self._confirmed()
        create = QualityBatchIssueProgressBulletin._create_progress_bulletins

        def broken(self, issues, week_start):
            if failing in issues:
                raise ValueError("cannot write the bulletin")
            return create(self, issues, week_start)

        with (
            patch.object(
                QualityBatchIssueProgressBulletin, "_create_progress_bulletins", broken
            ),
            mute_logger(
                "odoo.addons.quality_complaint.models."
                "quality_batch_issue_progress_bulletin"
            ),
        ):
            sent = self.Bulletin._send_progress_bulletins(WEEK)
        self.assertEqual(sent.issue_id, other)

    def _run_queries(self, week, count):
        """Queries of a weekly run over `count` new issues, each with two
        actions and a claim."""
        issues = self.env["quality.batch.issue"]
        for _index in range(count):
            issue = self._confirmed()
            self.env["quality.action"].create(
                [
                    {
                        "name": f"Action {index}",
                        "user_id": user.id,
                        "date_deadline": date.today() + timedelta(days=20),
                        "batch_issue_id": issue.id,
                    }
                    for index, user in enumerate((self.engineer, self.manager))
                ]
            )
            self.env["quality.supplier.claim"].create(
                {"partner_id": self.vendor.id, "batch_issue_id": issue.id}
            )
            issues |= issue
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        sent = self.Bulletin._send_progress_bulletins(week)
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(sent.issue_id, issues)
        # the bulletins of one run: closed, not sent again
        for issue in issues:
            issue.action_solve()
            issue.action_close()
        return queries

    def test_queries_do_not_grow_with_the_issues(self):
        # warm the template and caches up
        self._run_queries(WEEK - timedelta(days=7), 1)
        two = self._run_queries(WEEK, 2)
        six = self._run_queries(WEEK + timedelta(days=7), 6)
        self.assertEqual(two, six)
