from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestFollowupLanguages(CollectionFollowupCommon):
    """Reminders in the customer's language; default levels named in every installed one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.level_ids.filtered(lambda level: level.delay == 10).name = "Our own words"
        for lang in ("fa_IR", "ar_001"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], ["fa_IR", "ar_001"], overwrite=True
        )

    def test_persian_customer_gets_a_persian_reminder(self):
        customer = self._create_customer("نساجی آزاده", "hesabdari@azadeh.example", lang="fa_IR")
        invoice = self._create_invoice(customer, 980.0, "2026-01-01", due_date="2026-01-01")
        _actions, mails = self._run("2026-01-05")
        mail = self._mails_to(mails, customer)
        self.assertEqual(mail.subject, "یادآوری پرداخت")
        body = str(mail.body_html)
        self.assertIn("4 روز تأخیر", body)
        self.assertIn("جمع مبالغ معوق:", body)
        self.assertIn(invoice.name, body)
        self.assertNotIn("days late", body)
        # Laid out right to left, dates in the Solar Hijri calendar (2026-01-01: 1404/10/11).
        self.assertRegex(body, r'<div dir="rtl" style="text-align: ?right;?">\s*<p>شرکت محترم')
        self.assertIn("1404/10/11", body)

    def test_arabic_and_english_customers_in_the_same_run(self):
        arabic = self._create_customer("دار الرياض", "finance@riyadh.example", lang="ar_001")
        for partner in (arabic, self.customer):
            self._create_invoice(partner, 100.0, "2026-01-01", due_date="2026-01-01")
        _actions, mails = self._run("2026-01-05")
        arabic_mail = self._mails_to(mails, arabic)
        english_mail = self._mails_to(mails, self.customer)
        self.assertEqual(arabic_mail.subject, "تذكير بالسداد")
        self.assertEqual(english_mail.subject, "Payment reminder")
        # Four days late: the Arabic plural of 3 to 10 ("few"), the English plural.
        self.assertIn("تأخير 4 أيام", str(arabic_mail.body_html))
        self.assertIn("4 days late", str(english_mail.body_html))
        # One greeting paragraph, the company addressed as a company.
        self.assertIn("<p>السادة دار الرياض المحترمين، تحية طيبة وبعد،</p>", arabic_mail.body_html)

    def test_new_company_levels_named_in_every_installed_language(self):
        company = self.env["res.company"].create({"name": "Tehran Branch"})
        levels = company.collection_policy_id.level_ids.sorted("delay")
        self.assertEqual(levels.with_context(lang="en_US")[1].name, "Gentle reminder")
        self.assertEqual(levels.with_context(lang="fa_IR")[1].name, "یادآوری محترمانه")
        self.assertEqual(levels.with_context(lang="ar_001")[3].name, "مطالبة رسمية")
        self.assertNotIn("Despite", str(levels.with_context(lang="fa_IR")[2].letter_text))

    def test_language_installed_after_the_addon_names_existing_levels(self):
        # The company existed before Persian and Arabic were installed (setUpClass).
        levels = self.levels.sorted("delay")
        self.assertEqual(levels.with_context(lang="fa_IR")[1].name, "یادآوری محترمانه")
        self.assertEqual(levels.with_context(lang="ar_001")[3].name, "مطالبة رسمية")
        self.assertIn("We formally demand", str(levels.with_context(lang="en_US")[3].letter_text))
        self.assertNotIn(
            "We formally demand", str(levels.with_context(lang="fa_IR")[3].letter_text)
        )
        # A level the accountant renamed keeps its wording in every language.
        self.assertEqual(levels.with_context(lang="fa_IR")[2].name, "Our own words")


@tagged("post_install", "-at_install")
class TestCountedSentences(TransactionCase):
    """Counts read in the plural form of the customer's language, through Odoo's catalogues;
    a translator's slip prints the English sentence, never an error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("ru_RU", "ar_001"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], ["ru_RU", "ar_001"], overwrite=True
        )

    def test_days_late_in_russian_and_arabic(self):
        ru = self.env["res.lang"]._collection_format("ru_RU")
        expected = {
            1: "просрочка 1 день",
            2: "просрочка 2 дня",
            5: "просрочка 5 дней",
            11: "просрочка 11 дней",
            21: "просрочка 21 день",
            22: "просрочка 22 дня",
            25: "просрочка 25 дней",
        }
        for days, text in expected.items():
            self.assertEqual(ru.say("days_late", days), text)
        ar = self.env["res.lang"]._collection_format("ar_001")
        expected = {1: "تأخير يوم واحد", 2: "تأخير يومين", 3: "تأخير 3 أيام", 11: "تأخير 11 يومًا"}
        for days, text in expected.items():
            self.assertEqual(ar.say("days_late", days), text)
        self.assertEqual(ar.say("days_late", 100), "تأخير 100 يوم")
        # Named placeholders where the translation puts them, escaped.
        self.assertEqual(
            ru.say("promise_line", amount="<b>5 ₽</b>", date="01.04.2026"),
            "Вы обещали оплатить &lt;b&gt;5 ₽&lt;/b&gt; до 01.04.2026.",
        )

    def test_malformed_translation_prints_the_english_sentence(self):
        ru = self.env["res.lang"]._collection_format("ru_RU")
        broken = {
            "{count, plural, one {просрочка # день}",  # unbalanced
            "{count, plural, one {просрочка # день} other {просрочка %(x)s}}",  # unknown name
        }
        for translation in broken:
            with (
                self.subTest(translation=translation),
                patch.object(type(ru.env), "_", return_value=translation),
                self.assertLogs("odoo.addons.collection_followup.models.res_lang", "WARNING"),
            ):
                self.assertEqual(ru.say("days_late", 5), "5 days late")


