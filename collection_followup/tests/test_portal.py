import re
from datetime import timedelta
from html import unescape as html_unescape

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.payment.tests.http_common import PaymentHttpCommon


class CollectionsPortalCommon(AccountTestInvoicingHttpCommon):
    """Two customers with invoices, each with a portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.customer = cls.env["res.partner"].create(
            {"name": "Northwind Traders", "email": "ap@northwind.example", "is_company": True}
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Contoso Ltd", "email": "ap@contoso.example", "is_company": True}
        )
        cls.invoice = cls._invoice(cls.customer, 1250.0, "2026-01-01")
        cls.not_due = cls._invoice(cls.customer, 300.0, "2099-01-01")
        cls.other_invoice = cls._invoice(cls.other, 777.0, "2026-01-01")
        cls.customer_user = new_test_user(
            cls.env,
            "northwind_portal",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create(
                {
                    "name": "Nora Northwind",
                    "parent_id": cls.customer.id,
                    "email": "nora@northwind.example",
                }
            )
            .id,
        )
        cls.other_user = new_test_user(
            cls.env,
            "contoso_portal",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create(
                {"name": "Carl Contoso", "parent_id": cls.other.id, "email": "carl@contoso.example"}
            )
            .id,
        )

    @classmethod
    def _invoice(cls, partner, amount, due):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": "2025-12-01",
                "invoice_date_due": due,
                "invoice_line_ids": [
                    fields.Command.create(
                        {"name": "Work", "price_unit": amount, "tax_ids": [fields.Command.clear()]}
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _path(self, url):
        return url.split("//", 1)[1].split("/", 1)[1]


@tagged("post_install", "-at_install")
class TestCollectionsPage(CollectionsPortalCommon):
    """Who may see a customer's collections page: the access matrix."""

    def test_secret_link_shows_this_customer_only(self):
        url = self.customer._collection_portal_url()
        self.assertRegex(url, rf"/collections/{self.customer.id}/[\w-]{{40,}}$")
        response = self.url_open("/" + self._path(url))
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn(self.invoice.name, page)
        self.assertIn(self.not_due.name, page)
        self.assertIn("1,250.00", page)  # overdue
        self.assertIn("1,550.00", page)  # total due
        self.assertIn("data:image/png;base64,", page, "QR code of the link")
        self.assertNotIn(self.other_invoice.name, page)
        self.assertNotIn("777.00", page)
        # The same link again: the secret is reused until it expires.
        self.assertEqual(self.customer._collection_portal_url(), url)

    def test_page_shows_the_late_fees_that_apply(self):
        rule = self.env["collection.late.fee.rule"].create(
            {"name": "Late fee", "fixed_amount": 40.0, "percent": 2.0}
        )
        self.company.collection_policy_id.late_fee_rule_id = rule
        url = "/" + self._path(self.customer._collection_portal_url())
        page = html_unescape(self.url_open(url).text).replace("\xa0", " ")
        self.assertIn(
            "Our terms: a fee of $ 40.00 per late invoice, 2 % of the overdue amount.", page
        )
        # 40.00 + 2 % of 1,250.00, whatever the day: nothing was charged yet.
        self.assertRegex(
            page,
            rf"{re.escape(self.invoice.name)}: if paid today, late fees of\s*"
            r"<strong[^>]*>\$ <span[^>]*>65.00</span></strong>\s*would be added",
        )
        self.assertNotIn(f"{self.not_due.name}: if paid today", page, "not due: no fee")
        self.assertNotIn(f"{self.other_invoice.name}", page)
        fee = rule._charge(self.invoice, fields.Date.today(), "portal-test")
        page = html_unescape(self.url_open(url).text).replace("\xa0", " ")
        self.assertIn(fee.fee_move_id.name, page, "the fee document is an item owed")
        self.assertIn("Late fees</span>", page)
        self.assertNotIn(f"{self.invoice.name}: if paid today", page, "all charged already")

    def test_page_shows_the_early_payment_discount_until_its_deadline(self):
        rule = self.env["collection.discount.rule"].create(
            {
                "name": "5 % in 10 days, 2 % in 20 days",
                "tier_ids": [
                    fields.Command.create({"days": 10, "percent": 5.0}),
                    fields.Command.create({"days": 20, "percent": 2.0}),
                ],
            }
        )
        term = self.env["account.payment.term"].create(
            {
                "name": "Tiers, net 30",
                "company_id": self.company.id,
                "early_pay_discount_computation": "included",
                "collection_discount_rule_id": rule.id,
                "line_ids": [
                    fields.Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})
                ],
            }
        )
        today = fields.Date.today()
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": today,
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    fields.Command.create(
                        {"name": "Work", "price_unit": 1000.0, "tax_ids": [fields.Command.clear()]}
                    )
                ],
            }
        )
        invoice.action_post()
        url = "/" + self._path(self.customer._collection_portal_url())
        page = html_unescape(self.url_open(url).text).replace("\xa0", " ")
        deadline = (today + timedelta(days=10)).strftime("%m/%d/%Y")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        self.assertIn(
            f"{invoice.name}: pay $ 950.00 by {deadline} instead of $ 1,000.00 "
            "(5 % early-payment discount).",
            text,
        )
        self.assertNotIn(f"{self.invoice.name}: pay", text, "overdue: no discount")

    def test_no_wrong_expired_or_revoked_secret_shows_nothing(self):
        url = self.customer._collection_portal_url()
        token = url.rsplit("/", 1)[1]
        for path in (
            f"/collections/{self.customer.id}/",
            f"/collections/{self.customer.id}/{token[:-1]}x",
            f"/collections/{self.other.id}/{token}",  # someone else's id with this secret
            f"/collections/999999/{token}",
        ):
            self.assertEqual(self.url_open(path).status_code, 404, path)
        with freeze_time(fields.Datetime.now() + timedelta(days=31)):
            self.assertEqual(self.url_open("/" + self._path(url)).status_code, 404, "expired")
        self.customer.action_collection_revoke_link()
        self.assertEqual(self.url_open("/" + self._path(url)).status_code, 404, "revoked")
        new_url = self.customer._collection_portal_url()
        self.assertNotEqual(new_url, url)
        self.assertEqual(self.url_open("/" + self._path(new_url)).status_code, 200)

    def test_qr_image_of_the_link(self):
        path = "/" + self._path(self.customer._collection_portal_url())
        response = self.url_open(f"{path}/qr")
        self.assertEqual(response.headers["Content-Type"], "image/png")
        self.assertTrue(response.content.startswith(b"\x89PNG"))
        self.assertEqual(self.url_open(f"/collections/{self.customer.id}/nope/qr").status_code, 404)

    def test_internal_user_without_collections_rights(self):
        clerk = new_test_user(self.env, "clerk", groups="base.group_user")
        self.authenticate("clerk", "clerk")
        page = self.url_open("/my/collections").text
        self.assertNotIn(self.invoice.name, page, "their own page: nothing of the customers")
        self.assertNotIn(self.other_invoice.name, page)
        with self.assertRaises(AccessError):
            self.env["collection.promise"].with_user(clerk).search([])
        with self.assertRaises(AccessError):
            self.customer.with_user(clerk).read(["collection_access_token"])

    def test_portal_users_cannot_read_the_secret(self):
        self.customer._collection_portal_url()
        with self.assertRaises(AccessError):
            self.customer.with_user(self.customer_user).read(["collection_access_token"])

    def test_portal_user_sees_own_company_page_and_tile(self):
        self.authenticate("northwind_portal", "northwind_portal")
        page = self.url_open("/my/collections").text
        self.assertIn(self.invoice.name, page)
        self.assertNotIn(self.other_invoice.name, page)
        home = self.url_open("/my/home").text
        self.assertIn("/my/collections", home)

    def test_other_customers_portal_user_sees_only_their_own(self):
        self.authenticate("contoso_portal", "contoso_portal")
        page = self.url_open("/my/collections").text
        self.assertIn(self.other_invoice.name, page)
        self.assertNotIn(self.invoice.name, page)

    def test_anonymous_visitor_is_sent_to_login(self):
        self.authenticate(None, None)
        response = self.url_open("/my/collections", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])


