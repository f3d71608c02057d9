from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from odoo import Command, fields
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.payment.tests.http_common import PaymentHttpCommon


@tagged("post_install", "-at_install")
class TestCollectionsPayment(AccountPaymentCommon, PaymentHttpCommon):
    """Paying from the collections page and from instalment reminders, even without login."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Northwind Traders", "email": "ap@northwind.example", "is_company": True}
        )
        cls.billing = cls.env["res.partner"].create(
            {
                "name": "Northwind Accounts Payable",
                "type": "invoice",
                "parent_id": cls.customer.id,
                "email": "payables@northwind.example",
            }
        )

    def _invoice(self, partner, amount, due):
        invoice = self.init_invoice(
            "out_invoice", partner, amounts=[amount], currency=self.currency
        )
        invoice.invoice_date_due = due
        invoice.action_post()
        return invoice

    def _open_link(self):
        url = self.env["collection.portal.link"]._mint(self.customer, self.env.company)
        self.authenticate(None, None)
        response = self._make_http_get_request(url)
        self.assertEqual(response.status_code, 200)
        return response

    def _pay(self, tx_context, **values):
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            processing_values = self._get_processing_values(
                tx_route=tx_context["transaction_route"],
                provider_id=self.provider.id,
                payment_method_id=self.payment_method_id,
                token_id=None,
                amount=1.0,  # tampered: ignored by the collections route
                flow="direct",
                tokenization_requested=False,
                landing_route=tx_context["landing_route"],
                **values,
            )
        tx = self._get_tx(processing_values["reference"])
        tx._set_done()
        tx._post_process()
        return tx

    def test_pay_everything_overdue_with_the_link_amount_from_the_server(self):
        overdue = self._invoice(self.customer, 1000.0, "2026-01-01") | self._invoice(
            self.customer, 250.0, "2026-01-15"
        )
        later = self._invoice(self.customer, 99.0, "2099-01-01")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=overdue[0].ids
        ).create({"amount": 400.0})._create_payments()
        page = self._open_link()
        company = self.env.company.id
        self.assertIn(f"/collections/pay/{company}", page.text)
        response = self._make_http_get_request(self._build_url(f"/collections/pay/{company}"))
        self.assertEqual(response.status_code, 200)
        tx_context = self._get_payment_context(response)
        self.assertEqual(tx_context["amount"], 850.0)
        self.assertEqual(tx_context["transaction_route"], f"/collections/transaction/{company}")
        self.assertEqual(tx_context["landing_route"], "/collections", "no secret in it")
        tx = self._pay(tx_context, payment_reference=tx_context["payment_reference"])
        self.assertEqual(tx.amount, 850.0)
        self.assertEqual(tx.invoice_ids, overdue)
        self.assertEqual(tx.partner_id, self.customer)
        self.assertEqual(overdue.mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(later.payment_state, "not_paid", "not due yet: not paid")

    def test_pay_everything_overdue_addressed_to_several_contacts(self):
        """The company and its invoice address: Odoo's own overdue page wants one partner."""
        to_company = self._invoice(self.customer, 600.0, "2026-01-01")
        to_billing = self._invoice(self.billing, 400.0, "2026-02-01")
        self.assertNotEqual(to_company.partner_id, to_billing.partner_id)
        self._open_link()
        company = self.env.company.id
        response = self._make_http_get_request(self._build_url(f"/collections/pay/{company}"))
        self.assertEqual(response.status_code, 200)
        tx_context = self._get_payment_context(response)
        self.assertEqual(tx_context["amount"], 1000.0)
        tx = self._pay(tx_context, payment_reference=tx_context["payment_reference"])
        self.assertEqual(tx.invoice_ids, to_company | to_billing)
        self.assertEqual(tx.amount, 1000.0)
        self.assertEqual((to_company | to_billing).mapped("payment_state"), ["paid", "paid"])

    def test_link_visitors_cannot_pay_with_the_customers_saved_card(self):
        self._invoice(self.customer, 600.0, "2026-01-01")
        token = self._create_token(partner_id=self.customer.id)
        self._open_link()
        company = self.env.company.id
        response = self._make_http_get_request(self._build_url(f"/collections/pay/{company}"))
        self.assertEqual(self._get_payment_context(response)["token_ids"], [])
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._portal_transaction(
                tx_route=f"/collections/transaction/{company}",
                provider_id=self.provider.id,
                payment_method_id=self.payment_method_id,
                token_id=token.id,
                amount=600.0,
                flow="token",
                tokenization_requested=False,
                landing_route="/collections",
                payment_reference="X",
            )
        self.assertFalse(self.env["payment.transaction"].search([("token_id", "=", token.id)]))

    def test_wrong_or_no_link_cannot_open_a_transaction(self):
        self._invoice(self.customer, 600.0, "2026-01-01")
        self.authenticate(None, None)
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                f"/collections/transaction/{self.env.company.id}",
                {"payment_reference": "X", "provider_id": self.provider.id},
            )
        self.assertFalse(
            self.env["payment.transaction"].search([("partner_id", "=", self.customer.id)])
        )

    def test_instalment_pay_link_opens_the_payment_of_that_amount(self):
        """On Odoo 18.0 as released, the invoice page with a custom amount answers HTTP 500
        (``float('amount')``): the instalment link goes through /payment/pay instead."""
        invoice = self._invoice(self.billing, 1000.0, "2026-01-01")
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "currency_id": self.currency.id,
                "move_ids": [Command.set(invoice.ids)],
                "installment_count": 3,
                "first_date": fields.Date.today() + timedelta(days=5),
            }
        )
        plan.action_compute_schedule()
        plan.action_accept()
        url = plan._installment_pay_link(333.33)
        parts = urlsplit(url)
        self.assertEqual(parts.path, "/payment/pay")
        self.assertEqual(parse_qs(parts.query)["amount"], ["333.33"])
        self.authenticate(None, None)
        response = self._make_http_get_request(url)
        self.assertEqual(response.status_code, 200)
        tx_context = self._get_payment_context(response)
        self.assertEqual(tx_context["amount"], 333.33)
        self.assertEqual(tx_context["transaction_route"], f"/invoice/transaction/{invoice.id}")
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            processing_values = self._get_processing_values(
                tx_route=tx_context["transaction_route"],
                provider_id=self.provider.id,
                payment_method_id=self.payment_method_id,
                token_id=None,
                amount=tx_context["amount"],
                flow="direct",
                tokenization_requested=False,
                landing_route=tx_context["landing_route"],
                access_token=tx_context["access_token"],
            )
        tx = self._get_tx(processing_values["reference"])
        self.assertEqual((tx.amount, tx.invoice_ids), (333.33, invoice))
        tx._set_done()
        tx._post_process()
        self.assertEqual(invoice.amount_residual, 666.67)
        tampered = url.replace("amount=333.33", "amount=3.33")
        with mute_logger("odoo.http"):
            self.assertEqual(self._make_http_get_request(tampered).status_code, 400)
