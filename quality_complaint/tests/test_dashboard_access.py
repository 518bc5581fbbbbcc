import base64
import json

from odoo.tests import new_test_user, tagged

from .common import QualityComplaintCommon


@tagged("post_install", "-at_install")
class TestDashboardAccess(QualityComplaintCommon):
    def test_dashboard_users_read_every_data_source(self):
        """Whoever the dashboard is shown to can load each of its pivots and
        charts: a data source the user may not read shows #ERROR."""
        dashboard = self.env.ref(
            "quality_complaint.spreadsheet_dashboard_quality_complaints"
        )
        data = json.loads(base64.b64decode(dashboard.spreadsheet_binary_data))
        models = {pivot["model"] for pivot in data["pivots"].values()}
        models |= {
            figure["data"]["metaData"]["resModel"]
            for sheet in data["sheets"]
            for figure in sheet["figures"]
            if figure["data"].get("metaData")
        }
        self.assertTrue(dashboard.group_ids)
        for group in dashboard.group_ids:
            user = new_test_user(
                self.env,
                login=f"dashboard_{group.id}",
                groups=group.get_external_id()[group.id],
            )
            self.assertTrue(dashboard.with_user(user).has_access("read"))
            for model in sorted(models):
                with self.subTest(group=group.name, model=model):
                    self.assertTrue(
                        self.env[model].with_user(user).has_access("read"),
                        f"{group.name} cannot read {model}",
                    )
            for pivot in data["pivots"].values():
                with self.subTest(group=group.name, pivot=pivot["name"]):
                    self.env[pivot["model"]].with_user(user)._read_group(
                        [tuple(leaf) for leaf in pivot["domain"]],
                        [
                            ":".join(
                                filter(None, (r["fieldName"], r.get("granularity")))
                            )
                            for r in pivot["rows"]
                        ],
                        ["__count"],
                    )