@tagged("post_install", "-at_install")
class TestCollectionsPageStatements(CollectionsPortalCommon):
    """What the customer says on its page becomes records the accountant works with."""

    def _page(self):
        return "/" + self._path(self.customer._collection_portal_url())

    def _post(self, page, what, data=None, files=None):
        html = self.url_open(page).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        return self.url_open(
            f"{page}/say/{what}",
            data={"csrf_token": token, **(data or {})},
            files=files,
            allow_redirects=False,
        )

    def _message(self, page):
        match = re.search(r'o_collection_message"[^>]*>([^<]*)<', self.url_open(page).text)
        return match and html_unescape(match.group(1))

    def test_promise_from_the_link_pauses_the_reminders(self):
        page = self._page()
        response = self._post(
            page, "promise", {"company_id": self.company.id, "date": "2099-02-01", "amount": "1250"}
        )
        self.assertEqual(response.status_code, 303)
        promise = self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(
            promise,
            [
                {
                    "amount": 1250.0,
                    "source": "portal",
                    "state": "open",
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(str(promise.date), "2099-02-01")
        self.assertEqual(
            self._message(page), "Thank you: we will not send you reminders until then."
        )
        self.assertIsNone(self._message(page), "said once")
        decision = self.env["res.partner"]._collection_decisions(self.company, self.customer.ids)[
            self.customer.id
        ]
        self.assertEqual(decision.action, "wait")

    def test_bad_promise_is_refused_with_a_message(self):
        page = self._page()
        self._post(
            page, "promise", {"company_id": self.company.id, "date": "2099-02-01", "amount": "0"}
        )
        self.assertEqual(self._message(page), "Give a date and an amount.")
        self.assertFalse(
            self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        )

    def test_dispute_with_proof_and_only_on_own_invoices(self):
        page = self._page()
        self._post(
            page,
            "dispute",
            {
                "move_id": self.invoice.id,
                "reason": "already_paid",
                "message": "Paid by transfer on 3 January",
            },
            files={"proof": ("transfer.pdf", b"%PDF-1.4 proof", "application/pdf")},
        )
        dispute = self.env["collection.dispute"].search([("move_id", "=", self.invoice.id)])
        self.assertRecordValues(
            dispute,
            [
                {
                    "reason": "already_paid",
                    "source": "portal",
                    "message": "Paid by transfer on 3 January",
                    "state": "open",
                }
            ],
        )
        self.assertEqual(dispute.attachment_ids.mapped("name"), ["transfer.pdf"])
        self.assertEqual(dispute.attachment_ids.raw, b"%PDF-1.4 proof")
        self._post(page, "dispute", {"move_id": self.other_invoice.id, "reason": "other"})
        self.assertEqual(self._message(page), "Choose one of your invoices.")
        self.assertFalse(
            self.env["collection.dispute"].search([("move_id", "=", self.other_invoice.id)])
        )

    def test_customer_accepts_the_proposed_plan_on_the_page(self):
        self.company.email = "ar@company.example"
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, self.invoice.ids)],
                "installment_count": 2,
                "first_date": "2099-01-01",
            }
        )
        plan.action_compute_schedule()
        plan.action_propose()
        page = self._page()
        html = self.url_open(page).text
        self.assertIn(plan.name, html)
        self.assertIn("625.00", html)
        self._post(page, "accept_plan", {"plan_id": self.other_invoice.id})
        self.assertEqual(self._message(page), "This payment plan is not waiting for your answer.")
        self.assertEqual(plan.state, "proposed")
        self._post(page, "accept_plan", {"plan_id": plan.id})
        self.assertEqual(plan.state, "accepted")
        self.assertEqual(self._message(page), "Thank you: your payment plan is in force.")
        self.assertIn(
            "Accepted in the portal by a visitor with the link",
            str(plan.message_ids.mapped("body")),
        )

    def test_plan_request_gives_the_accountant_an_activity(self):
        self._post(self._page(), "plan", {"company_id": self.company.id, "installments": "3"})
        activity = self.customer.activity_ids
        self.assertEqual(activity.summary, "Asks for a payment plan in 3 instalments")

    def test_terms_accepted_with_time_user_and_address(self):
        self._post(self._page(), "terms")
        self.assertTrue(self.customer.collection_terms_accepted_on)
        self.assertEqual(self.customer.collection_terms_accepted_ip, "127.0.0.1")
        self.assertEqual(
            self.customer.collection_terms_accepted_by,
            "a visitor with the link sent in the reminders",
        )
        self.authenticate("contoso_portal", "contoso_portal")
        self._post("/my/collections", "terms")
        self.assertEqual(self.other.collection_terms_accepted_by, self.other_user.name)
        self.assertTrue(self.other.collection_terms_accepted_on)

    def test_mobile_number_stored_in_e164_or_refused(self):
        self.customer.country_id = self.env.ref("base.ir")
        page = self._page()
        self._post(page, "mobile", {"mobile": "0912 345 6789"})
        self.assertEqual(self.customer.mobile, "+989123456789")
        self.assertEqual(
            self._message(page), "Thank you: we will send our text messages to +989123456789."
        )
        self._post(page, "mobile", {"mobile": "12"})
        self.assertIn("The mobile number 12 of", self._message(page))
        self.assertEqual(self.customer.mobile, "+989123456789")

    def test_posts_need_csrf_the_right_secret_and_are_throttled(self):
        page = self._page()
        with mute_logger("odoo.http"):  # Odoo logs the refused request
            no_csrf = self.url_open(f"{page}/say/terms", data={"x": "1"}, allow_redirects=False)
        self.assertEqual(no_csrf.status_code, 400)
        wrong = self._post(page, "terms")  # valid CSRF, then a wrong secret in the path
        self.assertEqual(wrong.status_code, 303)
        html = self.url_open(page).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        bad_secret = self.url_open(
            f"/collections/{self.customer.id}/nope/say/terms",
            data={"csrf_token": token},
            allow_redirects=False,
        )
        self.assertEqual(bad_secret.status_code, 404)
        for _attempt in range(9):
            self._post(page, "plan", {"company_id": self.company.id, "installments": "2"})
        self._post(page, "plan", {"company_id": self.company.id, "installments": "2"})
        self.assertEqual(
            self._message(page), "Too many requests: please try again in a few minutes."
        )
        self.assertEqual(len(self.customer.activity_ids), 9)


