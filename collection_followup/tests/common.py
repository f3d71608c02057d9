import re
from html import unescape as html_unescape

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import (
    AccountTestInvoicingCommon,
    AccountTestInvoicingHttpCommon,
)
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
            actions = self.env["collection.followup.engine"]._run_followup(
                companies or self.company
            )
            mails = self._new_mails
        return actions, mails

    def _mails_to(self, mails, partner):
        return mails.filtered(lambda mail: partner in mail.recipient_ids)

    @staticmethod
    def _date(value):
        return fields.Date.to_date(value)


class CollectionsPortalCommon(AccountTestInvoicingHttpCommon):
    """Two customers with invoices, each with a portal user; the backend roles; helpers to
    open a customer's link and post on its collections page like a browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.email = "ar@company.example"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Northwind Traders", "email": "ap@northwind.example", "is_company": True}
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Contoso Ltd", "email": "ap@contoso.example", "is_company": True}
        )
        cls.invoice = cls._portal_invoice(cls.customer, 1250.0, "2026-01-01")
        cls.not_due = cls._portal_invoice(cls.customer, 300.0, "2099-01-01")
        cls.other_invoice = cls._portal_invoice(cls.other, 777.0, "2026-01-01")
        cls.customer_user = cls._portal_user("northwind_portal", "Nora Northwind", cls.customer)
        cls.other_user = cls._portal_user("contoso_portal", "Carl Contoso", cls.other)
        cls.employee = new_test_user(cls.env, "employee", groups="base.group_user")
        cls.clerk = new_test_user(cls.env, "clerk", groups="account.group_account_invoice")
        cls.collector = new_test_user(
            cls.env, "collector", groups="collection_followup.group_collection_user"
        )
        cls.manager = new_test_user(
            cls.env, "manager", groups="collection_followup.group_collection_manager"
        )

    @classmethod
    def _portal_invoice(cls, partner, amount, due, **values):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": "2025-12-01",
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Work", "price_unit": amount, "tax_ids": [Command.clear()]}
                    )
                ],
                **values,
            }
        )
        move.action_post()
        return move

    @classmethod
    def _portal_user(cls, login, name, customer):
        contact = cls.env["res.partner"].create(
            {"name": name, "parent_id": customer.id, "email": f"{login}@example.com"}
        )
        return new_test_user(
            cls.env, login, groups="base.group_portal", partner_id=contact.id, name=name
        )

    # ------------------------------------------------------------------
    # Browsing
    # ------------------------------------------------------------------

    def _link(self, partner=None):
        """A new link of ``partner``'s (default: the customer's) collections page, as a path."""
        url = self.env["collection.portal.link"]._mint(partner or self.customer, self.company)
        return "/" + url.split("//", 1)[1].split("/", 1)[1]

    def _visit(self, partner=None):
        """Open a new link in a fresh session, like a customer clicking it in an email;
        returns the page the link lands on."""
        self.authenticate(None, None)
        return self.url_open(self._link(partner))

    def _csrf(self, page="/collections"):
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open(page).text)
        return match.group(1)

    def _post(self, what, data=None, files=None, page="/collections"):
        """POST a form of the page, with the CSRF token of the visitor's session."""
        return self.url_open(
            f"{page}/{what}",
            data={"csrf_token": self._csrf(page), **(data or {})},
            files=files,
            allow_redirects=False,
        )

    def _message(self, page="/collections"):
        """The message the page shows once (after a statement), or None."""
        match = re.search(r'o_collection_message"[^>]*>([^<]*)<', self.url_open(page).text)
        return match and html_unescape(match.group(1))

    @staticmethod
    def _error(response):
        """The sentence of a refused request's page."""
        match = re.search(r'o_collection_error"[^>]*>([^<]*)<', response.text)
        return match and html_unescape(match.group(1))