@tagged("post_install", "-at_install")
class TestFormalDemandDigits(CollectionFollowupCommon):
    """The formal demand's time to pay is a count: written in the customer's digits, read in
    the plural of its language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        langs = ["fa_IR", "ar_001", "ru_RU"]
        for lang in langs:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], langs, overwrite=True
        )
        cls.env["res.lang"]._lang_get("fa_IR").collection_native_digits = True

    def _formal_body(self, customer):
        template = self.env.ref("collection_followup.mail_template_followup_formal")
        return str(
            template._render_field(
                "body_html",
                customer.ids,
                compute_lang=True,
                add_context={"items_table": "", "company": self.company},
            )[customer.id]
        )

    def test_persian_formal_demand_in_persian_digits(self):
        customer = self._create_customer("نساجی آزاده", "hesabdari@azadeh.example", lang="fa_IR")
        body = self._formal_body(customer)
        self.assertIn("ظرف ۷ روز", body)
        self.assertNotIn("7", body.split("ظرف", 1)[1].split("روز", 1)[0])
        self.assertIn("شرکت محترم نساجی آزاده، با سلام و احترام،", body)

    def test_russian_and_english_formal_demand_count_the_days(self):
        russian = self._create_customer("Заря", "buh@zarya.example", lang="ru_RU")
        self.assertIn("в течение 7 дней", self._formal_body(russian))
        english = self._formal_body(self.customer)
        self.assertIn("We formally demand payment of the full amount within 7 days.", english)
        ru = self.env["res.lang"]._collection_format("ru_RU")
        self.assertIn("в течение 1 дня.", ru.say("formal_demand", 1))


@tagged("post_install", "-at_install")
class TestDemoLanguages(TransactionCase):
    """The demo's customer languages come with Odoo's own words, not only the addon's."""

    def test_activated_language_has_odoos_translations(self):
        country = self.env.ref("base.ir")
        self.env["res.lang"]._collection_activate_langs(["he_IL"])
        self.assertTrue(self.env["res.lang"]._lang_get("he_IL").active)
        self.assertEqual(country.with_context(lang="he_IL").name, "איראן")