@tagged("post_install", "-at_install")
class TestCollectionsPayment(AccountPaymentCommon, PaymentHttpCommon):
    """Paying everything overdue in one transaction from the page, even without login."""

    def test_pay_all_overdue_with_the_secret_link_amount_from_the_server(self):
        customer = self.env["res.partner"].create(
            {"name": "Northwind Traders", "email": "ap@northwind.example"}
        )
        invoices = self.env["account.move"]
        for amount, due in ((1000.0, "2026-01-01"), (250.0, "2026-01-15"), (99.0, "2099-01-01")):
            invoice = self.init_invoice(
                "out_invoice", customer, amounts=[amount], currency=self.currency
            )
            invoice.invoice_date_due = due
            invoice.action_post()
            invoices |= invoice
        overdue = invoices[:2]
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=overdue[0].ids
        ).create({"amount": 400.0})._create_payments()
        path = "/" + customer._collection_portal_url().split("//", 1)[1].split("/", 1)[1]

        page = self._make_http_get_request(self._build_url(path), {})
        self.assertIn(f"{path}/pay/{self.env.company.id}", page.text)
        response = self._make_http_get_request(
            self._build_url(f"{path}/pay/{self.env.company.id}"), {}
        )
        self.assertEqual(response.status_code, 200)
        tx_context = self._get_payment_context(response)
        owed = overdue[0].amount_residual + overdue[1].amount_residual
        self.assertEqual(tx_context["amount"], owed)
        self.assertEqual(
            tx_context["transaction_route"], f"{path}/transaction/{self.env.company.id}"
        )

        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            processing_values = self._get_processing_values(
                tx_route=tx_context["transaction_route"],
                provider_id=self.provider.id,
                payment_method_id=self.payment_method_id,
                token_id=None,
                amount=1.0,  # tampered: ignored
                flow="direct",
                tokenization_requested=False,
                landing_route=tx_context["landing_route"],
                payment_reference=tx_context["payment_reference"],
            )
        tx = self._get_tx(processing_values["reference"])
        self.assertEqual(tx.amount, owed)
        self.assertEqual(tx.invoice_ids, overdue)
        self.assertEqual(tx.partner_id, customer)
        tx._set_done()
        tx._post_process()
        self.assertEqual(overdue.mapped("payment_state"), ["paid", "paid"])
        self.assertEqual(invoices[2].payment_state, "not_paid", "not due yet: not paid")

    def test_wrong_secret_cannot_open_a_transaction(self):
        customer = self.env["res.partner"].create({"name": "Contoso"})
        customer._collection_portal_url()
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                f"/collections/{customer.id}/wrong/transaction/{self.env.company.id}",
                {"payment_reference": "X", "provider_id": self.provider.id},
            )
        self.assertFalse(self.env["payment.transaction"].search([("partner_id", "=", customer.id)]))


