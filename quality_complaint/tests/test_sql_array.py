from datetime import date, datetime

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.quality_complaint.tools import sql_array


@tagged("post_install", "-at_install")
class TestSqlArray(TransactionCase):
    """The array literal bulk writes send: what PostgreSQL reads back is what
    was given, whatever the text holds."""

    def _round_trip(self, values, sql_type):
        [(result,)] = self.env.execute_query(
            SQL("SELECT %s", sql_array(values, sql_type))
        )
        return result

    def test_values_come_back_unchanged(self):
        cases = [
            ([1, None, -7, 2147483647], "int4"),
            ([0.0, 1.5, None, -2.25e-5], "float8"),
            ([True, False, None], "bool"),
            ([datetime(2026, 1, 5, 8, 0, 30), None], "timestamp"),
            ([date(2026, 2, 28)], "date"),
            (
                [
                    "running",
                    'say "hi"',
                    "back\\slash",
                    "comma, {brace}",
                    "NULL",
                    "",
                    " padded ",
                    "客户",
                    None,
                ],
                "varchar",
            ),
        ]
        for values, sql_type in cases:
            with self.subTest(sql_type=sql_type):
                self.assertEqual(self._round_trip(values, sql_type), values)

    def test_empty_list_is_an_empty_array(self):
        self.assertEqual(self._round_trip([], "int4"), [])
