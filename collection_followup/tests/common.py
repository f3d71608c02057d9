from freezegun import freeze_time

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import MailCommon


class CollectionFollowupCommon(AccountTestInvoicingCommon, MailCommon):
    """Customers, invoices and payments with explicit dates, and a frozen-time follow-up run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"name": "Acme Collections", "email": "ar@acme.example"})
        cls.policy = cls.company.collection_policy_id
        cls.levels = cls.policy._get_levels()
        cls.heads_up, cls.gentle, cls.firm, cls.formal = cls.levels
        cls.customer = cls._create_customer("Northwind Traders", "billing@northwind.example")
        cls.other_customer = cls._create_customer("Contoso Ltd", "ap@contoso.example")

    @classmethod
    def _create_customer(cls, name, email, **values):
        return cls.env["res.partner"].create(
            {"name": name, "email": email, "is_company": True, "lang": "en_US", **values}
        )

    @classmethod
    def _create_invoice(
        cls,
        partner,
        amount,
        invoice_date,
        due_date=None,
        move_type="out_invoice",
        payment_term=None,
        currency=None,
        company=None,
        post=True,
    ):
        """A customer invoice (or credit note) of one untaxed line."""
        company = company or cls.company
        values = {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Consulting",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                ),
            ],
        }
        if payment_term:
            values["invoice_payment_term_id"] = payment_term.id
        elif due_date:
            values["invoice_date_due"] = due_date
        if currency:
            values["currency_id"] = currency.id
        move = cls.env["account.move"].with_company(company).create(values)
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount, payment_date):
        """Register a payment of ``amount`` on ``invoice`` (partial when below its residual)."""
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": payment_date})
            ._create_payments()
        )

    def _run(self, day, companies=None):
        """Run the follow-up on ``day`` and return the actions and the mails it created."""
        with freeze_time(day), self.mock_mail_gateway():
            actions = self.env["res.partner"]._collection_run_followup(companies or self.company)
            mails = self._new_mails
        return actions, mails

    def _mails_to(self, mails, partner):
        return mails.filtered(lambda mail: partner in mail.recipient_ids)

    @staticmethod
    def _date(value):
        return fields.Date.to_date(value)
