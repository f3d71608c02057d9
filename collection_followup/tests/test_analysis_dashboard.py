from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestCollectionForecast(CollectionFollowupCommon):
    """Northwind paid its last two invoices 10 days late; Contoso never paid anything, so it
    gets the company's lateness (10 days, from Northwind's history). Forecast from Monday
    4 May 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        history = [
            cls._create_invoice(cls.customer, 1000.0, "2026-01-01", "2026-01-10"),
            cls._create_invoice(cls.customer, 1000.0, "2026-02-01", "2026-02-10"),
        ]
        cls._pay(history[0], 1000.0, "2026-01-20")
        cls._pay(history[1], 1000.0, "2026-02-20")
        cls.late = cls._create_invoice(cls.customer, 300.0, "2026-02-15", "2026-03-01")
        cls.soon = cls._create_invoice(cls.customer, 600.0, "2026-04-08", "2026-05-08")
        cls.newcomer = cls._create_invoice(cls.other_customer, 400.0, "2026-04-01", "2026-05-01")
        cls.disputed = cls._create_invoice(cls.other_customer, 250.0, "2026-04-01", "2026-05-01")
        cls.far = cls._create_invoice(cls.other_customer, 700.0, "2026-04-01", "2026-09-01")
        with freeze_time("2026-04-20"):
            cls.env["collection.dispute"].create({"move_id": cls.disputed.id, "reason": "other"})
        cls.collector = new_test_user(
            cls.env, "forecast_collector", groups="collection_followup.group_collection_user"
        )

    def _line(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def test_forecast(self):
        with freeze_time("2026-05-04"):
            forecast = self.env["collection.forecast"].with_user(self.collector)._get_forecast()
        self.assertEqual(forecast["company_lateness"], 10)
        weeks = forecast["weeks"]
        self.assertEqual(len(weeks), 13)
        self.assertEqual(weeks[0]["start"], date(2026, 5, 4))
        totals = [round(week["total"], 2) for week in weeks]
        # Due 1 March + 10 days is past: expected this week. Due 1 May + 10 (the company's
        # lateness for Contoso): 11 May, week 1. Due 8 May + 10: 18 May, week 2.
        self.assertEqual(totals[:3], [300.0, 400.0, 600.0])
        self.assertEqual(sum(totals[3:]), 0.0)
        self.assertEqual(weeks[0]["line_ids"], self._line(self.late).ids)
        self.assertEqual(weeks[2]["line_ids"], self._line(self.soon).ids)
        # Due 1 September + 10: beyond 13 weeks. The disputed invoice is apart.
        self.assertEqual(forecast["later"], 700.0)
        self.assertEqual(forecast["disputed"], 250.0)
        self.assertEqual(forecast["disputed_line_ids"], self._line(self.disputed).ids)

    def test_forecast_with_a_promise(self):
        """Contoso promises 500.00 on 20 May for its open invoices (400.00 due 1 May, 700.00
        due 1 September): the promise counts in its week (18 May, week 2), and of each
        promised item only the share the promise does not cover, 600 / 1,100, stays at its
        predicted date: 218.18 of the 400.00 in week 1, 381.82 of the 700.00 later."""
        with freeze_time("2026-05-04"):
            promise = self.env["collection.promise"].create(
                {
                    "partner_id": self.other_customer.id,
                    "amount": 500.0,
                    "date": "2026-05-20",
                    "move_ids": [Command.set((self.newcomer | self.far).ids)],
                }
            )
        promise.flush_recordset()
        self.env.cr.execute(
            "UPDATE collection_promise SET create_date = '2026-05-04 09:00:00' WHERE id = %s",
            [promise.id],
        )
        with freeze_time("2026-05-04"):
            forecast = self.env["collection.forecast"].with_user(self.collector)._get_forecast()
        weeks = forecast["weeks"]
        self.assertEqual([round(week["total"], 2) for week in weeks[:3]], [300.0, 218.18, 1100.0])
        self.assertEqual(round(weeks[2]["promises"], 2), 500.0)
        self.assertEqual(round(weeks[2]["items"], 2), 600.0)
        self.assertEqual(weeks[1]["line_ids"], self._line(self.newcomer).ids)
        self.assertEqual(round(forecast["later"], 2), 381.82)
        self.assertEqual(forecast["disputed"], 250.0)

    def test_worklist_by_value_of_a_call(self):
        """Northwind's 300.00 are 64 days late (more than its usual 10): 300 × 64 / 30 = 640.
        Contoso's 400.00 are 3 days late but it will likely pay 10 days late (the company's
        lateness): 400 × 10 / 30 = 133.33. The disputed invoice does not count."""
        worklist = self.env["collection.worklist"].with_user(self.collector)
        rows = worklist.with_context(collection_as_of="2026-05-04").search([])
        self.assertEqual(rows.partner_id.ids, [self.customer.id, self.other_customer.id])
        northwind, contoso = rows
        self.assertEqual(
            (northwind.overdue_amount, northwind.oldest_days, northwind.lateness), (300.0, 64, 10)
        )
        self.assertTrue(northwind.own_history)
        self.assertAlmostEqual(northwind.call_value, 640.0, places=2)
        self.assertEqual((contoso.overdue_amount, contoso.lateness), (400.0, 10))
        self.assertFalse(contoso.own_history)
        self.assertAlmostEqual(contoso.call_value, 400 * 10 / 30, places=2)
        portal = new_test_user(self.env, "worklist_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["collection.worklist"].with_user(portal).search([])


@tagged("post_install", "-at_install")
class TestCollectionDashboard(AccountTestInvoicingHttpCommon):
    """The morning dashboard: its figures, the records behind them, who may open it, and a
    collector going through it in a browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.northwind = cls.env["res.partner"].create({"name": "Northwind Traders"})
        cls.contoso = cls.env["res.partner"].create({"name": "Contoso Ltd"})
        today = fields.Date.context_today(cls.env.user)
        cls.old = cls._invoice(cls.northwind, 600.0, today - timedelta(days=200))
        cls.recent = cls._invoice(cls.northwind, 400.0, today - timedelta(days=10))
        cls.not_due = cls._invoice(cls.contoso, 300.0, today + timedelta(days=20))
        cls.env["collection.dispute"].create({"move_id": cls.not_due.id, "reason": "other"})
        cls.collector = new_test_user(
            cls.env, "dash_collector", groups="collection_followup.group_collection_user"
        )

    @classmethod
    def _invoice(cls, partner, amount, due):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Work", "price_unit": amount, "tax_ids": [Command.clear()]}
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _records(self, action):
        return (
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action.get("context", {}))
            .search(action["domain"])
        )

    def test_figures_open_their_records(self):
        data = self.env["collection.dashboard"].with_user(self.collector).get_dashboard_data()
        aging = data["aging"]
        self.assertEqual((aging["overdue"], aging["total"]), (1000.0, 1300.0))
        buckets = {bucket["key"]: bucket for bucket in aging["buckets"]}
        self.assertEqual(buckets["5_over_180"]["amount"], 600.0)
        self.assertEqual(buckets["1_1_30"]["amount"], 400.0)
        self.assertEqual(buckets["0_not_due"]["amount"], 300.0)
        self.assertEqual(self._records(aging["overdue_action"]).move_id, self.old | self.recent)
        self.assertEqual(self._records(buckets["5_over_180"]["action"]).move_id, self.old)
        [top] = data["top_customers"]
        self.assertEqual(
            (top["name"], top["amount"], top["days"]), ("Northwind Traders", 1000.0, 200)
        )
        self.assertEqual(self._records(top["action"]).move_id, self.old | self.recent)
        work = {item["key"]: item for item in data["worklist"]}
        self.assertEqual(work["disputes"]["count"], 1)
        self.assertEqual(self._records(work["disputes"]["action"]).move_id, self.not_due)
        self.assertEqual(work["approvals"]["count"], 0)
        self.assertEqual(len(data["dso"]["trend"]), 12)
        self.assertEqual(len(data["forecast"]["weeks"]), 13)
        # No history: everything at its due date; the overdue items this week.
        week0 = data["forecast"]["weeks"][0]
        self.assertEqual(week0["total"], 1000.0)
        self.assertEqual(self._records(week0["action"]).move_id, self.old | self.recent)
        self.assertEqual(data["forecast"]["disputed"], 300.0)

    def test_who_may_open_it(self):
        portal = new_test_user(self.env, "dash_portal", groups="base.group_portal")
        employee = new_test_user(self.env, "dash_employee", groups="base.group_user")
        clerk = new_test_user(self.env, "dash_clerk", groups="account.group_account_invoice")
        for user in (portal, employee, clerk):
            with self.assertRaises(AccessError):
                self.env["collection.dashboard"].with_user(user).get_dashboard_data()

    def test_other_company_stays_out(self):
        """A collector of this company sees nothing of another one: not on the dashboard, not
        in the aged balance's groups, even when asking for it; a collector of both sees the
        other one's when working in it; a portal user cannot group the aged balance."""
        branch = self.setup_other_company(name="Branch Office")["company"]
        today = fields.Date.context_today(self.env.user)
        fabrikam = self.env["res.partner"].create({"name": "Fabrikam Inc"})
        branch_invoice = (
            self.env["account.move"]
            .with_company(branch)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": fabrikam.id,
                    "invoice_date": today - timedelta(days=70),
                    "invoice_date_due": today - timedelta(days=40),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Work", "price_unit": 900.0, "tax_ids": [Command.clear()]}
                        )
                    ],
                }
            )
        )
        branch_invoice.action_post()
        data = self.env["collection.dashboard"].with_user(self.collector).get_dashboard_data()
        self.assertEqual((data["aging"]["overdue"], data["aging"]["total"]), (1000.0, 1300.0))
        buckets = {bucket["key"]: bucket["amount"] for bucket in data["aging"]["buckets"]}
        self.assertEqual(buckets["2_31_60"], 0.0)
        self.assertEqual([top["name"] for top in data["top_customers"]], ["Northwind Traders"])
        self.assertEqual(data["forecast"]["weeks"][0]["total"], 1000.0)
        aged = self.env["collection.aged.balance"].with_user(self.collector)
        groups = aged.read_group([], ["amount_residual:sum"], ["company_id"])
        self.assertEqual(
            [(group["company_id"][0], group["amount_residual"]) for group in groups],
            [(self.company.id, 1300.0)],
        )
        branch_only = [("company_id", "=", branch.id)]
        self.assertFalse(aged.read_group(branch_only, ["amount_residual:sum"], ["company_id"]))
        both = new_test_user(
            self.env,
            "dash_two_companies",
            groups="collection_followup.group_collection_user",
            company_ids=[Command.set((self.company | branch).ids)],
        )
        dashboard = self.env["collection.dashboard"].with_user(both)
        data = dashboard.with_context(allowed_company_ids=branch.ids).get_dashboard_data()
        self.assertEqual((data["aging"]["overdue"], data["aging"]["total"]), (900.0, 900.0))
        self.assertEqual([top["name"] for top in data["top_customers"]], ["Fabrikam Inc"])
        portal = new_test_user(self.env, "dash_portal_group", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["collection.aged.balance"].with_user(portal).read_group(
                [], ["amount_residual:sum"], ["partner_id"]
            )

    def test_dashboard_tour(self):
        self.start_tour(
            "/odoo/collections-dashboard", "collection_followup_dashboard", login="dash_collector"
        )
