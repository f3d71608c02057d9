import re
import shutil
import subprocess
import tempfile
import unicodedata
import unittest

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

LANGS = ("fa_IR", "ar_001", "he_IL", "ru_RU")


def pdf_text(pdf):
    """The text of ``pdf`` as poppler's pdftotext reads it, one space between words, Arabic
    presentation forms read as letters (NFKC) and without the bidi embedding marks poppler
    puts around right-to-left runs."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", file.name, "-"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode()
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    return re.sub(r"\s+", " ", text)


@unittest.skipUnless(
    shutil.which("wkhtmltopdf") and shutil.which("pdftotext"), "needs wkhtmltopdf and poppler"
)
@tagged("post_install", "-at_install")
class TestCustomerDocumentsPdf(AccountTestInvoicingHttpCommon):
    """The letter before action, the reminder letter and the statement printed as real PDFs
    (wkhtmltopdf; Odoo's test-mode shortcut to HTML is turned off with the documented
    ``force_report_rendering`` context key) for Persian, Arabic, Hebrew and Russian customers
    by an English-speaking collector: the text extracted from the PDF is the customer's
    language, in the customer's calendar and digits, words in reading order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in LANGS:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], list(LANGS), overwrite=True
        )
        cls.env.ref("base.lang_fa_IR").collection_native_digits = True
        cls.env.ref("base.lang_ar").collection_calendar = "gregorian_hijri"
        cls.company = cls.env.company
        cls.company.name = "Acme Collections"
        cls.collector = new_test_user(
            cls.env,
            "pdf_collector",
            groups="collection_followup.group_collection_user",
            lang="en_US",
        )
        cls.customers = {}
        for lang, name in (
            ("fa_IR", "نساجی آزاده"),
            ("ar_001", "دار الرياض"),
            ("he_IL", "טקסטיל הגליל"),
            ("ru_RU", "Северный текстиль"),
        ):
            customer = cls.env["res.partner"].create(
                {"name": name, "is_company": True, "lang": lang, "email": f"{lang}@example.com"}
            )
            invoice = cls.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": "2026-01-01",
                    "invoice_date_due": "2026-01-31",
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Consulting", "price_unit": 1250.0, "tax_ids": False}
                        )
                    ],
                }
            )
            invoice.action_post()
            cls.customers[lang] = (customer, invoice)

    def _pdf(self, report_xmlid, records):
        report = self.env["ir.actions.report"].with_user(self.collector)
        pdf, kind = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report_xmlid, records.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        return pdf_text(pdf)

    def _action(self, lang, channel):
        customer, invoice = self.customers[lang]
        level = self.company.collection_policy_id._get_levels().sorted("delay")[-1]
        return self.env["collection.followup.action"].create(
            {
                "partner_id": customer.id,
                "company_id": self.company.id,
                "channel": channel,
                "level_id": level.id,
                "date": "2026-03-02",
                "line_ids": [Command.set(invoice.line_ids.filtered("date_maturity").ids)],
                "amount_due": 1250.0,
                "state": "done",
            }
        )

    def assertInOrder(self, text, *words):
        position = 0
        for word in words:
            found = text.find(word, position)
            self.assertNotEqual(found, -1, f"{word!r} after position {position} in {text!r}")
            position = found + len(word)

    @freeze_time("2026-03-02")
    def test_letter_before_action(self):
        # Persian: Solar Hijri dates, Persian digits (the company's choice in setUpClass);
        # Arabic: the Umm al-Qura date next to the Gregorian one; Hebrew and Russian: Gregorian.
        expected = {
            "fa_IR": (
                "اخطاریه رسمی پیش از اقدام قانونی",
                "۱۴۰۴/۱۱/۱۱",  # due 2026-01-31
                "۱٬۲۵۰٫۰۰",
                "۱۴۰۴/۱۲/۲۵",  # deadline 2026-03-16
            ),
            "ar_001": (
                "إنذار رسمي قبل اتخاذ الإجراءات القانونية",
                "12/08/1447",
                "1,250.00",
                "27/09/1447",
            ),
            "he_IL": ("מכתב התראה", "31/01/2026", "1,250.00", "16/03/2026"),
            "ru_RU": ("Досудебная претензия", "31.01.2026", "1 250,00", "16.03.2026"),
        }
        for lang, (title, due, amount, deadline) in expected.items():
            with self.subTest(lang=lang):
                invoice = self.customers[lang][1]
                text = self._pdf(
                    "collection_followup.action_report_demand_letter", self._action(lang, "demand")
                )
                # Title, then the item with its due date and amount, then the deadline.
                self.assertInOrder(text, title, invoice.name, deadline)
                self.assertIn(due, text)
                self.assertIn(amount, text)
                self.assertNotIn("Letter before action", text)
                self.assertNotIn("If we have not received payment", text)

    @freeze_time("2026-03-02")
    def test_reminder_letter(self):
        for lang in LANGS:
            with self.subTest(lang=lang):
                action = self._action(lang, "letter").with_context(lang=lang)
                text = self._pdf("collection_followup.action_report_followup_letter", action)
                self.assertInOrder(text, action.level_id.name, self.customers[lang][1].name)
                self.assertNotIn("Total overdue", text)

    @freeze_time("2026-03-02")
    def test_statement(self):
        for lang in LANGS:
            with self.subTest(lang=lang):
                customer, invoice = self.customers[lang]
                text = self._pdf("collection_followup.action_report_statement", customer)
                self.assertIn(invoice.name, text)
                self.assertNotIn("Statement of account", text)
