from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon


@tagged("post_install", "-at_install")
class TestCollectionsPage(AccountTestInvoicingHttpCommon):
    """Who may see a customer's collections page: the access matrix."""

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
