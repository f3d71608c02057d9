import re
from datetime import timedelta
from html import unescape as html_unescape

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionsPortalCommon


@tagged("post_install", "-at_install")
class TestCollectionsPage(CollectionsPortalCommon):
    """Who may see a customer's collections page, route by route: the access matrix."""

    def _routes(self, page):
        company = self.company.id
        return [f"{page}", f"{page}/statement/{company}", f"{page}/pay/{company}"]

    def test_link_opens_its_customers_page_at_an_address_without_the_secret(self):
        path = self._link()
        self.assertRegex(path, r"^/c/[\w-]{22}$", "short enough for a text message")
        self.authenticate(None, None)
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.history[0].status_code, 303)
        self.assertTrue(response.url.endswith("/collections"), response.url)
        self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
        page = response.text
        self.assertIn(self.invoice.name, page)
        self.assertIn(self.not_due.name, page)
        self.assertIn("1,250.00", page)  # overdue
        self.assertIn("1,550.00", page)  # total due
        self.assertNotIn(self.other_invoice.name, page)
        self.assertNotIn("777.00", page)
        for route in self._routes("/collections"):
            self.assertEqual(self.url_open(route).status_code, 200, route)

    def test_public_visitor_without_a_link_gets_404_everywhere(self):
        self.authenticate(None, None)
        token = self._csrf("/web/login")
        for route in self._routes("/collections"):
            self.assertEqual(self.url_open(route).status_code, 404, route)
        for what in ("promise", "dispute", "plan", "plan/accept", "terms", "mobile", "code"):
            response = self.url_open(
                f"/collections/{what}", data={"csrf_token": token}, allow_redirects=False
            )
            self.assertEqual(response.status_code, 404, what)
        self.assertFalse(self.env["collection.promise"].search([]))

    def test_wrong_expired_or_revoked_link_gets_404_even_in_an_open_session(self):
        self.authenticate(None, None)
        self.assertEqual(self.url_open("/c/" + "x" * 22).status_code, 404, "wrong secret")
        self.assertEqual(self.url_open("/collections").status_code, 404, "nothing bound")
        path = self._link()
        self.assertEqual(self.url_open(path).status_code, 200)
        with freeze_time(fields.Datetime.now() + timedelta(days=31)):
            self.assertEqual(self.url_open("/collections").status_code, 404, "expired")
            self.assertEqual(self.url_open(path).status_code, 404, "expired")
        self.assertEqual(self.url_open(path).status_code, 200)
        token = self._csrf()
        self.customer.with_user(self.manager).action_collection_revoke_link()
        for route in self._routes("/collections"):
            self.assertEqual(self.url_open(route).status_code, 404, f"revoked: {route}")
        for what in ("promise", "dispute", "plan", "terms", "mobile", "code"):
            response = self.url_open(
                f"/collections/{what}",
                data={"csrf_token": token, "company_id": self.company.id, "mobile": "+1"},
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 404, f"revoked: {what}")
        self.assertEqual(self.url_open(path).status_code, 404, "revoked")
        self.assertEqual(self.url_open(self._link()).status_code, 200, "a new link works")

    def test_portal_user_sees_its_own_page_and_tile(self):
        self.authenticate("northwind_portal", "northwind_portal")
        for route in self._routes("/my/collections"):
            self.assertEqual(self.url_open(route).status_code, 200, route)
        page = self.url_open("/my/collections").text
        self.assertIn(self.invoice.name, page)
        self.assertNotIn(self.other_invoice.name, page)
        self.assertEqual(self.url_open("/collections").status_code, 404, "no link bound")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["collection_item_count"]}
        )
        self.assertEqual(counters["collection_item_count"], 2)

    def test_other_customers_portal_user_reaches_nothing_of_this_customer(self):
        self.authenticate("contoso_portal", "contoso_portal")
        page = self.url_open("/my/collections").text
        self.assertIn(self.other_invoice.name, page)
        self.assertNotIn(self.invoice.name, page)
        response = self._post(
            "dispute", {"move_id": self.invoice.id, "reason": "other"}, page="/my/collections"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._error(response), "Choose one of your invoices.")
        self.assertFalse(self.env["collection.dispute"].search([]))
        link_path = self._link()
        self.authenticate("contoso_portal", "contoso_portal")
        self.assertEqual(self.url_open("/collections").status_code, 404)
        self.assertEqual(
            self.url_open(f"/my/collections/statement/{self.company.id}").status_code, 200
        )
        self.assertNotIn(self.invoice.name, self.url_open("/my/collections").text)
        self.assertTrue(link_path)

    def test_internal_user_without_collections_rights_sees_nothing_of_the_customers(self):
        self.authenticate("employee", "employee")
        page = self.url_open("/my/collections").text
        self.assertNotIn(self.invoice.name, page, "their own page: nothing of the customers")
        self.assertNotIn(self.other_invoice.name, page)
        self.assertEqual(self.url_open("/collections").status_code, 404)
        with self.assertRaises(Exception):  # noqa: B017 - AccessError on the link model
            self.env["collection.portal.link"].with_user(self.employee).search([])

    def test_statements_need_the_csrf_token(self):
        self._visit()
        with mute_logger("odoo.http"):  # Odoo logs the refused request
            response = self.url_open(
                "/collections/dispute",
                data={"move_id": self.invoice.id, "reason": "other"},
                allow_redirects=False,
            )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["collection.dispute"].search([]))
        self.assertEqual(
            self._post("dispute", {"move_id": self.invoice.id, "reason": "other"}).status_code,
            303,
        )

    def test_anonymous_visitor_of_the_portal_page_is_sent_to_login(self):
        self.authenticate(None, None)
        response = self.url_open("/my/collections", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_page_shows_the_late_fees_that_apply(self):
        rule = self.env["collection.late.fee.rule"].create(
            {"name": "Late fee", "fixed_amount": 40.0, "percent": 2.0}
        )
        self.company.collection_policy_id.late_fee_rule_id = rule
        page = html_unescape(self._visit().text).replace("\xa0", " ")
        self.assertIn(
            "Our terms: a fee of $ 40.00 per late invoice, 2 % of the overdue amount.", page
        )
        # 40.00 + 2 % of 1,250.00, whatever the day: nothing was charged yet.
        self.assertRegex(
            page,
            rf"Invoice <bdi>{re.escape(self.invoice.name)}</bdi>: if you pay it today, late fees "
            r"of <strong><bdi>\$ 65.00</bdi></strong> will be added\.",
        )
        self.assertNotIn(f"{self.not_due.name}</bdi>: if you pay it today", page, "not due: no fee")
        self.assertNotIn(f"{self.other_invoice.name}", page)
        fee = rule._charge(self.invoice, fields.Date.today(), "portal-test")
        page = html_unescape(self.url_open("/collections").text).replace("\xa0", " ")
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
        page = html_unescape(self._visit().text).replace("\xa0", " ")
        deadline = (today + timedelta(days=10)).strftime("%m/%d/%Y")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        self.assertIn(
            f"Invoice {invoice.name} : pay $ 950.00 by {deadline} instead of $ 1,000.00 "
            "(5 % early-payment discount).",
            text,
        )
        self.assertNotIn(f"{self.invoice.name} : pay", text, "overdue: no discount")

    def test_statement_of_account_for_the_link_holder_only(self):
        self._visit()
        response = self.url_open(f"/collections/statement/{self.company.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Statement of account", response.text)
        self.assertIn(self.invoice.name, response.text)
        self.assertIn(self.not_due.name, response.text)
        self.assertIn("1,550.00", response.text)
        self.assertNotIn(self.other_invoice.name, response.text)
        self.assertIn("attachment;", response.headers["Content-Disposition"])
        other_company = self.env["res.company"].create({"name": "Not Owed Ltd"})
        refused = self.url_open(f"/collections/statement/{other_company.id}")
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(self._error(refused), "There is nothing owed to this company.")
        self.authenticate(None, None)
        self.assertEqual(
            self.url_open(f"/collections/statement/{self.company.id}").status_code, 404
        )

    def test_link_visitor_sees_the_customers_language_and_can_switch(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["ir.module.module"]._load_module_terms(["collection_followup"], ["fa_IR"])
        self.customer.lang = "fa_IR"
        persian = self._visit().text
        self.assertIn("web.assets_frontend.rtl", persian, "right-to-left styles")
        self.assertIn("o_rtl", persian)
        self.assertIn("<h3>حساب شما</h3>", persian)
        self.assertIn('class="o_collection_page mt-3" dir="rtl"', persian)
        english = self.url_open("/collections?lang=en_US").text
        self.assertIn("<h3>Your account</h3>", english)
        self.assertNotIn("o_rtl", english)
        self.assertIn('class="o_collection_page mt-3" dir="ltr"', english)
        self.assertIn("<h3>Your account</h3>", self.url_open("/collections").text, "kept")

    def test_persian_page_writes_its_figures_in_persian_digits(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["ir.module.module"]._load_module_terms(["collection_followup"], ["fa_IR"])
        self.env["res.lang"]._lang_get("fa_IR").collection_native_digits = True
        self.customer.lang = "fa_IR"
        page = self._visit().text
        self.assertIn("حداکثر ۵ فایل، روی هم ۱۰ مگابایت", page)
        self.assertNotIn("حداکثر 5 فایل", page)
        # The promise input is a number field: Latin digits, the currency's two decimals; the
        # date to type is shown in Persian digits (the page reads those back).
        self.assertRegex(page, r'name="amount"[^>]*value="1250\.00"')
        self.assertRegex(page, r'name="date"[^>]*placeholder="[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}"')

    def test_refused_input_is_answered_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["ir.module.module"]._load_module_terms(["collection_followup"], ["fa_IR"])
        self.customer.lang = "fa_IR"
        self._visit()
        response = self._post("dispute", {"move_id": self.other_invoice.id, "reason": "other"})
        self.assertEqual(response.status_code, 400)
        english = "Choose one of your invoices."
        translated = self.env(context={"lang": "fa_IR"})._(english)
        self.assertNotEqual(translated, english, "a Persian translation exists")
        self.assertEqual(self._error(response), translated)
        self.assertIn('dir="rtl"', response.text)