@tagged("post_install", "-at_install")
class TestCollectionsStatementAndLanguage(CollectionsPortalCommon):
    def test_statement_of_account_for_the_link_holder_only(self):
        path = "/" + self._path(self.customer._collection_portal_url())
        response = self.url_open(f"{path}/statement/{self.company.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Statement of account", response.text)
        self.assertIn(self.invoice.name, response.text)
        self.assertIn(self.not_due.name, response.text)
        self.assertIn("1,550.00", response.text)
        self.assertNotIn(self.other_invoice.name, response.text)
        self.assertIn("attachment;", response.headers["Content-Disposition"])
        wrong = self.url_open(f"/collections/{self.customer.id}/nope/statement/{self.company.id}")
        self.assertEqual(wrong.status_code, 404)

    def test_link_visitor_sees_the_customers_language_and_can_switch(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["ir.module.module"]._load_module_terms(["collection_followup"], ["fa_IR"])
        self.customer.lang = "fa_IR"
        path = "/" + self._path(self.customer._collection_portal_url())
        persian = self.url_open(path).text
        self.assertIn("web.assets_frontend.rtl", persian, "right-to-left styles")
        self.assertIn("o_rtl", persian)
        self.assertIn("<h3>حساب شما</h3>", persian)
        self.assertIn('class="o_collection_page mt-3" dir="rtl"', persian)
        english = self.url_open(f"{path}?lang=en_US").text
        self.assertIn("<h3>Your account</h3>", english)
        self.assertNotIn("o_rtl", english)
        self.assertIn('class="o_collection_page mt-3" dir="ltr"', english)


@tagged("post_install", "-at_install")
class TestCollectionsPageInABrowser(CollectionsPortalCommon):
    """A real browser (Odoo's tour runner, headless Chromium): promise, dispute, go and pay.
    Skipped by Odoo when no Chromium is installed (apt-get install chromium)."""

    def test_customer_promises_disputes_and_goes_to_pay(self):
        path = "/" + self._path(self.customer._collection_portal_url())
        self.start_tour(path, "collection_followup_portal")
        promise = self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((str(promise.date), promise.amount), ("2099-03-01", 1250.0))
        dispute = self.env["collection.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            (dispute.move_id, dispute.reason, dispute.message),
            (self.not_due, "wrong_amount", "We ordered 8, not 9"),
        )
