import importlib.util
import json
from pathlib import Path

from odoo.modules import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

# The loyalty email as 18.0.2.1 shipped it: the count inside a fragment, no plural forms.
PREVIOUS_LOYALTY = (
    "<div>\n"
    "    <p>Dear <t t-out=\"object.name or ''\">customer</t>,</p>\n"
    "    <p>You have paid your last <t t-out=\"len(invoices) if invoices else ''\">3</t> "
    "invoices on time: thank you! Customers like you make our work easier.</p>\n"
    '    <ul t-if="invoices">\n'
    '        <li t-foreach="invoices" t-as="invoice" t-out="invoice.name">\n'
    "    </li></ul>\n"
    "    <p>Kind regards,<br/><t t-out=\"company.name if company else ''\"/></p>\n"
    "</div>\n"
    "            "
)


@tagged("post_install", "-at_install")
class TestTemplateMigration(TransactionCase):
    """Upgrading to 18.0.2.2: the noupdate customer templates left as the previous version
    shipped them get this version's wording in every language; edited ones are kept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("ar_001", "ru_RU"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], ["ar_001", "ru_RU"], overwrite=True
        )

    def _migration(self):
        folder = Path(get_module_path("collection_followup"), "migrations/18.0.2.2.0")
        spec = importlib.util.spec_from_file_location(
            "collection_followup_migration_18_0_2_2", folder / "post-20-templates.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        previous = json.loads((folder / "previous_templates.json").read_text())
        return module, previous

    def _set(self, template, field, values):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET %s = %s::jsonb WHERE id = %s",
                SQL.identifier(template._table),
                SQL.identifier(field),
                json.dumps(values),
                template.id,
            )
        )
        self.env.invalidate_all()

    def _get(self, template, field):
        self.env.invalidate_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s WHERE id = %s",
                SQL.identifier(field),
                SQL.identifier(template._table),
                template.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def test_previous_wording_is_replaced_edited_wording_kept(self):
        module, previous = self._migration()
        loyalty = self.env.ref("collection_followup.mail_template_loyalty_thanks")
        heads_up = self.env.ref("collection_followup.mail_template_followup_heads_up")
        shipped_heads_up = self._get(heads_up, "body_html")
        # A database of 18.0.2.1: the loyalty email as it shipped then (English only); the
        # heads-up edited by the user in Russian.
        self._set(loyalty, "body_html", {"en_US": PREVIOUS_LOYALTY})
        edited = dict(shipped_heads_up, ru_RU="<div><p>Наш собственный текст</p></div>")
        self._set(heads_up, "body_html", edited)

        with self.assertLogs("odoo.addons.collection_followup.migrations", level="WARNING") as logs:
            refreshed, kept = module.refresh_templates(self.env.cr, previous)

        self.assertIn("collection_followup.mail_template_loyalty_thanks.body_html", refreshed)
        self.assertEqual(kept, ["collection_followup.mail_template_followup_heads_up.body_html"])
        self.assertIn("mail_template_followup_heads_up was edited", logs.output[0])
        self.assertEqual(self._get(heads_up, "body_html"), edited)
        values = self._get(loyalty, "body_html")
        self.assertEqual(set(values), {"en_US", "ar_001", "ru_RU"})
        self.assertIn("say('loyalty_thanks'", values["en_US"])
        self.assertNotIn("You have paid your last", values["en_US"])
        # One greeting paragraph, the company addressed as a company.
        self.assertIn("المحترمين، تحية طيبة وبعد،</p>", values["ar_001"])
        self.assertIn("Уважаемые представители компании", values["ru_RU"])
        self.assertNotIn("Уважаемые господа", values["ru_RU"])

        # What the customer reads: the new sentence, plural-aware, in Russian.
        customer = self.env["res.partner"].create(
            {"name": "Северный текстиль", "is_company": True, "lang": "ru_RU"}
        )
        loyalty.invalidate_recordset()
        body = loyalty.with_context(lang="ru_RU")._render_field(
            "body_html",
            customer.ids,
            add_context={"invoices": self.env["account.move"], "company": self.env.company},
        )[customer.id]
        self.assertIn("Уважаемые представители компании «Северный текстиль»!", body)
        self.assertIn("Ваши последние 0 счетов оплачены в срок", body)

    def test_templates_of_this_version_are_left_alone(self):
        module, previous = self._migration()
        self.assertEqual(module.refresh_templates(self.env.cr, previous), ([], []))
