from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestCollectionEffectiveness(CollectionFollowupCommon):
    """Two levels, computed by hand.

    Gentle by email on 15 Jan reminds X 1,000.00 (400.00 paid 18 Jan, 600.00 paid 10 Feb) and
    Z 500.00 (never paid): 1,500.00 reminded, 400.00 paid within 3, 7 and 14 days, 1,000.00
    within 30 days. Firm by letter on 1 Feb reminds Y 2,000.00, of which 300.00 were paid on
    20 Jan (before the letter): 1,700.00 reminded, 500.00 paid on 8 Feb (within 7 days).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        x = cls._create_invoice(cls.customer, 1000.0, "2026-01-01", "2026-01-10")
        z = cls._create_invoice(cls.customer, 500.0, "2026-01-01", "2026-01-10")
        y = cls._create_invoice(cls.other_customer, 2000.0, "2026-01-01", "2026-01-10")
        cls._pay(x, 400.0, "2026-01-18")
        cls._pay(x, 600.0, "2026-02-10")
        cls._pay(y, 300.0, "2026-01-20")
        cls._pay(y, 500.0, "2026-02-08")
        # Set-up: actions are the engine's ledger, written as superuser.
        cls.env["collection.followup.action"].sudo().create(
            [
                cls._action(cls.customer, cls.gentle, "email", "2026-01-15", x | z),
                cls._action(cls.other_customer, cls.firm, "letter", "2026-02-01", y),
                # Not done: does not count.
                cls._action(cls.other_customer, cls.gentle, "email", "2026-01-15", y, "failed"),
            ]
        )
        cls.collector = new_test_user(
            cls.env, "effect_collector", groups="collection_followup.group_collection_user"
        )

    @classmethod
    def _action(cls, partner, level, channel, date, moves, state="done"):
        lines = moves.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        return {
            "partner_id": partner.id,
            "level_id": level.id,
            "channel": channel,
            "state": state,
            "date": date,
            "line_ids": [(6, 0, lines.ids)],
        }

    def _rows(self, as_of="2026-03-31", user=None):
        report = self.env["collection.effectiveness"].with_user(user or self.collector)
        rows = report.with_context(collection_as_of=as_of).search([])
        return {(row.level_id, row.channel): row for row in rows}

    def _assert(self, row, amounts, rates):
        for name, value in amounts.items():
            self.assertFalse(
                self.company.currency_id.compare_amounts(row[name], value),
                f"{name}: {row[name]} != {value}",
            )
        for name, value in rates.items():
            self.assertAlmostEqual(row[name], value, places=4, msg=name)

    def test_two_levels(self):
        rows = self._rows()
        self.assertEqual(set(rows), {(self.gentle, "email"), (self.firm, "letter")})
        gentle, firm = rows[(self.gentle, "email")], rows[(self.firm, "letter")]
        self.assertEqual(gentle.action_count, 1)
        self._assert(
            gentle,
            {
                "amount_reminded": 1500,
                "paid_3": 400,
                "paid_7": 400,
                "paid_14": 400,
                "paid_30": 1000,
            },
            {
                "rate_3": 100 * 400 / 1500,
                "rate_7": 100 * 400 / 1500,
                "rate_14": 100 * 400 / 1500,
                "rate_30": 100 * 1000 / 1500,
            },
        )
        self._assert(
            firm,
            {"amount_reminded": 1700, "paid_3": 0, "paid_7": 500, "paid_14": 500, "paid_30": 500},
            {"rate_3": 0.0, "rate_7": 100 * 500 / 1700, "rate_30": 100 * 500 / 1700},
        )

    def test_payments_after_the_date_do_not_count(self):
        gentle = self._rows(as_of="2026-02-01")[(self.gentle, "email")]
        # The 600.00 of 10 Feb is after the analysis date.
        self._assert(gentle, {"paid_30": 400}, {"rate_30": 100 * 400 / 1500})
        self.assertNotIn((self.firm, "letter"), self._rows(as_of="2026-01-31"))

    def test_portal_sees_nothing(self):
        portal = new_test_user(self.env, "effect_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self._rows(user=portal)

    def test_other_company_stays_out(self):
        """An action of another company counts there only: this company's collector does not
        see it, a collector of both sees it when working in that company, alone."""
        branch = self.setup_other_company(name="Branch Office")["company"]
        invoice = self._create_invoice(
            self.customer, 800.0, "2026-01-01", "2026-01-10", company=branch
        )
        branch_gentle = branch.collection_policy_id._get_levels()[1]
        # Set-up: actions are the engine's ledger, written as superuser.
        self.env["collection.followup.action"].sudo().create(
            dict(
                self._action(self.customer, branch_gentle, "email", "2026-01-15", invoice),
                company_id=branch.id,
            )
        )
        rows = self._rows()
        self.assertEqual(set(rows), {(self.gentle, "email"), (self.firm, "letter")})
        self._assert(rows[(self.gentle, "email")], {"amount_reminded": 1500}, {})
        both = new_test_user(
            self.env,
            "effect_two_companies",
            groups="collection_followup.group_collection_user",
            company_ids=[(6, 0, (self.company | branch).ids)],
        )
        report = self.env["collection.effectiveness"].with_user(both)
        branch_rows = report.with_context(
            collection_as_of="2026-03-31", allowed_company_ids=branch.ids
        ).search([])
        self.assertEqual(branch_rows.company_id, branch)
        self.assertEqual(branch_rows.level_id, branch_gentle)
        self.assertEqual(branch_rows.amount_reminded, 800.0)
