from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestAgedBalance(CollectionFollowupCommon):
    """The aged balance per instalment on two past dates, computed by hand.

    Northwind: I1 1,000.00 due 31 Jan (400.00 paid on 10 March), I2 500.00 dated 15 Feb due
    17 March (disputed on 20 March), I3 300.00 EUR (rate 2: 150.00) dated and due 1 March.
    Contoso: I4 2,000.00 due 1 Sep 2025, paid in full on 5 April 2026.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.euro = cls.setup_other_currency("EUR", rates=[("2025-01-01", 2.0)])
        cls.i1 = cls._create_invoice(cls.customer, 1000.0, "2026-01-01", "2026-01-31")
        cls.i2 = cls._create_invoice(cls.customer, 500.0, "2026-02-15", "2026-03-17")
        cls.i3 = cls._create_invoice(
            cls.customer, 300.0, "2026-03-01", "2026-03-01", currency=cls.euro
        )
        cls.i4 = cls._create_invoice(cls.other_customer, 2000.0, "2025-09-01", "2025-09-01")
        cls._pay(cls.i1, 400.0, "2026-03-10")
        cls._pay(cls.i4, 2000.0, "2026-04-05")
        with freeze_time("2026-03-20"):
            cls.env["collection.dispute"].create({"move_id": cls.i2.id, "reason": "wrong_amount"})
        # Set-up: actions are the engine's ledger, written as superuser.
        cls.env["collection.followup.action"].sudo().create(
            {
                "partner_id": cls.customer.id,
                "level_id": cls.gentle.id,
                "channel": "email",
                "state": "done",
                "date": "2026-03-05",
                "line_ids": [(6, 0, cls._receivable(cls.i1).ids)],
            }
        )
        cls.collector = new_test_user(
            cls.env, "analyst_collector", groups="collection_followup.group_collection_user"
        )
        cls.customer.with_company(cls.company).collection_responsible_id = cls.collector

    @classmethod
    def _receivable(cls, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def _rows(self, as_of, user=None):
        report = self.env["collection.aged.balance"].with_user(user or self.collector)
        rows = report.with_context(collection_as_of=as_of).search([])
        return {row.move_id: row for row in rows}

    def _assert_amount(self, value, expected):
        self.assertFalse(
            self.company.currency_id.compare_amounts(value, expected), f"{value} != {expected}"
        )

    def test_aged_balance_mid_february(self):
        rows = self._rows("2026-02-15")
        self.assertEqual(set(rows), {self.i1, self.i2, self.i4})
        i1, i2, i4 = rows[self.i1], rows[self.i2], rows[self.i4]
        self.assertEqual((i1.aging_bucket, i1.days_overdue), ("1_1_30", 15))
        self._assert_amount(i1.amount_1_30, 1000.0)
        self._assert_amount(i1.amount_residual, 1000.0)
        self.assertEqual((i2.aging_bucket, i2.days_overdue), ("0_not_due", -30))
        self._assert_amount(i2.amount_not_due, 500.0)
        self._assert_amount(i2.amount_overdue, 0.0)
        self.assertEqual((i4.aging_bucket, i4.days_overdue), ("4_91_180", 167))
        self._assert_amount(i4.amount_91_180, 2000.0)
        self.assertEqual(i4.partner_id, self.other_customer)
        # No reminder yet, no dispute yet.
        self.assertFalse(i1.level_id)
        self.assertEqual(i2.item_state, "normal")
        self.assertEqual(i1.collector_id, self.collector)
        self.assertEqual(i1.policy_id, self.policy)
        totals = (
            self.env["collection.aged.balance"]
            .with_user(self.collector)
            .with_context(collection_as_of="2026-02-15")
            ._get_bucket_totals()
        )
        self._assert_amount(totals["total"], 3500.0)
        self._assert_amount(totals["overdue"], 3000.0)
        self._assert_amount(totals["0_not_due"], 500.0)
        self._assert_amount(totals["4_91_180"], 2000.0)

    def test_aged_balance_end_of_march(self):
        rows = self._rows("2026-03-31")
        self.assertEqual(set(rows), {self.i1, self.i2, self.i3, self.i4})
        i1, i2, i3, i4 = (rows[m] for m in (self.i1, self.i2, self.i3, self.i4))
        # 400.00 paid on 10 March: 600.00 left, 59 days late.
        self.assertEqual((i1.aging_bucket, i1.days_overdue), ("2_31_60", 59))
        self._assert_amount(i1.amount_31_60, 600.0)
        self.assertEqual(i1.level_id, self.gentle)
        self.assertEqual(
            (i2.aging_bucket, i2.days_overdue, i2.item_state), ("1_1_30", 14, "disputed")
        )
        self._assert_amount(i2.amount_1_30, 500.0)
        # 300.00 EUR at 2 EUR per USD: 150.00 in the company currency.
        self.assertEqual((i3.aging_bucket, i3.days_overdue), ("1_1_30", 30))
        self.assertEqual(i3.currency_id, self.euro)
        self._assert_amount(i3.amount_residual, 150.0)
        self.assertFalse(self.euro.compare_amounts(i3.amount_residual_currency, 300.0))
        # Paid on 5 April: still owed on 31 March, 211 days late.
        self.assertEqual((i4.aging_bucket, i4.days_overdue), ("5_over_180", 211))
        self._assert_amount(i4.amount_over_180, 2000.0)
        groups = (
            self.env["collection.aged.balance"]
            .with_user(self.collector)
            .with_context(collection_as_of="2026-03-31")
            ._read_group([], ["aging_bucket"], ["amount_residual:sum"])
        )
        self.assertEqual(
            {bucket: round(amount, 2) for bucket, amount in groups},
            {"1_1_30": 650.0, "2_31_60": 600.0, "5_over_180": 2000.0},
        )
        # Today everything of Contoso is paid.
        self.assertNotIn(self.i4, self._rows("2026-04-30"))

    def test_bad_date_is_refused(self):
        with self.assertRaisesRegex(UserError, "not a date"):
            self._rows("31/03/2026")

    def test_wizard_opens_the_date(self):
        wizard = (
            self.env["collection.aged.balance.wizard"]
            .with_user(self.collector)
            .create({"as_of": "2026-03-31"})
        )
        action = wizard.action_open()
        self.assertEqual(action["res_model"], "collection.aged.balance")
        self.assertEqual(action["context"]["collection_as_of"], "2026-03-31")

    def test_access(self):
        """Collectors see their company's items only; portal users and employees nothing."""
        other_company = self.setup_other_company(name="Branch Office")["company"]
        branch_invoice = self._create_invoice(
            self.customer, 700.0, "2026-02-01", "2026-02-01", company=other_company
        )
        self.assertNotIn(branch_invoice, self._rows("2026-03-31"))
        both = new_test_user(
            self.env,
            "analyst_two_companies",
            groups="collection_followup.group_collection_user",
            company_ids=[(6, 0, (self.company | other_company).ids)],
        )
        report = self.env["collection.aged.balance"].with_user(both)
        rows = report.with_context(
            collection_as_of="2026-03-31", allowed_company_ids=other_company.ids
        ).search([])
        self.assertEqual(rows.move_id, branch_invoice)
        portal = new_test_user(self.env, "analyst_portal", groups="base.group_portal")
        employee = new_test_user(self.env, "analyst_employee", groups="base.group_user")
        for user in (portal, employee):
            with self.assertRaises(AccessError):
                self._rows("2026-03-31", user=user)
            with self.assertRaises(AccessError):
                self.env["collection.aged.balance.wizard"].with_user(user).create({})
