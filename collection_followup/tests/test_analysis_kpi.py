from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestCollectionKpi(CollectionFollowupCommon):
    """DSO (count-back), CEI, days delinquent, paid on time and overdue of a small company over
    January-March 2026, computed by hand in the comments.

    A 3,000.00 dated 1 Jan due 20 Jan: 1,000.00 paid 20 Feb, 2,000.00 paid 10 April.
    B 1,500.00 dated 1 Feb due 3 March: paid 3 March.
    C 1,000.00 dated 1 March due 31 March.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_a = cls._create_invoice(cls.customer, 3000.0, "2026-01-01", "2026-01-20")
        cls.invoice_b = cls._create_invoice(cls.customer, 1500.0, "2026-02-01", "2026-03-03")
        cls.invoice_c = cls._create_invoice(cls.customer, 1000.0, "2026-03-01", "2026-03-31")
        cls._pay(cls.invoice_a, 1000.0, "2026-02-20")
        cls._pay(cls.invoice_b, 1500.0, "2026-03-03")
        cls._pay(cls.invoice_a, 2000.0, "2026-04-10")
        cls.collector = new_test_user(
            cls.env, "kpi_collector", groups="collection_followup.group_collection_user"
        )
        cls.customer.with_company(cls.company).collection_responsible_id = cls.collector

    def _months(self, scope="company", user=None):
        kpi = self.env["collection.kpi"].with_user(user or self.collector)
        rows = kpi.with_context(collection_as_of="2026-03-31").search(
            [("scope", "=", scope), ("company_id", "=", self.company.id)]
        )
        return {row.month.strftime("%Y-%m"): row for row in rows}

    def _assert_money(self, row, expected):
        for name, value in expected.items():
            self.assertFalse(
                self.company.currency_id.compare_amounts(row[name], value),
                f"{row.month} {name}: {row[name]} != {value}",
            )

    def _assert_ratio(self, row, expected):
        for name, value in expected.items():
            if value is None:
                self.assertFalse(row[name], f"{row.month} {name}")
            else:
                self.assertAlmostEqual(row[name], value, places=4, msg=f"{row.month} {name}")

    def test_three_months(self):
        months = self._months()
        self.assertEqual(len(months), 12)
        self.assertEqual(min(months), "2025-04")
        january, february, march = months["2026-01"], months["2026-02"], months["2026-03"]
        # January: 3,000.00 sold, nothing collected, all of it late by 11 days on 31 Jan.
        self._assert_money(
            january,
            {
                "sales": 3000,
                "ar_begin": 0,
                "ar_end": 3000,
                "collected": 0,
                "current_ar_end": 0,
                "overdue_30": 0,
            },
        )
        # DSO 3,000 / 3,000 × 31 = 31; nothing is current, so all 31 days are delinquent.
        self._assert_ratio(
            january,
            {
                "dso": 31.0,
                "best_dso": 0.0,
                "days_delinquent": 31.0,
                "cei": 0.0,
                "on_time_rate": None,
            },
        )
        # February: AR 3,500 = 1,500 of February (28 days) + 2,000 of January's 3,000
        # (2,000 / 3,000 × 31 = 20.6667 days): DSO 48.6667. Current AR 1,500 (B): best DSO 28.
        # CEI = (3,000 + 1,500 − 3,500) / (3,000 + 1,500 − 1,500) = 1,000 / 3,000 = 33.33 %.
        self._assert_money(
            february,
            {
                "sales": 1500,
                "ar_begin": 3000,
                "ar_end": 3500,
                "collected": 1000,
                "current_ar_end": 1500,
                "overdue_30": 2000,
                "overdue_60": 0,
            },
        )
        self._assert_ratio(
            february,
            {
                "dso": 28 + 2000 / 3000 * 31,
                "best_dso": 28.0,
                "days_delinquent": 2000 / 3000 * 31,
                "cei": 100 * 1000 / 3000,
                "on_time_rate": None,
            },
        )
        self.assertEqual((february.paid_count, february.paid_on_time_count), (0, 0))
        # March: AR 3,000 = 1,000 of March (31 days) + 1,500 of February (28 days) + 500 of
        # January (500 / 3,000 × 31 = 5.1667): DSO 64.1667; best 1,000 / 1,000 × 31 = 31.
        # CEI = (3,500 + 1,000 − 3,000) / (3,500 + 1,000 − 1,000) = 1,500 / 3,500 = 42.86 %.
        # A's 2,000 are 70 days late: over 30 and over 60, not over 90. B paid on its due date.
        self._assert_money(
            march,
            {
                "sales": 1000,
                "ar_begin": 3500,
                "ar_end": 3000,
                "collected": 1500,
                "current_ar_end": 1000,
                "overdue_30": 2000,
                "overdue_60": 2000,
                "overdue_90": 0,
            },
        )
        self._assert_ratio(
            march,
            {
                "dso": 31 + 28 + 500 / 3000 * 31,
                "best_dso": 31.0,
                "days_delinquent": 28 + 500 / 3000 * 31,
                "cei": 100 * 1500 / 3500,
                "on_time_rate": 100.0,
            },
        )
        self.assertEqual((march.paid_count, march.paid_on_time_count), (1, 1))
        # Before January nothing was owed.
        self._assert_ratio(months["2025-12"], {"dso": 0.0, "cei": None})

    def test_collector_scope(self):
        rows = self._months(scope="collector")
        march = rows["2026-03"]
        self.assertEqual(march.collector_id, self.collector)
        self._assert_money(march, {"sales": 1000, "ar_end": 3000, "collected": 1500})
        self._assert_ratio(march, {"dso": 31 + 28 + 500 / 3000 * 31})

    def test_access(self):
        portal = new_test_user(self.env, "kpi_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self._months(user=portal)
        other_company = self.setup_other_company(name="Branch Office")["company"]
        self._create_invoice(
            self.customer, 700.0, "2026-02-01", "2026-02-01", company=other_company
        )
        kpi = self.env["collection.kpi"].with_user(self.collector)
        rows = kpi.with_context(collection_as_of="2026-03-31").search([])
        self.assertEqual(rows.company_id, self.company)
