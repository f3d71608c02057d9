from odoo import Command
from odoo.tests import tagged

from .common import CollectionsPortalCommon


@tagged("post_install", "-at_install", "is_tour")
class TestCollectionsPageInABrowser(CollectionsPortalCommon):
    """A real browser (Odoo's tour runner, headless Chromium) goes through the page: promise,
    plan request, dispute, then Odoo's payment form for everything overdue. Skipped by Odoo
    when no Chromium is installed (apt-get install chromium)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        method = cls.env.ref("payment.payment_method_unknown")
        cls.env["payment.provider"].create(
            {
                "name": "Test Provider",
                "code": "none",
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(method.ids)],
                "available_currency_ids": [Command.set(cls.company.currency_id.ids)],
            }
        )
        method.active = True

    def _assert_what_the_customer_said(self):
        promise = self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(promise, [{"amount": 1250.0, "state": "open", "source": "portal"}])
        plan = self.env["collection.payment.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(
            plan, [{"installment_count": 3, "state": "draft", "source": "portal"}]
        )
        dispute = self.env["collection.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            (dispute.move_id, dispute.reason, dispute.message, dispute.source),
            (self.not_due, "wrong_amount", "We ordered 8, not 9", "portal"),
        )
        owners = (plan.activity_ids | dispute.activity_ids).user_id
        self.assertIn(self.manager, owners, "no collector: the managers own them")
        self.assertFalse(owners.filtered("share"), "nobody outside the company owns them")

    def test_link_visitor_goes_through_the_page(self):
        self.start_tour(self._link(), "collection_followup_portal")
        self._assert_what_the_customer_said()

    def test_portal_user_goes_through_the_page(self):
        self.start_tour("/my/collections", "collection_followup_portal", login="northwind_portal")
        self._assert_what_the_customer_said()
