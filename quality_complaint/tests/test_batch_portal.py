import base64
import re

from odoo import Command
from odoo.tests import tagged

from .common import QualityPortalCommon, new_portal_user

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


@tagged("post_install", "-at_install")
class TestBatchPortal(QualityPortalCommon):
    """Service stations report batch problems on the portal and follow them;
    nobody else reaches these pages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.station = cls._create_customer(
            "River Service Station", is_service_station=True
        )
        cls.station_user = new_portal_user(cls.env, "st_portal", cls.station)
        cls.other_station = cls._create_customer(
            "Mountain Service Station", is_service_station=True
        )
        cls.other_station_user = new_portal_user(
            cls.env, "other_st_portal", cls.other_station
        )
        # the station's parent group is a station too: it does not see its child's
        cls.group = cls._create_customer("Service Group", is_service_station=True)
        cls.station.parent_id = cls.group
        cls.group_user = new_portal_user(cls.env, "group_st_portal", cls.group)
        cls.customer = cls._create_customer("Plain Customer")
        cls.customer_user = new_portal_user(cls.env, "plain_portal", cls.customer)
        Product = cls.env["product.product"]
        cls.membrane = Product.create(
            {"name": "Station Tour Membrane", "type": "consu", "sale_ok": False}
        )
        cls.pump = Product.create(
            {"name": "Station Tour Pump", "type": "consu", "sale_ok": False}
        )
        cls.product = Product.create(
            {
                "name": "Station Tour Purifier",
                "is_storable": True,
                "tracking": "lot",
                "sale_ok": True,
                "complaint_component_ids": [Command.set(cls.membrane.ids)],
            }
        )
        cls.other_product = Product.create(
            {
                "name": "Station Tour Filter",
                "is_storable": True,
                "tracking": "lot",
                "sale_ok": True,
                "complaint_component_ids": [Command.set(cls.pump.ids)],
            }
        )
        Lot = cls.env["stock.lot"]
        cls.lot = Lot.create({"name": "ST-TOUR-1", "product_id": cls.product.id})
        cls.lot_in_stock = Lot.create(
            {"name": "ST-TOUR-9", "product_id": cls.product.id}
        )
        cls.other_lot = Lot.create(
            {"name": "OTHER-LOT", "product_id": cls.other_product.id}
        )
        stock = cls.env.ref("stock.stock_location_stock")
        for lot in (cls.lot, cls.lot_in_stock, cls.other_lot):
            cls.env["stock.quant"]._update_available_quantity(
                lot.product_id, stock, 100, lot_id=lot
            )
        # 50 units of the purifier delivered to a hotel the station services
        hotel = cls._create_customer("Riverside Hotel")
        picking_type = cls.env.ref("stock.picking_type_out")
        delivery = cls.env["stock.picking"].create(
            {
                "partner_id": hotel.id,
                "picking_type_id": picking_type.id,
                "location_id": stock.id,
                "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "lot_id": lot.id,
                            "quantity": 50,
                            "picked": True,
                        }
                    )
                    for lot in (cls.lot, cls.other_lot)
                ],
            }
        )
        delivery.button_validate()
        cls.defect = cls.env["quality.defect.type"].create(
            {
                "name": "Station tour leak",
                "code": "ST-LEAK",
                "default_severity": "major",
            }
        )
        cls.station_complaint = cls.env["helpdesk.ticket"].create(
            {
                "name": "Leaking at the station's own shop",
                "description": "<p>x</p>",
                "team_id": cls.team.id,
                "partner_id": cls.station_user.partner_id.id,
                "complaint_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "lot_id": cls.lot.id,
                            "quantity": 1,
                        }
                    )
                ],
            }
        )
        cls.foreign_complaint = cls.env["helpdesk.ticket"].create(
            {
                "name": "Someone else's complaint",
                "description": "<p>x</p>",
                "team_id": cls.team.id,
                "partner_id": cls.customer.id,
            }
        )
        cls.Issue = cls.env["quality.batch.issue"]

    def _reports(self, partner=None):
        return self.Issue.search(
            [("reported_by_id", "=", (partner or self.station_user.partner_id).id)]
        )

    def _submit(self, files=None, **values):
        data = {
            "product_id": str(self.product.id),
            "component_id": str(self.membrane.id),
            "defect_type_id": str(self.defect.id),
            "lots": "ST-TOUR-1",
            "units": "4",
            "sites": "Riverside hotel, 4 kitchens",
            "description": "The membrane housing leaks after two weeks.",
        }
        data.update(values)
        data["csrf_token"] = self._form_csrf("/my/batch/report/new")
        return self.url_open(
            "/my/batch/report/submit",
            data=data,
            files=files or [("attachment", ("housing.png", PNG, "image/png"))],
        )

    def test_station_reports_a_batch_problem(self):
        self.authenticate("st_portal", "st_portal")
        response = self._submit(
            files=[
                ("attachment", ("housing.png", PNG, "image/png")),
                ("attachment", ("test.pdf", PDF, "application/pdf")),
                ("attachment", ("clip.mp4", MP4, "video/mp4")),
            ],
            lots="ST-TOUR-1",
            customer_accepted="on",
            ticket_ids=[str(self.station_complaint.id)],
        )
        self.assertEqual(response.status_code, 200)
        issue = self._reports()
        self.assertEqual(len(issue), 1)
        self.assertIn(f"/my/batch/report/{issue.id}", response.url)
        self.assertEqual((issue.origin, issue.state), ("reported", "reported"))
        self.assertEqual(issue.product_id, self.product)
        self.assertEqual(issue.component_id, self.membrane)
        self.assertEqual(issue.defect_type_id, self.defect)
        self.assertEqual(issue.reported_lot_ids, self.lot)
        self.assertEqual(issue.units_reported, 4)
        self.assertTrue(issue.customer_accepted)
        self.assertEqual(issue.ticket_ids, self.station_complaint)
        self.assertEqual(issue.line_ids, self.station_complaint.complaint_line_ids)
        self.assertEqual(
            sorted(issue.evidence_ids.mapped("mimetype")),
            ["application/pdf", "image/png", "video/mp4"],
        )
        self.assertEqual(set(issue.evidence_ids.mapped("res_id")), {issue.id})
        # the review clock runs; the station follows the report
        self.assertEqual(issue.sla_ids.milestone, "review_verify")
        self.assertIn(self.station_user.partner_id, issue.message_partner_ids)
        self.assertIn("Reported", response.text)

    def test_form_refuses_bad_input_and_writes_nothing(self):
        self.authenticate("st_portal", "st_portal")
        exe = b"MZ\x90\x00" + b"\x00" * 100
        for values, files, message in (
            ({"units": "nan"}, None, "The units must be a number more than zero"),
            ({"units": "inf"}, None, "The units must be a number more than zero"),
            ({"units": "1e400"}, None, "The units must be a number more than zero"),
            ({"units": "0"}, None, "The units must be a number more than zero"),
            ({"units": "-2"}, None, "The units must be a number more than zero"),
            ({"units": "abc"}, None, "The units must be a number more than zero"),
            # more than the 50 units delivered
            ({"units": "51"}, None, "at most 50"),
            ({"product_id": "999999"}, None, "Choose the product concerned."),
            ({"defect_type_id": ""}, None, "Choose the failure."),
            (
                {"component_id": str(self.pump.id)},
                None,
                "Choose one of the components of Station Tour Purifier",
            ),
            ({"sites": " "}, None, "Say where the failing units are."),
            ({"description": ""}, None, "Describe the problem."),
            (
                {"ticket_ids": [str(self.foreign_complaint.id)]},
                None,
                "Choose the complaints from the list.",
            ),
            (
                {},
                [("attachment", ("tool.png", exe, "image/png"))],
                "tool.png is not a photo, a PDF or a video.",
            ),
            (
                {},
                [
                    (
                        "attachment",
                        ("huge.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png"),
                    )
                ],
                "huge.png is larger than 10 MB.",
            ),
        ):
            with self.subTest(values=values, message=message):
                response = self._submit(files=files, **values)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
        self.assertFalse(self._reports())
        self.assertFalse(
            self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "quality.batch.issue"),
                    ("name", "in", ("tool.png", "huge.png")),
                ]
            )
        )

    def test_lot_errors_do_not_tell_whose_lot_it_is(self):
        """An unknown lot, another product's lot and a lot never delivered get
        the same answer."""
        self.authenticate("st_portal", "st_portal")
        answers = set()
        for lot in ("NO-SUCH-LOT", "OTHER-LOT", "ST-TOUR-9"):
            with self.subTest(lot=lot):
                response = self._submit(lots=lot)
                found = re.search(
                    r"Lot/serial number (\S+) is not known for Station Tour Purifier\.",
                    response.text,
                )
                self.assertTrue(found, lot)
                self.assertEqual(found[1], lot)
                answers.add(found[0].replace(lot, "LOT"))
        self.assertEqual(len(answers), 1)
        self.assertFalse(self._reports())

    def test_list_and_page_show_the_state_and_rejection_never_the_analysis(self):
        issue = self.Issue.create(
            {
                "origin": "reported",
                "reported_by_id": self.station_user.partner_id.id,
                "product_id": self.product.id,
                "units_reported": 3,
                "site_description": "Hotel",
                "description": "Leaks",
                "verification_note": "INTERNAL-VERIFICATION",
                "preliminary_analysis": "INTERNAL-ANALYSIS",
                "technical_solution": "INTERNAL-SOLUTION",
                "ticket_ids": [
                    Command.set((self.station_complaint | self.foreign_complaint).ids)
                ],
            }
        )
        issue.action_verify()
        issue.rejection_reason = "The units were installed without the pre-filter"
        issue.action_reject()
        self.authenticate("st_portal", "st_portal")
        listing = self.url_open("/my/batch/reports")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(issue.name, listing.text)
        self.assertIn("Dismissed", listing.text)
        self.assertIn("without the pre-filter", listing.text)
        page = self.url_open(f"/my/batch/report/{issue.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("without the pre-filter", page.text)
        self.assertIn("was not confirmed", page.text)  # the notice message
        self.assertIn(self.station_complaint.number, page.text)
        for secret in (
            "INTERNAL-VERIFICATION",
            "INTERNAL-ANALYSIS",
            "INTERNAL-SOLUTION",
            self.foreign_complaint.number,
        ):
            self.assertNotIn(secret, listing.text + page.text)

    def test_other_stations_and_parent_companies_get_404(self):
        issue = self.Issue.create(
            {
                "origin": "reported",
                "reported_by_id": self.station_user.partner_id.id,
                "product_id": self.product.id,
                "units_reported": 3,
            }
        )
        for login in ("other_st_portal", "group_st_portal"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                response = self.url_open(f"/my/batch/report/{issue.id}")
                self.assertEqual(response.status_code, 404)
                listing = self.url_open("/my/batch/reports")
                self.assertEqual(listing.status_code, 200)
                self.assertNotIn(issue.name, listing.text)
        self.authenticate("st_portal", "st_portal")
        self.assertEqual(self.url_open(f"/my/batch/report/{issue.id}").status_code, 200)
        self.assertEqual(self.url_open("/my/batch/report/999999999").status_code, 404)

    def test_only_service_stations_reach_the_pages(self):
        self.authenticate("plain_portal", "plain_portal")
        for url in ("/my/batch/report/new", "/my/batch/reports"):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 404)
        csrf = self._form_csrf("/my/quality/complaint/new")
        response = self.url_open(
            "/my/batch/report/submit",
            data={
                "product_id": str(self.product.id),
                "defect_type_id": str(self.defect.id),
                "units": "4",
                "sites": "x",
                "description": "x",
                "csrf_token": csrf,
            },
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._reports(self.customer_user.partner_id))
        self.assertNotIn("/my/batch/report/new", self.url_open("/my").text)
        self.authenticate("st_portal", "st_portal")
        self.assertIn("/my/batch/report/new", self.url_open("/my").text)

    def test_tour_station_reports_with_a_photo(self):
        self.start_tour("/my", "quality_batch_report_portal_tour", login="st_portal")
        issue = self._reports()
        self.assertEqual(len(issue), 1)
        self.assertEqual(issue.state, "reported")
        self.assertEqual(issue.component_id, self.membrane)
        self.assertEqual(issue.reported_lot_ids, self.lot)
        self.assertEqual(issue.units_reported, 4)
        self.assertEqual(issue.evidence_ids.mapped("name"), ["housing.png"])
