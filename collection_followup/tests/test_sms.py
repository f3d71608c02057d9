from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools import sms as sms_tools
from .common import CollectionFollowupCommon

LANGS = ("en_US", "fa_IR", "ar_001", "he_IL", "ru_RU")
# Typical values: a company name of 16 characters, 12,345.67 in the company currency.
COMPANY_NAME = "Acme Collections"
AMOUNT = 12345.67


@tagged("post_install", "-at_install")
class TestSmsSegments(CollectionFollowupCommon):
    """Every SMS template fits in two segments in every language with typical values, and an
    English SMS stays in the GSM-7 alphabet."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in LANGS[1:]:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], list(LANGS[1:]), overwrite=True
        )
        cls.env["ir.config_parameter"].set_param("web.base.url", "https://erp.example.com")
        cls.company.name = COMPANY_NAME

    def test_segment_arithmetic(self):
        self.assertEqual(sms_tools.segments("a" * 160), ("gsm7", 1))
        self.assertEqual(sms_tools.segments("a" * 161), ("gsm7", 2))
        self.assertEqual(sms_tools.segments("a" * 306), ("gsm7", 2))
        self.assertEqual(sms_tools.segments("a" * 307), ("gsm7", 3))
        self.assertEqual(sms_tools.segments("€" * 80), ("gsm7", 1), "extension: 2 septets each")
        self.assertEqual(sms_tools.segments("€" * 81), ("gsm7", 2))
        self.assertEqual(sms_tools.segments("ب" * 70), ("ucs2", 1))
        self.assertEqual(sms_tools.segments("ب" * 71), ("ucs2", 2))
        self.assertEqual(sms_tools.segments("ب" * 134), ("ucs2", 2))
        self.assertEqual(sms_tools.segments("ب" * 135), ("ucs2", 3))
        self.assertEqual(sms_tools.segments("$\xa01.00"), ("ucs2", 1), "NBSP is not GSM-7")

    def _followup_sms(self, template, lang):
        """The follow-up SMS ``template`` for a customer writing ``lang``, with the values the
        run gives it (collection.followup.action._sms_values)."""
        customer = self._create_customer(f"Customer {lang}", f"{lang}@example.com", lang=lang)
        # Set-up: actions are the engine's ledger, written as superuser.
        action = (
            self.env["collection.followup.action"]
            .sudo()
            .create({"partner_id": customer.id, "company_id": self.company.id, "channel": "sms"})
        )
        link = self.env["collection.portal.link"]._mint(customer, self.company, action=action)
        due = fields.Date.to_date("2026-03-31")
        render_context = {
            "company": self.company,
            "currency": self.company.currency_id,
            "overdue": AMOUNT,
            "total_due": AMOUNT,
            "items": [{"due_date": due}],
            "discount_offers": [
                {"percent_text": "2.5", "deadline": fields.Date.to_date("2026-03-10")}
            ],
        }
        render_context.update(action._sms_values(customer, render_context, link))
        return template._render_field(
            "body", customer.ids, compute_lang=True, add_context=render_context
        )[customer.id]

    def _plan_sms(self, lang):
        customer = self._create_customer(
            f"Plan {lang}", f"plan.{lang}@example.com", lang=lang, mobile="+1 617 555 0142"
        )
        invoice = self._create_invoice(customer, AMOUNT * 3, "2026-01-01", due_date="2026-01-31")
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": customer.id,
                "move_ids": [(6, 0, invoice.ids)],
                "installment_count": 3,
                "frequency": "monthly",
                "first_date": "2026-02-01",
            }
        )
        plan.action_compute_schedule()
        installment, status = plan._statuses()[0]
        with self.mock_mail_gateway():
            installment._send_reminder(
                self.env.ref("collection_followup.mail_template_payment_plan_reminder"), status
            )
        return self.env["sms.sms"].search([("partner_id", "=", customer.id)], limit=1).body

    @freeze_time("2026-03-01")
    def test_every_sms_template_fits_two_segments_in_every_language(self):
        templates = [
            self.env.ref(f"collection_followup.sms_template_followup_{key}")
            for key in ("heads_up", "gentle", "firm", "formal")
        ]
        for lang in LANGS:
            for template in templates:
                with self.subTest(lang=lang, template=template.name):
                    body = self._followup_sms(template, lang)
                    encoding, count = sms_tools.segments(body)
                    self.assertLessEqual(count, 2, f"{count} segments: {body}")
                    self.assertEqual(encoding, "gsm7" if lang == "en_US" else "ucs2", body)
                    self.assertIn("https://erp.example.com/c/", body)
                    self.assertNotIn("/my/invoices/", body)
                    self.assertNotIn("\xa0", body)
        for lang in LANGS:
            with self.subTest(lang=lang, template="instalment reminder"):
                body = self._plan_sms(lang)
                encoding, count = sms_tools.segments(body)
                self.assertLessEqual(count, 2, f"{count} segments: {body}")
                self.assertEqual(encoding, "gsm7" if lang == "en_US" else "ucs2", body)
                self.assertIn("https://erp.example.com/c/", body)

    @freeze_time("2026-03-01")
    def test_formal_demand_sms_gives_the_days_in_the_customers_digits(self):
        template = self.env.ref("collection_followup.sms_template_followup_formal")
        self.env["res.lang"]._lang_get("fa_IR").collection_native_digits = True
        persian = self._followup_sms(template, "fa_IR")
        self.assertIn("ظرف ۷ روز", persian)
        self.assertNotIn("7", persian.split("ظرف", 1)[1].split("روز", 1)[0])
        self.assertIn("within 7 days", self._followup_sms(template, "en_US"))

    def test_heads_up_sms_carries_the_discount_and_the_date(self):
        template = self.env.ref("collection_followup.sms_template_followup_heads_up")
        self.assertEqual(
            self._followup_sms(template, "en_US").split(": https")[0],
            "Acme Collections: $ 12,345.67 due on 03/31/2026. 2.5% off if paid by 03/10/2026."
            " Pay",
        )
        self.env.ref("base.lang_fa_IR").collection_native_digits = True
        persian = self._followup_sms(template, "fa_IR")
        self.assertIn("۱۴۰۵/۰۱/۱۱", persian)  # 2026-03-31 in the Solar Hijri calendar
        self.assertIn("۱۲٬۳۴۵٫۶۷", persian)


@tagged("post_install", "-at_install")
class TestSmsToMobilesOnly(CollectionFollowupCommon):
    """Landlines and toll-free numbers get no SMS: the SMS action fails with the reason, the
    email still goes; the portal refuses them as the customer's SMS number."""

    NUMBERS = {
        # country: (landline, mobile)
        "ru": ("+7 495 123-45-67", "+7 912 345-67-89"),  # Moscow
        "ir": ("021 1234 5678", "0912 345 6789"),  # Tehran
        "sa": ("011 234 5678", "050 123 4567"),  # Riyadh
        "ae": ("04 312 3456", "050 123 4567"),  # Dubai
        "il": ("03-612-3456", "052-612-3456"),  # Tel Aviv
    }

    def test_landlines_record_a_failed_sms_mobiles_get_it(self):
        customers = {}
        for code, (landline, mobile) in self.NUMBERS.items():
            country = self.env.ref(f"base.{code}")
            for kind, number in (("landline", landline), ("mobile", mobile)):
                customer = self._create_customer(
                    f"{code} {kind}", f"{code}.{kind}@example.com", mobile=number
                )
                customer.country_id = country
                self._create_invoice(customer, 1000.0, "2026-01-01", due_date="2026-01-01")
                customers[code, kind] = customer
        actions, mails = self._run("2026-01-12")  # firmer reminder: email + SMS
        sms_actions = actions.filtered(lambda action: action.channel == "sms")
        for (code, kind), customer in customers.items():
            with self.subTest(country=code, kind=kind):
                action = sms_actions.filtered(lambda a, c=customer: a.partner_id == c)
                if kind == "mobile":
                    self.assertEqual(action.state, "done", action.error)
                    self.assertTrue(action.sms_id)
                else:
                    self.assertEqual(action.state, "failed")
                    self.assertFalse(action.sms_id)
                    self.assertIn(
                        "is a landline: text messages go to mobile numbers only", action.error
                    )
                    self.assertTrue(self._mails_to(mails, customer), "the email still went")

    def test_an_invoice_contact_without_a_number_gets_it_on_the_customers_mobile(self):
        customer = self._create_customer(
            "Followed Co", "office@followed.example", mobile="+7 912 345-67-89"
        )
        customer.country_id = self.env.ref("base.ru")
        contact = self.env["res.partner"].create(
            {
                "name": "Accounts payable",
                "type": "invoice",
                "parent_id": customer.id,
                "email": "ap@followed.example",
            }
        )
        with_number = self._create_customer(
            "Numbered Co", "office@numbered.example", mobile="+7 912 000-00-01"
        )
        self.env["res.partner"].create(
            {
                "name": "Accounts payable",
                "type": "invoice",
                "parent_id": with_number.id,
                "email": "ap@numbered.example",
                "mobile": "+7 495 123-45-67",  # a Moscow landline: its own number is used
            }
        )
        for partner in (customer, with_number):
            self._create_invoice(partner, 1000.0, "2026-01-01", due_date="2026-01-01")
        actions, mails = self._run("2026-01-12")  # firmer reminder: email + SMS
        sms = actions.filtered(lambda action: action.channel == "sms")
        followed = sms.filtered(lambda action: action.partner_id == customer)
        self.assertEqual(followed.state, "done", followed.error)
        self.assertEqual(followed.recipient_id, customer)
        self.assertEqual(followed.sms_number, "+79123456789")
        self.assertEqual(
            self._mails_to(mails, contact).recipient_ids.mapped("email"), ["ap@followed.example"]
        )
        numbered = sms.filtered(lambda action: action.partner_id == with_number)
        self.assertEqual(numbered.state, "failed")
        self.assertIn("is a landline", numbered.error)

    def test_toll_free_number_is_refused(self):
        customer = self._create_customer("Toll free", "tf@example.com", mobile="8 800 123-45-67")
        customer.country_id = self.env.ref("base.ru")
        with self.assertRaisesRegex(UserError, "is a toll-free number"):
            customer._collection_e164(customer.country_id)

    def test_portal_refuses_a_landline_as_sms_number(self):
        customer = self._create_customer("Riyadh Trading", "sa@example.com")
        customer.country_id = self.env.ref("base.sa")
        # What the portal's /mobile route calls once it checked the visitor (sudo-ed).
        with self.assertRaisesRegex(UserError, "is a landline"):
            customer.sudo()._action_set_mobile_from_portal("011 234 5678")
        self.assertFalse(customer.mobile)
        customer.sudo()._action_set_mobile_from_portal("050 123 4567")
        self.assertEqual(customer.mobile, "+966501234567")
