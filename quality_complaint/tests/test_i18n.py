import io
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

I18N = Path(__file__).parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_pot_is_current(self):
        """The committed .pot holds exactly what Odoo exports for the addon."""
        buffer = io.BytesIO()
        trans_export(False, ["quality_complaint"], buffer, "po", self.env.cr)
        exported = {entry.msgid for entry in polib.pofile(buffer.getvalue().decode())}
        committed = {
            entry.msgid for entry in polib.pofile(str(I18N / "quality_complaint.pot"))
        }
        self.assertFalse(
            exported - committed, "strings missing from the .pot: re-export it"
        )
        self.assertFalse(
            committed - exported, "obsolete strings in the .pot: re-export it"
        )

    def test_zh_cn_labels_in_the_ui(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.module_quality_complaint")._update_translations("zh_CN")
        env = self.env(context={"lang": "zh_CN"})
        team = env.ref("quality_complaint.helpdesk_ticket_team_quality")
        self.assertEqual(team.name, "质量投诉")
        self.assertEqual(
            env.ref("quality_complaint.helpdesk_ticket_stage_quality_intake").name,
            "受理",
        )
        severities = dict(
            env["helpdesk.ticket"]._fields["severity"]._description_selection(env)
        )
        self.assertEqual(severities["critical"], "严重")
