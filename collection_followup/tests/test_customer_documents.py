import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import unittest
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from ..tools import calendar as cal
from ..tools import pdf_batch
from ..tools.portal_input import InputError, parse_date
from .common import CollectionsPortalCommon

LANGS = ("fa_IR", "ar_001", "he_IL", "ru_RU")
# Each customer's country, and its name in the customer's language (Odoo's translations).
COUNTRIES = {
    "fa_IR": ("base.ir", "ایران"),
    "ar_001": ("base.sa", "المملكة العربية السعودية"),
    "he_IL": ("base.il", "ישראל"),
    "ru_RU": ("base.ru", "Россия"),
}
# The company's country in each language.
COMPANY_COUNTRY = {
    "fa_IR": "ایالات متحده",
    "ar_001": "الولايات المتحدة",
    "he_IL": "ארצות הברית",
    "ru_RU": "США",
}


def pdf_text(pdf):
    """The text of ``pdf`` as poppler's pdftotext reads it, one space between words, Arabic
    presentation forms read as letters (NFKC) and without the bidi embedding marks poppler
    puts around right-to-left runs (nor zero-width non-joiners, which extraction keeps or drops
    depending on the build)."""
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
    text = re.sub("[\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    return re.sub(r"\s+", " ", text)


def pdf_fonts(pdf):
    """The fonts poppler's pdffonts lists in ``pdf``."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(
            ["pdffonts", file.name], capture_output=True, check=True, timeout=60
        ).stdout.decode()


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
        cls.company.country_id = cls.env.ref("base.us")
        for lang, name in COMPANY_COUNTRY.items():
            cls.company.country_id.with_context(lang=lang).name = name
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
            country = cls.env.ref(COUNTRIES[lang][0])
            # Odoo's translation of the country's name, without loading all of base's
            country.with_context(lang=lang).name = COUNTRIES[lang][1]
            customer = cls.env["res.partner"].create(
                {
                    "name": name,
                    "is_company": True,
                    "lang": lang,
                    "email": f"{lang}@example.com",
                    "country_id": country.id,
                }
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

    # Whether the build's text layer keeps the words of right-to-left languages whole (see
    # TestCustomerDocumentsPdfPatchedBuild).
    rtl_words = True

    def _reads_words(self, lang):
        return self.rtl_words or lang not in ("fa_IR", "ar_001", "he_IL")

    def _pdf(self, report_xmlid, records, lang=None):
        report = self.env["ir.actions.report"].with_user(self.collector)
        pdf, kind = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report_xmlid, records.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        if lang in ("fa_IR", "ar_001"):
            # Drawn in the script's font (the page's CSS class), never in boxes.
            self.assertIn("NotoSansArabic", pdf_fonts(pdf))
        return pdf_text(pdf)

    def _action(self, lang, channel):
        customer, invoice = self.customers[lang]
        level = self.company.collection_policy_id._get_levels().sorted("delay")[-1]
        # Set-up: actions are the engine's ledger, written as superuser.
        return (
            self.env["collection.followup.action"]
            .sudo()
            .create(
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
        # The demand as one sentence, in the language's word order: the total and the
        # deadline where the translation puts them.
        demand = {
            "fa_IR": (
                "بدینوسیله رسما",
                "پرداخت کل مبلغ",
                "۱٬۲۵۰٫۰۰",
                "را حداکثر تا",
                "۱۴۰۴/۱۲/۲۵",
                "مطالبه میکنیم",
            ),
            "ar_001": (
                "نطالبكم رسم",
                "بسداد المبلغ الإجمالي وقدره",
                "1,250.00",
                "في موعد أقصاه",
                "27/09/1447",
            ),
            "he_IL": (
                "אנו דורשים בזאת באופן רשמי את תשלום הסכום הכולל בסך",
                "1,250.00",
                "לא יאוחר מ",
                "16/03/2026",
            ),
            "ru_RU": (
                "Настоящим официально требуем уплатить общую сумму",
                "1 250,00",
                "не позднее",
                "16.03.2026",
            ),
        }
        owed = {
            "fa_IR": ("مبالغ زیر که به", "Acme Collections", "بدهکار هستید"),
            "ar_001": ("المستحقة عليكم لصالح", "Acme Collections", "غير مسددة"),
            "he_IL": ("שאתם חייבים ל", "Acme Collections", "טרם שולמו"),
            "ru_RU": ("задолженности перед Acme Collections остаются неоплаченными",),
        }
        for lang, (title, due, amount, deadline) in expected.items():
            with self.subTest(lang=lang):
                invoice = self.customers[lang][1]
                text = self._pdf(
                    "collection_followup.action_report_demand_letter",
                    self._action(lang, "demand"),
                    lang,
                )
                self.assertIn(due, text)
                self.assertIn(amount, text)
                self.assertNotIn("Letter before action", text)
                self.assertNotIn("If we have not received payment", text)
                if not self._reads_words(lang):
                    # The figures in reading order: the item, then the deadline.
                    self.assertInOrder(text, invoice.name, deadline)
                    continue
                # Title, then the item with its due date and amount, then the deadline.
                self.assertInOrder(text, title, invoice.name, deadline)
                self.assertInOrder(text, *owed[lang])
                self.assertInOrder(text, *demand[lang])

    @freeze_time("2026-03-02")
    def test_reminder_letter(self):
        for lang in LANGS:
            with self.subTest(lang=lang):
                action = self._action(lang, "letter").with_context(lang=lang)
                text = self._pdf("collection_followup.action_report_followup_letter", action, lang)
                self.assertNotIn("Total overdue", text)
                self.assertIn(self.customers[lang][1].name, text)
                if self._reads_words(lang):
                    self.assertInOrder(text, action.level_id.name, self.customers[lang][1].name)

    @freeze_time("2026-03-02")
    def test_statement(self):
        titles = {
            "fa_IR": "صورتوضعیت حساب",
            "ar_001": "كشف الحساب",
            "he_IL": "דף חשבון",
            "ru_RU": "Выписка по расчётам",
        }
        for lang in LANGS:
            with self.subTest(lang=lang):
                customer, invoice = self.customers[lang]
                text = self._pdf("collection_followup.action_report_statement", customer, lang)
                self.assertIn(invoice.name, text)
                self.assertNotIn("Statement of account", text)
                if self._reads_words(lang):
                    self.assertInOrder(text, customer.name, titles[lang], invoice.name)

    @freeze_time("2026-03-02")
    def test_the_address_is_in_the_customer_language(self):
        """An English-speaking collector prints: the customer's address, and the company's,
        name their countries in the customer's language in the three documents, not in the
        collector's."""
        documents = {
            "collection_followup.action_report_followup_letter": lambda lang: self._action(
                lang, "letter"
            ),
            "collection_followup.action_report_demand_letter": lambda lang: self._action(
                lang, "demand"
            ),
            "collection_followup.action_report_statement": lambda lang: self.customers[lang][0],
        }
        report = self.env["ir.actions.report"].with_user(self.collector)
        for lang, (country, native) in COUNTRIES.items():
            english = self.env.ref(country).with_context(lang="en_US").name
            for xmlid, records in documents.items():
                with self.subTest(lang=lang, report=xmlid):
                    html, _kind = report._render_qweb_html(xmlid, records(lang).ids)
                    html = html.decode()
                    self.assertIn(native, html)
                    self.assertNotIn(english, html)
                    self.assertIn(COMPANY_COUNTRY[lang], html)
                    self.assertNotIn("United States", html)


@tagged("post_install", "-at_install")
class TestCustomerDocumentsPdfPatchedBuild(TestCustomerDocumentsPdf):
    """The same documents printed by a wkhtmltopdf built against the patched Qt (``make
    test`` gets one and gives its path in CF_WKHTMLTOPDF_PATCHED): the Persian and Arabic
    letters read right with both kinds of build."""

    allow_inherited_tests_method = True
    # Qt 4.8 writes each glyph of a right-to-left word on its own, from right to left, with
    # widths a little off the font's (and Arabic contextual glyphs as presentation forms): the
    # pages look right (the same fonts as the other build), but text extractors cut Persian,
    # Arabic and some Hebrew words into pieces. Their figures are read, in order.
    rtl_words = False

    def setUp(self):
        super().setUp()
        binary = os.environ.get("CF_WKHTMLTOPDF_PATCHED")
        if not binary or not os.access(binary, os.X_OK):
            self.skipTest("no patched wkhtmltopdf (CF_WKHTMLTOPDF_PATCHED)")
        self.assertTrue(pdf_batch.is_patched_build(binary))
        self.startPatcher(
            patch(
                "odoo.addons.base.models.ir_actions_report._get_wkhtmltopdf_bin",
                return_value=binary,
            )
        )


@tagged("post_install", "-at_install")
class TestCalendarsAndDigits(TransactionCase):
    """Dates in the customer's calendar (the libraries' conversions), figures in its digits,
    and dates typed back in that calendar."""

    def test_solar_hijri_dates_both_ways(self):
        self.assertEqual(cal.format_date(date(2026, 3, 20), cal.JALALI, ""), "1404/12/29")
        self.assertEqual(cal.format_date(date(2026, 3, 21), cal.JALALI, ""), "1405/01/01")
        for typed in ("1405/01/11", "۱۴۰۵/۰۱/۱۱", "١٤٠٥-٠١-١١", "11/01/1405", "2026-03-31"):
            with self.subTest(typed=typed):
                self.assertEqual(cal.parse_date(typed, cal.JALALI), date(2026, 3, 31))
        for wrong in ("1405/13/01", "1404/12/31", "11-01", "tomorrow"):
            with self.subTest(wrong=wrong), self.assertRaises(ValueError):
                cal.parse_date(wrong, cal.JALALI)

    def test_umm_al_qura_date_next_to_the_gregorian_one(self):
        day = date(2026, 3, 2)
        self.assertEqual(
            cal.format_date(day, cal.GREGORIAN_HIJRI, "02/03/2026"), "02/03/2026 (13/09/1447 هـ)"
        )
        self.assertEqual(
            cal.format_date(date(2100, 1, 1), cal.GREGORIAN_HIJRI, "01/01/2100"),
            "01/01/2100",
            "outside the Umm al-Qura tables: the Gregorian date alone",
        )
        self.assertEqual(cal.parse_date("1447/09/13", cal.GREGORIAN_HIJRI), day)

    def test_native_digits(self):
        self.assertEqual(cal.to_native_digits("1,234.50", "fa_IR"), "۱٬۲۳۴٫۵۰")
        self.assertEqual(cal.to_native_digits("$ 1,234.50", "ar_001"), "$ ١٬٢٣٤٫٥٠")
        self.assertEqual(cal.to_native_digits("1,234.50", "ru_RU"), "1,234.50")
        self.assertEqual(cal.to_latin_digits("۰۹۱۲ ٣٤٥"), "0912 345")

    def test_customer_format_of_a_language(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env.ref("base.lang_fa_IR").collection_native_digits = True
        persian = self.env["res.lang"]._collection_format("fa_IR")
        self.assertEqual((persian.direction, persian.script), ("rtl", "arabic"))
        self.assertEqual(persian.date(date(2026, 3, 31)), "۱۴۰۵/۰۱/۱۱")
        english = self.env["res.lang"]._collection_format("en_US")
        self.assertEqual((english.direction, english.calendar), ("ltr", "gregorian"))
        self.assertEqual(english.date(date(2026, 3, 31)), "03/31/2026")
        self.assertEqual(english.amount(1234.5, self.env.ref("base.USD"), sms=True), "$ 1,234.50")

    def test_portal_reads_a_promise_date_typed_in_the_solar_hijri_calendar(self):
        today, last = date(2026, 3, 1), date(2026, 4, 30)
        self.assertEqual(
            parse_date("۱۴۰۵/۰۱/۱۱", today, last, calendar=cal.JALALI), date(2026, 3, 31)
        )
        with self.assertRaises(InputError):
            parse_date("1405/03/01", today, last, calendar=cal.JALALI)  # after the last day
        with self.assertRaises(InputError):
            parse_date("31/03/2026", today, last, calendar=cal.GREGORIAN)  # ISO only


@tagged("post_install", "-at_install")
class TestPersianCollectionsPage(CollectionsPortalCommon):
    """A Persian customer's page: the level in Persian, dates in the Solar Hijri calendar,
    and a promise date typed in it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], ["fa_IR"], overwrite=True
        )
        cls.env["res.company"]._collection_translate_default_levels(
            cls.company.collection_policy_id.level_ids, ["fa_IR"]
        )
        cls.customer.lang = "fa_IR"

    def test_persian_page_and_promise(self):
        today = fields.Date.context_today(self.customer)
        page = self._visit().text
        self.assertIn('dir="rtl"', page)
        # The level reached, in Persian for every visitor of the link (never in English).
        levels = self.company.collection_policy_id.level_ids
        english = levels.with_context(lang="en_US").mapped("name")
        persian = levels.with_context(lang="fa_IR").mapped("name")
        self.assertFalse([name for name in english if f">{name}<" in page])
        self.assertTrue([name for name in persian if f'o_collection_level">{name}<' in page])
        self.assertIn('name="date" class="form-control"', page)
        self.assertIn('inputmode="numeric"', page, "a text field for the Solar Hijri date")
        in_30 = today + timedelta(days=30)
        typed = cal.to_native_digits(cal.format_date(in_30, cal.JALALI, ""), "fa_IR")
        response = self._post(
            "promise", {"company_id": self.company.id, "date": typed, "amount": "1250"}
        )
        self.assertEqual(response.status_code, 303, response.text[:300])
        promise = self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(promise.date, in_30)
