from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_agency import AgencyCommon


@tagged("post_install", "-at_install")
class TestDemandLetter(AgencyCommon):
    """The letter before action: every overdue item, fees and interest, a final deadline and
    the consequences, in the customer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.write({"street": "5 Market Street", "city": "Springfield"})
        cls.env["res.partner.bank"].create(
            {"acc_number": "US00 1234 5678 9012", "partner_id": cls.company.partner_id.id}
        )
        cls.first = cls._create_invoice(cls.customer, 1234.56, "2026-01-01", "2026-01-01")
        cls.second = cls._create_invoice(cls.customer, 765.44, "2026-01-15", "2026-02-01")
        cls.fee = cls._create_invoice(cls.customer, 40.00, "2026-02-15", "2026-02-15")
        cls.not_due = cls._create_invoice(cls.customer, 300.00, "2026-02-20", "2026-04-01")

    def _print_letter(self, day, partner=None):
        with freeze_time(day):
            report_action = (partner or self.customer).action_collection_demand_letter()
        action = self.env["collection.followup.action"].browse(
            report_action["context"]["active_ids"]
        )
        return report_action, action

    def test_letter_from_the_customer_has_the_total_deadline_and_consequences(self):
        report_action, action = self._print_letter("2026-03-02")
        self.assertEqual(report_action["report_name"], "collection_followup.report_demand_letter")
        self.assertRecordValues(
            action,
            [
                {
                    "channel": "demand",
                    "state": "done",
                    "date": self._date("2026-03-02"),
                    "amount_due": 2040.00,
                    "recipient_id": self.customer.id,
                }
            ],
        )
        self.assertEqual(action.line_ids.move_id, self.first | self.second | self.fee)
        self.assertEqual(action.attachment_id.res_id, action.id)
        self.assertIn(action, self.customer.collection_action_ids)
        with freeze_time("2026-03-02"):
            text = self._report_text("collection_followup.action_report_demand_letter", action.ids)
        self.assertIn("Letter before action: final demand for payment", text)
        for line in (
            f"{self.first.name} 01/01/2026 01/01/2026 60 $ 1,234.56",
            f"{self.second.name} 01/15/2026 02/01/2026 29 $ 765.44",
            f"{self.fee.name} 02/15/2026 02/15/2026 15 $ 40.00",
            "Items still owed $ 2,040.00 Fees and interest $ 0.00 Total $ 2,040.00",
            "formally demand payment of the total amount of $ 2,040.00 no later than 03/16/2026.",
            "hand the debt over to a collection agency or start legal proceedings",
            "account US00 1234 5678 9012, with the reference "
            f"{self.first.name}, {self.second.name}, {self.fee.name}",
            "Yours faithfully, Acme Collections 5 Market Street",
        ):
            self.assertIn(line, text)
        self.assertNotIn(self.not_due.name, text, "not due yet: not demanded")
        # The kept copy is the same letter.
        kept = action.attachment_id.raw.decode()
        self.assertIn("Letter before action", kept)
        self.assertIn("2,040.00", kept)

    def test_deadline_days_are_a_setting(self):
        self.company.collection_demand_days = 8
        _report_action, action = self._print_letter("2026-03-02")
        with freeze_time("2026-03-02"):
            text = self._report_text("collection_followup.action_report_demand_letter", action.ids)
        self.assertIn("no later than 03/10/2026.", text)
        with self.assertRaisesRegex(ValidationError, "at least one day"):
            self.company.collection_demand_days = 0

    def test_letter_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        _report_action, action = self._print_letter("2026-03-02")
        with freeze_time("2026-03-02"):
            text = self._report_text("collection_followup.action_report_demand_letter", action.ids)
        self.assertIn("$ 2 040,00 no later than 16/03/2026.", text)
        self.assertIn(f"{self.second.name} 15/01/2026 01/02/2026 29 $ 765,44", text)

    def test_letter_in_russian_persian_and_arabic_greets_the_customer(self):
        langs = ["ru_RU", "fa_IR", "ar_001"]
        for lang in langs:
            self.env["res.lang"]._activate_lang(lang)
        self.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], langs, overwrite=True
        )
        name = self.customer.name
        for lang, title, greeting in (
            (
                "ru_RU",
                "Досудебная претензия: последнее требование об оплате",
                f"Уважаемые представители компании «{name}»!",
            ),
            (
                "fa_IR",
                "اخطاریه رسمی پیش از اقدام قانونی: آخرین مطالبه پرداخت",
                f"شرکت محترم {name}، با سلام و احترام،",
            ),
            ("ar_001", None, f"السادة {name} المحترمين، تحية طيبة وبعد،"),
        ):
            self.customer.lang = lang
            _report_action, action = self._print_letter("2026-03-02")
            with freeze_time("2026-03-02"):
                text = self._report_text(
                    "collection_followup.action_report_demand_letter", action.ids
                )
            if title:
                self.assertIn(title, text)
            self.assertIn(greeting, text)
            self.assertNotIn("Letter before action", text)
            self.assertNotIn("Dear", text)

    def test_interest_apart_then_booked_fees_as_items(self):
        rule = self.env["collection.late.fee.rule"].create(
            {"name": "Late fee", "fixed_amount": 40.0, "interest": "fixed", "annual_rate": 10.0}
        )
        self.policy.late_fee_rule_id = rule
        invoice = self._create_invoice(self.other_customer, 1000.0, "2026-01-01", "2026-01-31")
        # Nothing booked yet: 40 + 1,000 x 10 % x 30/365 = 48.22 if paid on the letter's date.
        _report_action, action = self._print_letter("2026-03-02", partner=self.other_customer)
        with freeze_time("2026-03-02"):
            text = self._report_text("collection_followup.action_report_demand_letter", action.ids)
        self.assertIn(f"Fees and interest Amount {invoice.name}: Late fee", text)
        self.assertIn(
            "Items still owed $ 1,000.00 Fees and interest $ 48.22 Total $ 1,048.22", text
        )
        self.assertIn("total amount of $ 1,048.22 no later than 03/16/2026.", text)
        # Booked the same day: the fee document is an item (due at once), nothing on top.
        with freeze_time("2026-03-02"):
            fee = rule._charge(invoice, self._date("2026-03-02"), "2026-03-02")
        document = fee.fee_move_id
        self.assertEqual(document.amount_total, 48.22)
        _report_action, action = self._print_letter("2026-03-02", partner=self.other_customer)
        self.assertEqual(action.line_ids.move_id, invoice | document)
        with freeze_time("2026-03-02"):
            text = self._report_text("collection_followup.action_report_demand_letter", action.ids)
        self.assertIn(f"{document.name} 03/02/2026 03/02/2026 0 $ 48.22", text)
        self.assertIn("Items still owed $ 1,048.22 Fees and interest $ 0.00 Total $ 1,048.22", text)
        # Ten days later: the interest of the ten days comes on top (50.96 - 48.22 = 2.74).
        _report_action, action = self._print_letter("2026-03-12", partner=self.other_customer)
        with freeze_time("2026-03-12"):
            text = self._report_text("collection_followup.action_report_demand_letter", action.ids)
        self.assertIn("Items still owed $ 1,048.22 Fees and interest $ 2.74 Total $ 1,050.96", text)
        self.assertIn("no later than 03/26/2026.", text)

    def test_level_channel_prints_the_letter_after_booking_the_fees(self):
        self.formal.send_demand_letter = True
        self.formal.late_fee_rule_id = self.env["collection.late.fee.rule"].create(
            {"name": "Formal demand fee", "fixed_amount": 40.0}
        )
        self.assertEqual(self.formal._get_channels(), ["fee", "email", "sms", "letter", "demand"])
        with mute_logger("odoo.addons.collection_followup.models.collection_followup_action"):
            actions, _mails = self._run("2026-02-16")  # 46 days: the formal demand
        fee_action = actions.filtered(lambda a: a.channel == "fee")
        self.assertEqual(fee_action.state, "done")
        documents = self.env["collection.late.fee"].search([("action_id", "=", fee_action.id)])
        # Each item reaches the levels on its own days: only the first invoice (46 days late)
        # reaches the formal demand and bears its fee; the second (15 days) is at the firm
        # level, the third (1 day) at none.
        self.assertEqual(documents.move_id, self.first)
        self.assertEqual(documents.amount, 40.0)
        demand = actions.filtered(lambda a: a.channel == "demand")
        self.assertRecordValues(demand, [{"state": "done", "level_id": self.formal.id}])
        # The fee of 40.00 booked a moment before is an item of the letter.
        self.assertEqual(
            demand.line_ids.move_id,
            self.first | self.second | self.fee | documents.fee_move_id,
        )
        with freeze_time("2026-02-16"):
            text = self._report_text("collection_followup.action_report_demand_letter", demand.ids)
        self.assertIn("Items still owed $ 2,080.00 Fees and interest $ 0.00 Total $ 2,080.00", text)
        content = demand.attachment_id.raw.decode()
        self.assertIn("Letter before action", content)
        self.assertIn("2,080.00", content)

    def test_nothing_overdue_or_at_an_agency_no_letter(self):
        with self.assertRaisesRegex(UserError, "Contoso Ltd has nothing overdue"):
            self._print_letter("2026-03-02", partner=self.other_customer)
        self.agency.min_days_overdue = 30
        self._handover("2026-03-02")
        with self.assertRaisesRegex(UserError, "with a collection agency"):
            self._print_letter("2026-03-03")


@tagged("post_install", "-at_install")
class TestCourtFile(AgencyCommon):
    """The court case file: the statement of account and the full history of the claim."""

    def test_statement_and_full_history(self):
        invoice = self._create_invoice(self.customer, 2000.0, "2026-01-01", "2026-01-01")
        disputed = self._create_invoice(self.customer, 450.0, "2026-01-05", "2026-01-20")
        with mute_logger("odoo.addons.collection_followup.models.collection_followup_action"):
            self._run("2026-01-04")  # gentle reminder by email
            self._run("2026-01-11")  # firmer: email, SMS (no number: failed, not listed)
        with freeze_time("2026-01-12"):
            kept = self.env["collection.promise"].create(
                {"partner_id": self.customer.id, "amount": 300.0, "date": "2026-01-15"}
            )
        self._set_create_date(kept, "2026-01-12 09:00:00")
        with freeze_time("2026-01-14"):
            self._pay(invoice, 300.0, "2026-01-14")
        self.assertEqual(kept.state, "kept")
        with freeze_time("2026-01-20"):
            broken = self.env["collection.promise"].create(
                {"partner_id": self.customer.id, "amount": 500.0, "date": "2026-01-25"}
            )
        self._set_create_date(broken, "2026-01-20 09:00:00")
        with freeze_time("2026-02-01"):
            self.env["collection.promise"]._cron_check_promises()
        self.assertEqual(broken.state, "broken")
        dispute = self.env["collection.dispute"].create(
            {"move_id": disputed.id, "reason": "not_satisfied", "message": "Late delivery"}
        )
        self._set_create_date(dispute, "2026-01-22 09:00:00")
        dispute.action_resume()
        with freeze_time("2026-03-02"):
            letter_action = self.customer.action_collection_demand_letter()
            report_action = self.customer.action_collection_court_file()
            self.assertEqual(report_action["report_name"], "collection_followup.report_court_file")
            self.assertEqual(report_action["data"], {"company_id": self.company.id})
            text = self._report_text(
                "collection_followup.action_report_court_file",
                self.customer.ids,
                report_action["data"],
            )
        self.assertTrue(letter_action)
        self.assertIn("Court case file: Northwind Traders", text)
        # The statement: every open item, the disputed one included.
        self.assertIn(f"{invoice.name} 01/01/2026 01/01/2026 60 $ 2,000.00 $ 1,700.00", text)
        self.assertIn(f"{disputed.name} 01/05/2026 01/20/2026 41 $ 450.00 $ 450.00", text)
        self.assertIn("Items still owed $ 2,150.00 Fees and interest $ 0.00 Total $ 2,150.00", text)
        events = [
            "01/04/2026 Reminder Gentle reminder Email to Northwind Traders $ 2,000.00 Email",
            "01/11/2026 Reminder Firmer reminder Email to Northwind Traders $ 2,000.00 Email",
            f"01/12/2026 Promise to pay {invoice.name} Promised to pay $ 300.00 by 01/15/2026 "
            "$ 300.00 Kept",
            f"01/14/2026 Payment {invoice.line_ids.matched_credit_ids.credit_move_id.move_id.name}"
            f" Payment on {invoice.name} $ 300.00",
            "01/20/2026 Promise to pay",
            "Promised to pay $ 500.00 by 01/25/2026 $ 500.00 Broken",
            f"01/22/2026 Dispute {disputed.name} Not satisfied with the work — Late delivery "
            "$ 450.00 Resolved: Follow-up resumed",
            "03/02/2026 Reminder Letter Before Action Letter Before Action to Northwind Traders "
            "$ 2,150.00 Letter Before Action",
        ]
        positions = [text.index(event) for event in events]
        self.assertEqual(positions, sorted(positions))
        self.assertNotIn("SMS to", text, "a failed SMS was not sent")
