from datetime import datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from .common import QualityComplaintCommon, new_portal_user

# Friday 2 January 2026, 15:00 UTC; Monday 5 January is a public holiday.
FRIDAY_3PM = datetime(2026, 1, 2, 15, 0)


class BatchReviewCommon(QualityComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.station = cls.env["res.partner"].create(
            {
                "name": "Hangzhou Service Station",
                "is_company": True,
                "is_service_station": True,
                "email": "station@service.example.com",
            }
        )
        cls.Issue = cls.env["quality.batch.issue"]

    def _report(self, user=None, **vals):
        values = {
            "origin": "reported",
            "product_id": self.product.id,
            "defect_type_id": self.defect_leak.id,
            "units_reported": 12,
            "site_description": "Three hotels in Hangzhou",
            "description": "Membrane housings crack after a week",
            "reported_by_id": self.station.id,
        }
        values.update(vals)
        return self.Issue.with_user(user or self.engineer).create(values)

    def _to_analysed(self, issue):
        issue.with_user(self.engineer).write(
            {
                "verification_note": "Seen on site with the station",
                "preliminary_analysis": "Housing resin too brittle",
                "technical_solution": "Replace the housing by the reinforced one",
            }
        )
        issue.with_user(self.engineer).action_verify()
        issue.with_user(self.engineer).action_analyse()
        return issue


@tagged("post_install", "-at_install")
class TestBatchReview(BatchReviewCommon):
    def test_report_reviewed_to_confirmation(self):
        issue = self._report(reported_by_id=False)
        self.assertEqual(issue.origin, "reported")
        self.assertEqual(issue.state, "reported")
        self.assertFalse(issue.rule_id)
        self.assertTrue(issue.report_date)
        # an engineer registering it reports it, unless given the station
        self.assertEqual(issue.reported_by_id, self.engineer.partner_id)
        self.assertIn(self.engineer.partner_id, issue.message_partner_ids)
        issue = issue.with_user(self.engineer)
        with self.assertRaisesMessage(UserError, "Give the verification note"):
            issue.action_verify()
        self.assertEqual(issue.state, "reported")
        issue.verification_note = "Checked with the station: 12 units, same crack"
        issue.action_verify()
        self.assertEqual(issue.state, "verified")
        with self.assertRaisesMessage(
            UserError,
            "Give the preliminary analysis, proposed technical solution before "
            "analysing",
        ):
            issue.action_analyse()
        issue.preliminary_analysis = "Brittle resin of one molding batch"
        with self.assertRaisesMessage(
            UserError, "Give the proposed technical solution before analysing"
        ):
            issue.action_analyse()
        issue.technical_solution = "Reinforced housing"
        issue.action_analyse()
        self.assertEqual(issue.state, "analysed")
        self.assertFalse(issue.was_confirmed)
        with self.assertRaisesMessage(AccessError, "Only quality managers"):
            issue.action_confirm()
        self.assertEqual(issue.state, "analysed")
        issue.with_user(self.manager).action_confirm()
        self.assertEqual(issue.state, "confirmed")
        self.assertTrue(issue.was_confirmed)
        # the procedure goes on as for a detected problem
        issue.action_contain()
        issue.action_solve()
        issue.action_close()
        self.assertEqual(issue.state, "closed")

    def test_each_step_refused_out_of_order(self):
        issue = self._report().with_user(self.manager)
        issue.write(
            {
                "verification_note": "ok",
                "preliminary_analysis": "ok",
                "technical_solution": "ok",
            }
        )
        for method, message in (
            (
                "action_analyse",
                "cannot be Analysed: it is Reported, and only a "
                "problem Verified can be",
            ),
            (
                "action_confirm",
                "cannot be Confirmed: it is Reported, and only a "
                "problem Analysed can be",
            ),
        ):
            with (
                self.subTest(method=method),
                self.assertRaisesMessage(UserError, message),
            ):
                getattr(issue, method)()
        self.assertEqual(issue.state, "reported")
        issue.action_verify()
        with self.assertRaisesMessage(
            UserError,
            "cannot be Verified: it is Verified, and only a problem Reported can be",
        ):
            issue.action_verify()
        issue.action_analyse()
        issue.action_confirm()
        issue.rejection_reason = "too late"
        with self.assertRaisesMessage(UserError, "cannot be rejected"):
            issue.action_reject()
        self.assertEqual(issue.state, "confirmed")

    def test_a_detected_problem_is_not_reviewed(self):
        rule = self.env.ref("quality_complaint.quality_batch_rule_lot")
        issue = self.Issue.create(
            {
                "rule_id": rule.id,
                "company_id": self.company.id,
                "product_id": self.product.id,
                "lot_id": self.lot_b.id,
            }
        )
        self.assertEqual((issue.origin, issue.state), ("detected", "detected"))
        issue = issue.with_user(self.manager)
        issue.verification_note = "x"
        with self.assertRaisesMessage(UserError, "only a reported batch problem"):
            issue.action_verify()
        issue.rejection_reason = "x"
        with self.assertRaisesMessage(UserError, "cannot be rejected"):
            issue.action_reject()
        issue.action_confirm()
        self.assertEqual(issue.state, "confirmed")

    def test_report_needs_product_reporter_and_plausible_units(self):
        for vals, message in (
            ({"product_id": False}, "needs the product and who reported it"),
            ({"units_reported": 0}, "the units reported must be more than zero"),
            ({"units_reported": -3}, "the units reported must be more than zero"),
            ({"units_reported": 1e15}, "at most 1000000"),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesMessage(ValidationError, message),
            ):
                self._report(**vals)
        # not numbers: the ORM refuses them before any constraint
        for units in (float("nan"), float("inf")):
            with self.subTest(units=units):
                refused = False
                try:
                    with self.env.cr.savepoint():
                        self._report(units_reported=units)
                except (ValueError, OverflowError, ValidationError):
                    refused = True
                self.assertTrue(refused, f"{units} units were accepted")
        self.assertFalse(self.Issue.search([("reported_by_id", "=", self.station.id)]))
        with self.assertRaisesMessage(ValidationError, "needs the rule"):
            self.Issue.create(
                {"company_id": self.company.id, "product_id": self.product.id}
            )

    def test_rejection_tells_the_reporter(self):
        issue = self._report()
        self.assertIn(self.station, issue.message_partner_ids)
        issue = issue.with_user(self.engineer)
        with self.assertRaisesMessage(UserError, "Give the rejection reason"):
            issue.action_reject()
        self.assertEqual(issue.state, "reported")
        issue.verification_note = "Seen on site"
        issue.action_verify()
        issue.rejection_reason = "Installer fitted the wrong valve, not the product"
        issue.action_reject()
        self.assertEqual(issue.state, "dismissed")
        self.assertTrue(issue.dismissed_date)
        message = issue.message_ids.filtered(lambda m: self.station in m.partner_ids)
        self.assertEqual(len(message), 1)
        self.assertIn("wrong valve", message.body)
        self.assertIn(issue.name, message.body)
        self.assertFalse(message.is_internal)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(
            self.station,
            message.notification_ids.res_partner_id,
            "the station is notified (e-mail)",
        )
        # a rejected report is kept
        with self.assertRaisesMessage(UserError, "cannot be deleted"):
            issue.sudo().unlink()

    def test_rejection_notice_in_the_reporters_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.station.lang = "zh_CN"
        issue = self._report().with_user(self.manager)
        issue.rejection_reason = "安装错误"
        issue.action_reject()
        message = issue.message_ids.filtered(lambda m: self.station in m.partner_ids)
        self.assertIn("安装错误", message.body)
        self.assertNotIn("was not confirmed", message.body)

    def test_reopened_report_is_reviewed_again(self):
        issue = self._report().with_user(self.engineer)
        issue.rejection_reason = "Duplicate"
        issue.action_reject()
        issue.action_reopen()
        self.assertEqual(issue.state, "reported")
        self.assertFalse(issue.dismissed_date)


@tagged("post_install", "-at_install")
class TestBatchReviewAccess(BatchReviewCommon):
    def test_customer_service_neither_reports_nor_reviews(self):
        with self.assertRaises(AccessError):
            self._report(user=self.cs_user)
        issue = self._report()
        issue.verification_note = "checked"
        for method in ("action_verify", "action_analyse", "action_reject"):
            with (
                self.subTest(method=method),
                self.assertRaisesMessage(AccessError, "Only quality engineers"),
            ):
                getattr(issue.with_user(self.cs_user), method)()
        with self.assertRaisesMessage(AccessError, "Only quality managers"):
            issue.with_user(self.cs_user).action_confirm()
        self.assertEqual(issue.state, "reported")
        # it reads the report
        self.assertEqual(issue.with_user(self.cs_user).units_reported, 12)

    def test_engineer_verifies_and_analyses_manager_confirms(self):
        issue = self._to_analysed(self._report())
        with self.assertRaisesMessage(AccessError, "Only quality managers"):
            issue.with_user(self.engineer).action_confirm()
        issue.with_user(self.manager).action_confirm()
        self.assertEqual(issue.state, "confirmed")

    def test_manager_rejects_at_the_last_review(self):
        issue = self._to_analysed(self._report()).with_user(self.manager)
        issue.rejection_reason = "Meets the specification"
        issue.action_reject()
        self.assertEqual(issue.state, "dismissed")

    def test_state_and_origin_are_written_by_the_workflow_only(self):
        issue = self._report()
        for user in (self.engineer, self.manager):
            for vals in ({"state": "confirmed"}, {"origin": "detected"}):
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaisesMessage(
                        UserError, "changes only through its buttons"
                    ),
                ):
                    issue.with_user(user).write(vals)
        self.assertEqual((issue.state, issue.origin), ("reported", "reported"))
        for state in ("verified", "analysed", "confirmed"):
            with (
                self.subTest(state=state),
                self.assertRaisesMessage(UserError, "changes only through its buttons"),
            ):
                self._report(state=state)
        with self.assertRaisesMessage(ValidationError, "cannot be Reported"):
            self.Issue.with_user(self.engineer).create(
                {
                    "rule_id": self.env.ref(
                        "quality_complaint.quality_batch_rule_lot"
                    ).id,
                    "company_id": self.company.id,
                    "state": "reported",
                }
            )

    def test_portal_reads_its_stations_reports_never_internal_fields(self):
        station_user = new_portal_user(self.env, "station_tech", self.station)
        branch = self.env["res.partner"].create(
            {
                "name": "Station branch",
                "is_company": True,
                "is_service_station": True,
                "parent_id": self.station.id,
            }
        )
        branch_user = new_portal_user(self.env, "branch_tech", branch)
        issue = self._report(reported_by_id=station_user.partner_id.id)
        issue.with_user(self.engineer).write(
            {"verification_note": "secret", "preliminary_analysis": "secret"}
        )
        mine = issue.with_user(station_user)
        self.assertEqual(mine.state, "reported")
        self.assertEqual(mine.units_reported, 12)
        self.assertEqual(mine.product_id, self.product)
        for fname in (
            "verification_note",
            "preliminary_analysis",
            "technical_solution",
            "rule_id",
            "ticket_ids",
            "line_ids",
            "affected_qty",
            "root_cause",
            "held_lot_ids",
            "delivered_move_line_ids",
            "sla_ids",
        ):
            with self.subTest(fname=fname), self.assertRaises(AccessError):
                mine.read([fname])
        # the parent company does not see its child's, nor the child its parent's
        with self.assertRaises(AccessError):
            issue.with_user(branch_user).read(["name"])
        branch_issue = self._report(reported_by_id=branch.id)
        with self.assertRaises(AccessError):
            branch_issue.with_user(station_user).read(["name"])
        self.assertEqual(self.Issue.with_user(station_user).search([]), issue)
        # and it writes nothing
        with self.assertRaises(AccessError):
            mine.write({"units_reported": 1})


@tagged("post_install", "-at_install")
class TestBatchReportDemo(TransactionCase):
    def test_demo_station_has_a_report_in_review(self):
        issue = self.env.ref(
            "quality_complaint.batch_issue_reported_membrane_demo",
            raise_if_not_found=False,
        )
        if not issue:
            self.skipTest("installed without demo data")
        station_user = self.env.ref(
            "quality_complaint.user_portal_service_station_demo"
        )
        self.assertTrue(
            station_user.partner_id.commercial_partner_id.is_service_station
        )
        self.assertEqual((issue.origin, issue.state), ("reported", "verified"))
        self.assertEqual(issue.with_user(station_user).search([]), issue)
        self.assertEqual(
            issue.sla_ids.filtered(lambda sla: not sla.reached_date).milestone,
            "review_analyse",
        )
        self.assertIn(issue.component_id, issue.product_id.complaint_component_ids)
