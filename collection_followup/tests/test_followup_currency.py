from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestAmountsInTheCurrencyOwed(CollectionFollowupCommon):
    """Emails, SMS and letters state what is owed in the invoices' currencies; the
    company-currency figure stays on the action for the accountant."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.euro = cls.setup_other_currency("EUR", rates=[("2025-01-01", 0.92)])
        cls.customer.write({"mobile": "0912 345 6789", "country_id": cls.env.ref("base.ir").id})
        cls.company.collection_skip_levels = False

    def _action(self, actions, channel):
        return actions.filtered(lambda a: a.channel == channel)

    def test_two_currencies_over_three_levels(self):
        self._create_invoice(self.customer, 1000.0, "2025-12-01", "2026-01-01", currency=self.euro)
        dollars = self._create_invoice(self.customer, 50.0, "2025-12-01", "2026-01-01")

        actions, mails = self._run("2026-01-05")
        email = self._action(actions, "email")
        self.assertEqual(email.amount_due, 1136.96)  # 1,086.96 + 50.00, company currency
        body = str(self._mails_to(mails, self.customer).body_html)
        self.assertIn("Total overdue: <strong>1,000.00&nbsp;€ + $&nbsp;50.00</strong>", body)
        self.assertNotIn("1,086.96", body)
        self.assertNotIn("1,136.96", body)

        actions, _mails = self._run("2026-01-12")
        sms = self._action(actions, "sms")
        self.assertEqual(sms.state, "done")
        # Plain spaces: a non-breaking space would make the SMS cost twice as much.
        self.assertIn("2nd reminder, 1,000.00 € + $ 50.00 is overdue", sms.sms_id.body)
        self.assertNotIn("1,086.96", sms.sms_id.body)

        self._pay(dollars, 50.0, "2026-01-20")
        actions, mails = self._run("2026-02-01")
        self.assertEqual(self._action(actions, "email").amount_due, 1086.96)
        self.assertIn(
            "Total overdue: <strong>1,000.00&nbsp;€</strong>",
            str(self._mails_to(mails, self.customer).body_html),
        )
        self.assertIn(
            "formal demand to pay 1,000.00 € within 7 days",
            self._action(actions, "sms").sms_id.body,
        )
        letter = self._action(actions, "letter")
        self.assertEqual(letter.state, "done")
        self.assertEqual(letter.overdue_text, "1,000.00\xa0€")

    def test_a_credit_in_company_currency_reduces_the_foreign_debt_in_its_currency(self):
        self._create_invoice(self.customer, 1000.0, "2025-12-01", "2026-01-01", currency=self.euro)
        self._create_invoice(self.customer, 543.48, "2026-01-02", move_type="out_refund")
        actions, mails = self._run("2026-01-05")
        self.assertEqual(self._action(actions, "email").amount_due, 543.48)
        body = str(self._mails_to(mails, self.customer).body_html)
        self.assertIn("Total overdue: <strong>500.00&nbsp;€</strong>", body)

    def test_a_company_keeping_its_books_in_fils_is_owed_to_the_fils(self):
        """A currency of three decimals (the Kuwaiti dinar): the decision phase adds and
        compares what is owed to the fils: 1,000.125 less a credit of 0.100 is 1,000.025 (in
        cents it would be 1,000.02 or 1,000.03)."""
        dinar = self.env.ref("base.KWD")
        dinar.active = True
        branch = self.setup_other_company(name="Kuwait Branch", currency_id=dinar.id)["company"]
        self.assertEqual(branch.currency_id.decimal_places, 3)
        # half a unit at 2,000.25 (prices have two decimals): 1,000.125
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": branch.id,
                "partner_id": self.customer.id,
                "invoice_date": "2025-12-01",
                "invoice_date_due": "2026-01-01",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Consulting",
                            "quantity": 0.5,
                            "price_unit": 2000.25,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self.assertEqual(invoice.amount_residual, 1000.125)
        self._create_invoice(
            self.customer, 0.1, "2026-01-02", move_type="out_refund", company=branch
        )
        collector = new_test_user(
            self.env,
            "fils_collector",
            groups="collection_followup.group_collection_user",
            company_id=branch.id,
            company_ids=[Command.set(branch.ids)],
        )
        engine = self.env["collection.followup.engine"].with_user(collector).with_company(branch)
        with freeze_time("2026-01-05"):
            decision = engine._decisions(branch)[self.customer.id]
        situation = decision.situation
        self.assertEqual((situation.total_due, situation.overdue), (1000.025, 1000.025))
        self.assertEqual([amount for _item, amount in situation.open_items], [1000.025])
        self.assertEqual(decision.action, "send")
        self.assertEqual(decision.lines.move_id, invoice)
