"""The screens a quality user meets, in Simplified Chinese: no label of
helpdesk_mgmt, helpdesk_mgmt_rating or helpdesk_product is left in English
(they ship no zh_CN; i18n_extra/zh_CN.po of this addon translates them)."""

import polib
from lxml import etree, html

from odoo import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import convert_file, file_path

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

from .common import new_portal_user

HELPDESK_ADDONS = ("helpdesk_mgmt", "helpdesk_mgmt_rating", "helpdesk_product")
# Terms written the same in Chinese
SAME_IN_CHINESE = {"ID", "Odoo"}
# The addons whose translations draw the screens tested here
SCREEN_ADDONS = ("base", "web", "mail", "portal", "rating", *HELPDESK_ADDONS)
TEXT_ATTRIBUTES = ("string", "placeholder", "help", "title", "aria-label", "confirm")


def english_terms():
    """Every English term of the helpdesk addons, and the text inside the
    terms that are markup ('<small>Assignee</small>' gives 'Assignee')."""
    terms = set()
    for addon in HELPDESK_ADDONS:
        for entry in polib.pofile(file_path(f"{addon}/i18n/{addon}.pot")):
            terms.add(entry.msgid.strip())
            if "<" in entry.msgid:
                fragment = html.fragment_fromstring(entry.msgid, create_parent="div")
                terms.update(t.strip() for t in fragment.itertext() if t.strip())
    return terms - SAME_IN_CHINESE


def load_zh_cn(env):
    env["res.lang"]._activate_lang("zh_CN")
    env["ir.module.module"].search(
        [("name", "in", [*SCREEN_ADDONS, "quality_complaint"])]
    )._update_translations("zh_CN")


def texts_of(node):
    """The texts a user reads in an arch or a page: text nodes and the
    labelling attributes."""
    for element in node.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("script", "style"):
            continue
        for text in (element.text, element.tail):
            if text and text.strip():
                yield text.strip()
        for attribute in TEXT_ATTRIBUTES:
            value = element.get(attribute)
            if value and value.strip():
                yield value.strip()


@tagged("post_install", "-at_install")
class TestZhCnBackendScreens(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        load_zh_cn(cls.env)
        cls.english = english_terms()
        cls.engineer = new_test_user(
            cls.env,
            login="qc_zh_engineer",
            groups="quality_complaint.group_quality_engineer,base.group_user",
            lang="zh_CN",
        )
        cls.manager = new_test_user(
            cls.env,
            login="qc_zh_manager",
            groups="quality_complaint.group_quality_manager,"
            "helpdesk_mgmt.group_helpdesk_manager",
            lang="zh_CN",
        )

    def _untranslated_in_views(self, user, model, view_types, context=None):
        # the web client's context: the user's language
        Model = (
            self.env[model]
            .with_user(user)
            .with_context(**dict(context or {}, lang=user.lang))
        )
        self.assertEqual(Model.env.lang, "zh_CN")
        views = Model.get_views([(False, view_type) for view_type in view_types])
        leftovers = {}
        for view_type, view in views["views"].items():
            arch = etree.fromstring(view["arch"])
            texts = set(texts_of(arch))
            # a field always hidden is not met (the client needs it)
            fnames = {
                node.get("name")
                for node in arch.iter("field")
                if "1" not in (node.get("invisible"), node.get("column_invisible"))
            }
            for description in Model.fields_get(
                [f for f in fnames if f in Model._fields],
                ["string", "help", "selection"],
            ).values():
                texts.add(description["string"])
                texts.add((description.get("help") or "").strip())
                texts.update(label for __, label in description.get("selection", []))
            english = sorted(texts & self.english)
            if english:
                leftovers[view_type] = english
        return leftovers

    def test_complaint_views_have_no_english_helpdesk_label(self):
        # the context of the Quality Complaints action
        context = {
            "default_team_id": self.env.ref(
                "quality_complaint.helpdesk_ticket_team_quality"
            ).id
        }
        self.assertEqual(
            self._untranslated_in_views(
                self.engineer,
                "helpdesk.ticket",
                ["kanban", "list", "form", "search", "pivot"],
                context,
            ),
            {},
        )
        labels = (
            self.env["helpdesk.ticket"]
            .with_user(self.engineer)
            .with_context(lang="zh_CN")
            .fields_get(["team_id", "user_id", "priority", "channel_id"], ["string"])
        )
        self.assertEqual(
            {fname: value["string"] for fname, value in labels.items()},
            {
                "team_id": "团队",
                "user_id": "负责人",
                "priority": "优先级",
                "channel_id": "渠道",
            },
        )

    def test_configuration_views_have_no_english_helpdesk_label(self):
        for model in ("helpdesk.ticket.stage", "helpdesk.ticket.team"):
            with self.subTest(model=model):
                self.assertEqual(
                    self._untranslated_in_views(
                        self.manager, model, ["list", "form", "search"]
                    ),
                    {},
                )
        stage_fields = (
            self.env["helpdesk.ticket.stage"]
            .with_user(self.manager)
            .with_context(lang="zh_CN")
        )
        self.assertEqual(
            stage_fields.fields_get(["rating_mail_template_id"], ["string"])[
                "rating_mail_template_id"
            ]["string"],
            "评分邮件模板",
        )

    def test_menus_and_records_are_chinese(self):
        menus = (
            self.env["ir.ui.menu"]
            .with_user(self.manager)
            .with_context(lang="zh_CN")
            .load_menus(False)
        )
        root = self.env.ref("helpdesk_mgmt.helpdesk_ticket_main_menu")
        todo, names = [root.id], set()
        while todo:
            menu = menus[todo.pop()]
            names.add(menu["name"])
            todo += menu["children"]
        self.assertIn("服务台", names)
        self.assertFalse(names & self.english)
        env = self.env(context={"lang": "zh_CN"})
        self.assertEqual(
            env.ref("helpdesk_mgmt.helpdesk_ticket_channel_email").name, "邮箱"
        )
        self.assertEqual(
            env.ref("helpdesk_mgmt.hlp_tck_created").description, "工单已创建"
        )

    def test_translations_survive_an_update_of_helpdesk(self):
        """`-u helpdesk_mgmt` rewrites its views and reloads its (absent)
        Chinese; `-u` of helpdesk_mgmt also updates this addon, which loads
        i18n_extra again: the labels stay Chinese even before that."""
        convert_file(
            self.env, "helpdesk_mgmt", "views/helpdesk_ticket_views.xml", {}, "update"
        )
        self.env.ref("base.module_helpdesk_mgmt")._update_translations(
            "zh_CN", overwrite=True
        )
        self.env.ref("base.module_helpdesk_mgmt_rating")._update_translations(
            "zh_CN", overwrite=True
        )
        self.env.invalidate_all()
        self.assertEqual(
            self._untranslated_in_views(
                self.engineer, "helpdesk.ticket", ["form", "list", "search"]
            ),
            {},
        )
        form = (
            self.env["helpdesk.ticket"]
            .with_user(self.engineer)
            .with_context(lang="zh_CN")
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("指派给我", form)


@tagged("post_install", "-at_install")
class TestZhCnPortal(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        load_zh_cn(cls.env)
        cls.english = english_terms()
        customer = cls.env["res.partner"].create(
            {"name": "Hangzhou Water Co.", "is_company": True}
        )
        cls.portal_user = new_portal_user(cls.env, "zh_portal", customer)
        cls.portal_user.lang = "zh_CN"
        product = cls.env["product.product"].create(
            {"name": "Purifier", "type": "consu", "sale_ok": True}
        )
        cls.complaint = cls.env["helpdesk.ticket"].create(
            {
                "name": "Leaking purifier",
                "description": "<p>Water on the floor</p>",
                "team_id": cls.env.ref(
                    "quality_complaint.helpdesk_ticket_team_quality"
                ).id,
                "partner_id": cls.portal_user.partner_id.id,
                "complaint_line_ids": [
                    Command.create({"product_id": product.id, "quantity": 2})
                ],
            }
        )

    def _english_on(self, url):
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200, url)
        tree = html.fromstring(page.text)
        return sorted(set(texts_of(tree.body)) & self.english)

    def test_portal_pages_have_no_english_helpdesk_label(self):
        self.authenticate("zh_portal", "zh_portal")
        for url in (
            "/my",
            "/my/tickets",
            f"/my/ticket/{self.complaint.id}",
            "/my/quality/complaint/new",
        ):
            with self.subTest(url=url):
                self.assertEqual(self._english_on(url), [])
        page = self.url_open("/my/tickets").text
        self.assertIn("工单", page)
        self.assertIn("最新", page)
