from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestLateFees(CollectionFollowupCommon):
    """Late fees and interest booked as debit notes or fee invoices, figures computed by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["collection.late.fee.rule"]
        cls.Fee = cls.env["collection.late.fee"]

    def _rule(self, **values):
        return self.Rule.create({"name": "Late fee", **values})

    @staticmethod
    def _text(value):
        """``value`` with the non-breaking spaces of formatted amounts as plain spaces."""
        return value.replace("\xa0", " ")

    def _charge(self, rule, invoices, day, key=None):
        with freeze_time(day):
            return rule._charge(invoices, self._date(day), key or day)

    # ------------------------------------------------------------------
    # Custom rules: every mode, limits, payments during the delay
    # ------------------------------------------------------------------

    def test_fixed_percent_and_interest_booked_as_a_debit_note(self):
        rule = self._rule(fixed_amount=40.0, percent=1.0, interest="fixed", annual_rate=10.0)
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        fee = self._charge(rule, invoice, "2026-03-02")
        # 30 days late (1 February - 2 March): 40 + 10 + 1,000 x 10 % x 30/365 = 58.219178...
        self.assertEqual(fee.amount, 58.22)
        self.assertEqual(fee.state, "posted")
        document = fee.fee_move_id
        self.assertEqual(document.debit_origin_id, invoice)
        self.assertEqual(document.collection_late_fee_origin_id, invoice)
        self.assertEqual(document.move_type, "out_invoice")
        self.assertEqual(document.state, "posted")
        self.assertEqual(document.amount_total, 58.22)
        self.assertEqual(document.amount_tax, 0.0, "a late fee is not a sale: no tax by default")
        self.assertEqual(document.partner_id, self.customer)
        self.assertEqual(document.currency_id, invoice.currency_id)
        self.assertEqual(str(document.invoice_date), "2026-03-02")
        explanation = self._text(document.invoice_line_ids.name)
        self.assertIn("fixed fee $ 40.00", explanation)
        self.assertIn("1 % of $ 1,000.00 = $ 10.00", explanation)
        self.assertIn("02/01/2026 – 03/02/2026: $ 1,000.00 × 10 % × 30/365 = $ 8.22", explanation)
        self.assertIn("Charged now: $ 58.22", explanation)
        self.assertEqual(invoice.collection_late_fee_charged, 58.22)

    def test_charging_twice_books_once_and_a_later_charge_adds_the_new_interest(self):
        rule = self._rule(fixed_amount=40.0, percent=1.0, interest="fixed", annual_rate=10.0)
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        first = self._charge(rule, invoice, "2026-03-02")
        again = self._charge(rule, invoice, "2026-03-02")
        self.assertFalse(again, "the same invoice and period is charged once")
        later = self._charge(rule, invoice, "2026-03-31")
        # 59 days: 40 + 10 + 1,000 x 10 % x 59/365 = 66.164383 -> 66.16, less 58.22 charged
        self.assertEqual(later.amount_total, 66.16)
        self.assertEqual(later.amount, 7.94)
        self.assertEqual(self.Fee.search([("move_id", "=", invoice.id)]), first | later)
        self.assertIn("already charged $ 58.22", self._text(later.explanation))

    def test_partial_payment_during_the_delay_lowers_the_interest_base(self):
        rule = self._rule(interest="fixed", annual_rate=12.0)
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._pay(invoice, 400.0, "2026-02-15")
        fee = self._charge(rule, invoice, "2026-03-02")
        # The day of payment bears interest on what was owed that morning:
        # 1 - 15 February on 1,000: 1,000 x 12 % x 15/365 = 4.931507
        # 16 February - 2 March on 600: 600 x 12 % x 15/365 = 2.958904      total 7.890411
        self.assertEqual(fee.amount, 7.89)
        self.assertIn("$ 1,000.00 × 12 % × 15/365 = $ 4.93", self._text(fee.explanation))
        self.assertIn("$ 600.00 × 12 % × 15/365 = $ 2.96", self._text(fee.explanation))

    def test_payment_before_the_due_date_is_not_overdue(self):
        rule = self._rule(percent=2.0)
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._pay(invoice, 250.0, "2026-01-20")
        fee = self._charge(rule, invoice, "2026-02-10")
        self.assertEqual(fee.amount, 15.0, "2 % of the 750.00 that became overdue")

    def test_grace_days_then_interest_from_the_due_date(self):
        rule = self._rule(interest="fixed", annual_rate=12.0, grace_days=10)
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self.assertFalse(self._charge(rule, invoice, "2026-02-05"), "5 days late: in grace")
        fee = self._charge(rule, invoice, "2026-02-11")
        # grace over: 11 days from the due date, 1,000 x 12 % x 11/365 = 3.616438
        self.assertEqual(fee.amount, 3.62)

    def test_minimum_maximum_and_cap_per_item(self):
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        minimum = self._rule(percent=1.0, minimum=15.0)
        self.assertEqual(self._charge(minimum, invoice, "2026-02-10").amount, 15.0)
        other = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        capped = self._rule(fixed_amount=40.0, percent=1.0, cap_percent=0.5)
        fee = self._charge(capped, other, "2026-02-10")
        self.assertEqual(fee.amount, 5.0, "50.00 capped at 0.5 % of 1,000.00")
        self.assertIn("limited to 0.5 % of the principal: $ 5.00", self._text(fee.explanation))
        third = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        maximum = self._rule(fixed_amount=40.0, percent=1.0, maximum=45.0)
        self.assertEqual(self._charge(maximum, third, "2026-02-10").amount, 45.0)

    def test_instalments_each_bear_their_interest_and_the_fixed_fee_once(self):
        rule = self._rule(fixed_amount=40.0, interest="fixed", annual_rate=10.0)
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                ],
            }
        )
        invoice = self._create_invoice(self.customer, 2000.0, "2026-01-01", payment_term=term)
        fee = self._charge(rule, invoice, "2026-03-02")
        # item 1 due 1 January: 1,000 x 10 % x 60/365 = 16.438356 + 40 -> 56.44
        # item 2 due 31 January: 1,000 x 10 % x 30/365 = 8.219178 -> 8.22
        self.assertEqual(fee.amount, 64.66)
        self.assertEqual(fee.explanation.count("fixed fee"), 1)

    def test_fixed_fee_in_another_currency_is_converted_on_the_day(self):
        euro = self.setup_other_currency("EUR", rates=[("2026-01-01", 0.5)])
        rule = self._rule(fixed_amount=40.0)
        invoice = self._create_invoice(
            self.customer, 1000.0, "2026-01-01", "2026-01-31", currency=euro
        )
        fee = self._charge(rule, invoice, "2026-02-10")
        self.assertEqual(fee.currency_id, euro)
        self.assertEqual(fee.amount, 20.0, "USD 40.00 at 0.5 EUR per USD")
        self.assertEqual(fee.fee_move_id.currency_id, euro)
        self.assertEqual(fee.fee_move_id.amount_total, 20.0)

    def test_separate_fee_invoice_in_draft_for_review(self):
        rule = self._rule(fixed_amount=25.0, document="invoice", auto_post=False)
        invoice = self._create_invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        fee = self._charge(rule, invoice, "2026-02-10")
        self.assertEqual(fee.state, "draft")
        self.assertFalse(fee.fee_move_id.debit_origin_id)
        self.assertEqual(fee.fee_move_id.state, "draft")
        fee.action_post()
        self.assertEqual(fee.state, "posted")
        self.assertEqual(fee.fee_move_id.amount_residual, 25.0)

    def test_bad_rules_are_refused(self):
        with self.assertRaises(ValidationError):
            self._rule()
        with self.assertRaises(ValidationError):
            self._rule(interest="fixed", annual_rate=0.0)
        with self.assertRaises(ValidationError):
            self._rule(percent=1.0, minimum=50.0, maximum=10.0)
        with self.assertRaises(ValidationError):
            self._rule(fixed_amount=-5.0)

    # ------------------------------------------------------------------
    # Statutory presets against the reference-rate table
    # ------------------------------------------------------------------

    def test_eu_preset_splits_at_the_half_year_and_adds_eur_40(self):
        euro = self.setup_other_currency("EUR", rates=[("2024-01-01", 0.9)])
        rule = self._rule(preset="eu")
        invoice = self._create_invoice(
            self.customer, 1000.0, "2024-05-01", "2024-05-31", currency=euro
        )
        fee = self._charge(rule, invoice, "2024-08-30")
        # ECB rate 4.50 on 1 January 2024 -> 12.50 %: 1 - 30 June, 1,000 x 12.5 % x 30/365
        # = 10.273973; 4.25 on 1 July -> 12.25 %: 1 July - 30 August, 61 days = 20.472603;
        # + EUR 40 = 70.746575
        self.assertEqual(fee.amount, 70.75)
        self.assertIn("1,000.00 € × 12.5 % × 30/365 = 10.27 €", self._text(fee.explanation))
        self.assertIn("1,000.00 € × 12.25 % × 61/365 = 20.47 €", self._text(fee.explanation))

    def test_uk_preset_fixes_the_rate_and_the_sum_by_debt_size(self):
        pound = self.setup_other_currency("GBP", rates=[("2024-01-01", 0.8)])
        rule = self._rule(preset="uk")
        invoice = self._create_invoice(
            self.customer, 2500.0, "2024-05-01", "2024-05-31", currency=pound
        )
        fee = self._charge(rule, invoice, "2024-08-30")
        # Base rate on 31 December 2023: 5.25 -> 13.25 % for the whole delay (91 days), even
        # though it fell to 5.00 on 1 August: 2,500 x 13.25 % x 91/365 = 82.585616; + GBP 70
        self.assertEqual(fee.amount, 152.59)

    def test_german_preset_splits_the_delay_at_each_half_year(self):
        euro = self.setup_other_currency("EUR", rates=[("2024-01-01", 0.9)])
        rule = self._rule(preset="de_b2b")
        invoice = self._create_invoice(
            self.customer, 1000.0, "2024-05-01", "2024-05-31", currency=euro
        )
        fee = self._charge(rule, invoice, "2024-08-30")
        # Basiszinssatz 3.62 from 1 January 2024 -> 12.62 % for June (30 days) = 10.372603;
        # 3.37 from 1 July -> 12.37 % for 1 July - 30 August (61 days) = 20.672877; + EUR 40
        self.assertEqual(fee.amount, 71.05)
        consumer = self._rule(preset="de_consumer")
        other = self._create_invoice(
            self.customer, 1000.0, "2024-05-01", "2024-05-31", currency=euro
        )
        # + 5 points, no flat sum: 8.62 % x 30/365 = 7.084932; 8.37 % x 61/365 = 13.988219
        self.assertEqual(self._charge(consumer, other, "2024-08-30").amount, 21.07)

    def test_leap_year_day_counts(self):
        invoice = self._create_invoice(self.customer, 1000.0, "2024-01-15", "2024-02-15")
        actual = self._rule(interest="fixed", annual_rate=10.0, day_count="actual/actual")
        # 16 February - 15 March 2024: 29 days of a 366-day year: 7.923497
        self.assertEqual(self._charge(actual, invoice, "2024-03-15").amount, 7.92)
        other = self._create_invoice(self.customer, 1000.0, "2024-01-15", "2024-02-15")
        fixed_year = self._rule(interest="fixed", annual_rate=10.0, day_count="actual/365")
        # the same 29 days over 365: 7.945205
        self.assertEqual(self._charge(fixed_year, other, "2024-03-15").amount, 7.95)
        third = self._create_invoice(self.customer, 1000.0, "2024-01-15", "2024-02-15")
        thirty = self._rule(interest="fixed", annual_rate=10.0, day_count="30/360")
        # 30/360: 15 February -> 15 March is 30 days: 8.333333
        self.assertEqual(self._charge(thirty, third, "2024-03-15").amount, 8.33)

    def test_russian_preset_follows_every_key_rate_change(self):
        rouble = self.setup_other_currency("RUB", rates=[("2025-01-01", 90.0)])
        rule = self._rule(preset="ru")
        invoice = self._create_invoice(
            self.customer, 100000.0, "2025-05-01", "2025-05-31", currency=rouble
        )
        fee = self._charge(rule, invoice, "2025-06-30")
        # 21 % for 1 - 8 June: 100,000 x 21 % x 8/365 = 460.273973;
        # 20 % from 9 June: 100,000 x 20 % x 22/365 = 1,205.479452 -> 1,665.75, no fixed sum
        self.assertEqual(fee.amount, 1665.75)

    def test_missing_reference_rate_is_a_clear_error(self):
        self.env["collection.reference.rate"].search([("regime", "=", "boe_base")]).unlink()
        rule = self._rule(preset="uk")
        invoice = self._create_invoice(self.customer, 500.0, "2024-05-01", "2024-05-31")
        with self.assertRaisesRegex(UserError, "no Bank of England base rate in force"):
            self._charge(rule, invoice, "2024-08-30")

    def test_iranian_indexation_by_the_price_index(self):
        rates = self.env["collection.reference.rate"]
        rates.create({"regime": "ir_cpi", "date_from": "2025-03-01", "value": 200.0})
        rates.create({"regime": "ir_cpi", "date_from": "2025-06-01", "value": 230.0})
        rule = self._rule(preset="ir")
        invoice = self._create_invoice(self.customer, 1000.0, "2025-03-01", "2025-03-15")
        fee = self._charge(rule, invoice, "2025-06-10")
        self.assertEqual(fee.amount, 150.0, "1,000 x 230 / 200 - 1,000")

    # ------------------------------------------------------------------
    # When fees are charged: levels, the monthly accrual, exemptions
    # ------------------------------------------------------------------

    def test_a_level_charges_its_rule_before_the_reminder(self):
        rule = self._rule(fixed_amount=40.0)
        self.firm.late_fee_rule_id = rule
        invoice = self._create_invoice(self.customer, 800.0, "2026-01-01", "2026-01-31")
        day = self._date("2026-01-31") + timedelta(days=self.firm.delay)
        actions, mails = self._run(day)
        fee_action = actions.filtered(lambda a: a.channel == "fee")
        self.assertEqual(fee_action.state, "done")
        self.assertEqual(fee_action.late_fee_ids.amount, 40.0)
        self.assertEqual(fee_action.late_fee_ids.move_id, invoice)
        self.assertEqual(fee_action.late_fee_ids.period_key, day.isoformat())
        self.assertTrue(actions.filtered(lambda a: a.channel == "email" and a.state == "done"))
        self.assertEqual(len(self._mails_to(mails, self.customer)), 1)
        self.assertEqual(self.Fee.search_count([("move_id", "=", invoice.id)]), 1)

    def test_monthly_accrual_charges_each_month_once(self):
        rule = self._rule(interest="fixed", annual_rate=12.0)
        self.policy.late_fee_rule_id = rule
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-03-01"):
            self.Rule._cron_accrue_monthly()
            self.Rule._cron_accrue_monthly()
        fees = self.Fee.search([("move_id", "=", invoice.id)])
        # February: 1,000 x 12 % x 28/365 = 9.205479
        self.assertEqual(fees.mapped("amount"), [9.21])
        self.assertEqual(fees.period_key, "2026-02")
        self.assertEqual(str(fees.date), "2026-02-28")
        self._pay(invoice, 1000.0, "2026-03-10")
        with freeze_time("2026-04-01"):
            self.Rule._cron_accrue_monthly()
        march = self.Fee.search([("move_id", "=", invoice.id), ("period_key", "=", "2026-03")])
        # interest stops after the day of payment: 38 days to 10 March = 12.493151 -> 12.49,
        # less 9.21
        self.assertEqual(march.amount, 3.28)
        with freeze_time("2026-05-01"):
            self.Rule._cron_accrue_monthly()
        self.assertEqual(self.Fee.search_count([("move_id", "=", invoice.id)]), 2)

    def test_monthly_accrual_in_batches_until_done(self):
        self.policy.late_fee_rule_id = self._rule(fixed_amount=10.0)
        invoices = [
            self._create_invoice(self.customer, 100.0 * n, "2026-01-01", "2026-01-31")
            for n in (1, 2, 3)
        ]
        with freeze_time("2026-03-01"):
            self.assertEqual(self.Rule._cron_accrue_monthly(batch_size=2), 2)
            self.assertEqual(self.Rule._cron_accrue_monthly(batch_size=2), 1)
            self.assertEqual(self.Rule._cron_accrue_monthly(batch_size=2), 0)
        fees = self.Fee.search([("move_id", "in", [invoice.id for invoice in invoices])])
        self.assertEqual(sorted(fees.mapped("amount")), [10.0, 10.0, 10.0])

    def test_no_fee_on_disputes_plans_deposits_and_fee_documents(self):
        rule = self._rule(fixed_amount=40.0)
        disputed = self._create_invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        self.env["collection.dispute"].create(
            {"move_id": disputed.id, "reason": "wrong_amount", "message": "Ordered 2, got 1"}
        )
        in_plan = self._create_invoice(self.customer, 900.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-01"):
            plan = self.env["collection.payment.plan"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(in_plan.ids)],
                    "installment_count": 3,
                    "first_date": "2026-02-01",
                }
            )
            plan.action_compute_schedule()
            plan.action_accept()
        fee = self._charge(rule, disputed | in_plan, "2026-02-10")
        self.assertFalse(fee)
        plan.pause_fees = False
        self.assertEqual(self._charge(rule, in_plan, "2026-02-11").amount, 40.0)
        document = self.Fee.search([("move_id", "=", in_plan.id)]).fee_move_id
        self.assertFalse(self._charge(rule, document, "2026-04-01"), "no fee on a fee")
        self.assertEqual(self.Rule._exempt_reason(document), "a fee document bears no fee")

    def test_no_interest_while_the_invoice_was_disputed(self):
        rule = self._rule(fixed_amount=40.0, interest="fixed", annual_rate=10.0)
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-10"):
            dispute = self.env["collection.dispute"].create(
                {"move_id": invoice.id, "reason": "wrong_amount", "message": "Ordered 2, got 1"}
            )
        self.assertFalse(self._charge(rule, invoice, "2026-02-15"), "disputed: no fee")
        with freeze_time("2026-02-20"):
            dispute.action_resume()
        self.assertEqual(str(dispute.resolved_date), "2026-02-20")
        fee = self._charge(rule, invoice, "2026-03-02")
        # Interest for 1 - 9 February and 21 February - 2 March only: 9 + 10 = 19 days,
        # 1,000 x 10 % x 19/365 = 5.205479; + 40
        self.assertEqual(fee.amount, 45.21)
        self.assertIn(
            "02/10/2026 – 02/20/2026: no interest (disputed)", self._text(fee.explanation)
        )

    def test_no_fee_on_a_deposit_before_the_work_starts(self):
        plan = self.env["collection.billing.plan"].create(
            {
                "name": "Warehouse",
                "partner_id": self.customer.id,
                "amount_total": 1000.0,
                "currency_id": self.company.currency_id.id,
                "milestone_ids": [
                    Command.create({"name": "Deposit", "is_deposit": True, "percent": 30}),
                    Command.create({"name": "Build", "sequence": 20, "percent": 70}),
                ],
            }
        )
        plan.action_confirm()
        deposit, build = plan.milestone_ids.sorted("sequence")
        with freeze_time("2026-01-01"):
            deposit.action_create_invoice()
        invoice = deposit.invoice_id
        self.assertEqual(self.Rule._exempt_reason(invoice), "deposit for work not started")
        self.assertFalse(self._charge(self._rule(fixed_amount=40.0), invoice, "2026-02-20"))
        with freeze_time("2026-03-01"):
            build.stage = "ready"
        self.assertFalse(self.Rule._exempt_reason(invoice))

    # ------------------------------------------------------------------
    # Waiver, preview, terms, rights
    # ------------------------------------------------------------------

    def test_waiving_a_posted_fee_reverses_it_with_a_reconciled_credit_note(self):
        rule = self._rule(fixed_amount=40.0, interest="fixed", annual_rate=10.0)
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        fee = self._charge(rule, invoice, "2026-03-02")
        with self.assertRaisesRegex(UserError, "Say why"):
            fee._waive("  ")
        with freeze_time("2026-03-05"):
            wizard = self.env["collection.late.fee.waive"].create(
                {"fee_ids": [Command.set(fee.ids)], "reason": "Goodwill: first delay"}
            )
            wizard.action_waive()
        self.assertEqual(fee.state, "waived")
        self.assertEqual(fee.waive_reason, "Goodwill: first delay")
        self.assertEqual(fee.waived_by_id, self.env.user)
        credit = fee.credit_note_id
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.amount_total, 48.22)
        self.assertEqual(credit.state, "posted")
        self.assertEqual(fee.fee_move_id.payment_state, "reversed")
        self.assertEqual(invoice.collection_late_fee_charged, 0.0)
        # The waived amount is not charged again; later interest still is.
        later = self._charge(rule, invoice, "2026-03-31")
        # 40 + 1,000 x 10 % x 59/365 = 56.164384 -> 56.16, less the 48.22 waived
        self.assertEqual(later.amount, 7.94)

    def test_only_a_manager_waives(self):
        rule = self._rule(fixed_amount=40.0)
        invoice = self._create_invoice(self.customer, 500.0, "2026-01-01", "2026-01-31")
        fee = self._charge(rule, invoice, "2026-02-10")
        collector = self.env["res.users"].create(
            {
                "name": "Collector",
                "login": "collector_fees",
                "groups_id": [
                    Command.set(
                        [
                            self.env.ref("account.group_account_invoice").id,
                            self.env.ref("collection_followup.group_collection_user").id,
                        ]
                    )
                ],
            }
        )
        with self.assertRaisesRegex(UserError, "Only a collections manager"):
            fee.with_user(collector)._waive("Please")
        with self.assertRaises(AccessError):
            rule.with_user(collector).write({"fixed_amount": 1.0})
        self.assertEqual(fee.with_user(collector).amount, 40.0, "a collector reads charges")

    def test_preview_if_paid_today(self):
        rule = self._rule(fixed_amount=40.0, interest="fixed", annual_rate=10.0)
        self.policy.late_fee_rule_id = rule
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-03-02"):
            invoice.invalidate_recordset(["collection_late_fee_preview"])
            self.assertEqual(invoice.collection_late_fee_preview, 48.22)
            preview = invoice._collection_late_fee_preview()[invoice.id]
            self.assertIn("Late fee", preview["texts"])
        self._charge(rule, invoice, "2026-03-02")
        with freeze_time("2026-03-02"):
            invoice.invalidate_recordset(["collection_late_fee_preview"])
            self.assertEqual(invoice.collection_late_fee_preview, 0.0, "all charged already")
        with freeze_time("2026-03-12"):
            invoice.invalidate_recordset(["collection_late_fee_preview"])
            # 10 more days: 1,000 x 10 % x 40/365 = 10.958904 + 40 = 50.96, less 48.22
            self.assertEqual(invoice.collection_late_fee_preview, 2.74)
            self._create_invoice(self.customer, 500.0, "2026-02-01", "2026-03-01")
            # 40 + 500 x 10 % x 11/365 = 41.506849 -> 41.51; with the first: 44.25
            self.assertEqual(self.customer.collection_late_fee_preview, 44.25)
            self.assertEqual(self.other_customer.collection_late_fee_preview, 0.0)

    def test_preview_counts_from_the_oldest_open_instalment_and_reached_levels(self):
        rule = self._rule(fixed_amount=30.0)
        self.firm.late_fee_rule_id = rule
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 60}),
                ],
            }
        )
        invoice = self._create_invoice(self.customer, 2000.0, "2026-01-01", payment_term=term)
        before = self.firm.delay - 1
        with freeze_time(self._date("2026-01-01") + timedelta(days=before)):
            self.assertFalse(invoice._collection_late_fee_preview(), "level not reached yet")
        with freeze_time(self._date("2026-01-01") + timedelta(days=self.firm.delay)):
            invoice.invalidate_recordset(["collection_late_fee_preview"])
            self.assertEqual(invoice.collection_late_fee_preview, 30.0)

    def test_terms_printed_on_the_invoice(self):
        rule = self._rule(fixed_amount=40.0, interest="fixed", annual_rate=8.5, grace_days=5)
        self.policy.write(
            {"late_fee_rule_id": rule.id, "invoice_terms": "<p>We accept bank transfers.</p>"}
        )
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice", invoice.ids)[0]
            .decode()
        )
        self.assertIn("We accept bank transfers.", html)
        self.assertIn(
            "Late payment: a fee of $ 40.00 per late invoice, interest at 8.5 % a year, "
            "after 5 days of grace.",
            html.replace("\xa0", " "),
        )

    def test_terms_printed_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["ir.module.module"]._load_module_terms(
            ["collection_followup"], ["fa_IR"], overwrite=True
        )
        self.policy.late_fee_rule_id = self._rule(
            fixed_amount=40.0, interest="fixed", annual_rate=12
        )
        customer = self._create_customer("نساجی آزاده", "hesabdari@azadeh.example", lang="fa_IR")
        invoice = self._create_invoice(customer, 1000.0, "2026-01-01", "2026-01-31")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice", invoice.ids)[0]
            .decode()
        )
        self.assertIn("تأخیر در پرداخت: جریمه", html)
        self.assertIn("بهره به نرخ 12 % در سال", html)
        self.assertNotIn("Late payment:", html)

    @mute_logger("odoo.addons.collection_followup.models.collection_late_fee_rule")
    def test_monthly_accrual_logs_and_skips_a_rule_it_cannot_compute(self):
        self.env["collection.reference.rate"].search([("regime", "=", "ecb_mro")]).unlink()
        self.policy.late_fee_rule_id = self._rule(preset="eu")
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-03-01"):
            self.Rule._cron_accrue_monthly()
        self.assertFalse(self.Fee.search([("move_id", "=", invoice.id)]))


@tagged("post_install", "-at_install")
class TestLateFeesExact(CollectionFollowupCommon):
    """Money exact on every path: the day of payment, indexation in force, 30/360, fees
    booked once, fee documents, the order of partial payments, plan days, rate freshness.
    Every figure is worked out by hand in the comment next to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["collection.late.fee.rule"]
        cls.Fee = cls.env["collection.late.fee"]
        cls.Ledger = cls.env["collection.late.fee.ledger"]

    def _rule(self, **values):
        return self.Rule.create({"name": "Late fee", **values})

    def _charge(self, rule, invoices, day, key=None):
        with freeze_time(day):
            return rule._charge(invoices, self._date(day), key or day)

    @staticmethod
    def _text(value):
        return value.replace("\xa0", " ")

    # ------------------------------------------------------------------
    # The day of payment, for every path
    # ------------------------------------------------------------------

    def test_russian_interest_counts_the_day_of_payment_in_preview_fee_and_letter(self):
        rouble = self.setup_other_currency("RUB", rates=[("2024-01-01", 90.0)])
        rule = self._rule(preset="ru")
        self.policy.late_fee_rule_id = rule
        invoice = self._create_invoice(
            self.customer, 100000.0, "2023-12-11", "2024-01-10", currency=rouble
        )
        # 11 January - 9 February 2024 = 30 days at the key rate of 16 % (from 18 December
        # 2023), leap year: 100,000 x 16 % x 30/366 = 1,311.475410 -> 1,311.48 (the Supreme
        # Court's Plenum no. 7 of 24 March 2016, para. 48; without the day of payment, 29
        # days, 1,267.76)
        with freeze_time("2024-02-09"):
            preview = invoice._collection_late_fee_preview()[invoice.id]
            letter = self.env["collection.case.file"]._fees_and_interest(
                invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable"),
                self._date("2024-02-09"),
            )
        self.assertEqual(preview["amount"], 1311.48)
        self.assertIn("× 16 % × 30/366", self._text(" ".join(preview["texts"])))
        self.assertEqual(preview["provisional"], [])
        # The letter before action and the case files show it in company currency (USD at
        # 90 RUB): 1,311.48 / 90 = 14.572 -> 14.57
        self.assertEqual(letter[0]["amount"], 14.57)
        self.assertIn("30/366", self._text(letter[0]["label"]))
        self._pay(invoice, 100000.0, "2024-02-09")
        with freeze_time("2024-03-01"):
            self.Rule._cron_accrue_monthly()
        fee = self.Fee.search([("move_id", "=", invoice.id)])
        self.assertEqual(fee.amount, 1311.48, "what was previewed on the day of payment")
        self.assertEqual(fee.period_key, "2024-02")
        self.assertIn(
            "01/11/2024 – 02/09/2024: 100,000.00 руб × 16 % × 30/366 = 1,311.48 руб",
            self._text(fee.explanation),
        )

    def test_uk_debt_paid_one_day_late_bears_one_day_of_interest(self):
        pound = self.setup_other_currency("GBP", rates=[("2024-01-01", 0.8)])
        rule = self._rule(preset="uk")
        invoice = self._create_invoice(
            self.customer, 2500.0, "2024-05-01", "2024-05-31", currency=pound
        )
        self._pay(invoice, 2500.0, "2024-06-01")
        fee = self._charge(rule, invoice, "2024-06-30")
        # 1 June: 2,500 x 13.25 % (5.25 on 31 December 2023 + 8) x 1/365 = 0.907534; + GBP 70
        # = 70.907534 -> 70.91 (without the day of payment: 70.00)
        self.assertEqual(fee.amount, 70.91)
        self.assertIn("06/01/2024 – 06/01/2024", self._text(fee.explanation))

    def test_uk_claim_late_in_early_2020_reads_the_bank_rate_of_31_december_2019(self):
        pound = self.setup_other_currency("GBP", rates=[("2019-01-01", 0.8)])
        rule = self._rule(preset="uk")
        invoice = self._create_invoice(
            self.customer, 500.0, "2020-01-01", "2020-01-31", currency=pound
        )
        fee = self._charge(rule, invoice, "2020-03-31")
        # Bank Rate on 31 December 2019: 0.75 (from 2 August 2018) -> 8.75 % for the whole
        # delay, although the Bank cut it on 11 and 19 March 2020; 1 February - 31 March 2020
        # = 29 + 31 = 60 days: 500 x 8.75 % x 60/365 = 7.191781; + GBP 40 = 47.19
        self.assertEqual(fee.amount, 47.19)
        self.assertIn("× 8.75 % × 60/365", self._text(fee.explanation))
        boe = self.env["collection.reference.rate"].search([("regime", "=", "boe_base")])
        rows = {str(rate.date_from): rate.value for rate in boe}
        self.assertEqual(
            (rows["2018-08-02"], rows["2020-03-11"], rows["2020-03-19"]), (0.75, 0.25, 0.10)
        )
        self.assertTrue(
            all(rate.source.startswith("https://www.bankofengland.co.uk/") for rate in boe)
        )

    def test_uk_fixed_sum_compares_the_converted_debt_in_pence(self):
        euro = self.setup_other_currency("EUR", rates=[("2024-01-01", 1.3)])
        self.setup_other_currency("GBP", rates=[("2024-01-01", 1.0)])
        rule = self._rule(preset="uk")
        invoice = self._create_invoice(
            self.customer, 1300.0, "2024-05-01", "2024-05-31", currency=euro
        )
        fee = self._charge(rule, invoice, "2024-06-01")
        # EUR 1,300.00 is exactly GBP 1,000.00 (1.3 EUR and 1 GBP per USD), 999.9999999999999 in
        # floating point: the debt is 1,000 or more, GBP 70 = EUR 91.00 (GBP 40 = EUR 52.00
        # before); + 1 June: 1,300 x 13.25 % x 1/365 = 0.471918 -> 91.47
        self.assertEqual(fee.amount, 91.47)

    # ------------------------------------------------------------------
    # Indexation in force, 30/360 across a repeated rate
    # ------------------------------------------------------------------

    def test_iranian_indexation_uses_the_index_row_in_force(self):
        rial = self.setup_other_currency("IRR", rates=[("2024-01-01", 42000.0)])
        rates = self.env["collection.reference.rate"]
        # test rows from the first day of Esfand 1402, Farvardin and Ordibehesht 1403
        for day, value in (("2024-02-20", 400.0), ("2024-03-20", 410.0), ("2024-04-20", 422.0)):
            rates.create({"regime": "ir_cpi", "date_from": day, "value": value})
        rule = self._rule(preset="ir")
        invoice = self._create_invoice(
            self.customer, 100000000.0, "2024-02-05", "2024-03-05", currency=rial
        )
        self._pay(invoice, 100000000.0, "2024-04-10")
        fee = self._charge(rule, invoice, "2024-04-30")
        # due 5 March (Esfand row, 400), paid 10 April (Farvardin row, 410):
        # 100,000,000 x 410 / 400 - 100,000,000 = 2,500,000 (by Gregorian month: March -> 410,
        # April -> 422, 2,926,829)
        self.assertEqual(fee.amount, 2500000.0)
        self.assertIn("index 400 (from 02/20/2024) → 410 (from 03/20/2024)", fee.explanation)

    def test_30_360_is_not_split_by_a_base_rate_row_repeating_the_rate(self):
        rule = self._rule(
            interest="reference", reference_regime="de_basiszins", margin=5.0, day_count="30/360"
        )
        invoice = self._create_invoice(self.customer, 1000.0, "2025-11-15", "2025-12-15")
        fee = self._charge(rule, invoice, "2026-01-15")
        # Basiszinssatz 1.27 from 1 July 2025 and again from 1 January 2026: one line of
        # 30/360 days, 15 December - 15 January = 30: 1,000 x 6.27 % x 30/360 = 5.225 -> 5.23
        # (split at 1 January: 16 + 15 = 31 days, 5.40)
        self.assertEqual(fee.amount, 5.23)
        self.assertIn("× 6.27 % × 30/360", self._text(fee.explanation))

    # ------------------------------------------------------------------
    # Reference rates say how fresh they are
    # ------------------------------------------------------------------

    def test_rate_past_its_checked_date_is_provisional_in_preview_letter_and_fee(self):
        euro = self.setup_other_currency("EUR", rates=[("2026-01-01", 0.9)])
        rule = self._rule(preset="eu")
        self.policy.late_fee_rule_id = rule
        invoice = self._create_invoice(
            self.customer, 1000.0, "2026-05-01", "2026-05-31", currency=euro
        )
        regime = self.env.ref("collection_followup.reference_regime_ecb_mro")
        self.assertEqual(str(regime.checked_until), "2026-02-05")
        self.assertEqual(str(rule.checked_until), "2026-02-05")
        lines = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        with freeze_time("2026-08-30"):
            preview = invoice._collection_late_fee_preview()[invoice.id]
            letter = self.env["collection.case.file"]._fees_and_interest(
                lines, self._date("2026-08-30")
            )
        warning = (
            "Provisional: the ECB main refinancing rate is checked until 02/05/2026; from "
            "07/01/2026 the last value known is used"
        )
        self.assertIn(warning, preview["provisional"][0])
        self.assertIn(warning, self._text(letter[0]["label"]))
        # 2.15 + 8 = 10.15 % for June and, provisionally, from 1 July: 91 days,
        # 1,000 x 10.15 % x 91/365 = 25.305479; + EUR 40 = 65.31
        self.assertEqual(preview["amount"], 65.31)
        fee = self._charge(rule, invoice, "2026-08-30")
        self.assertTrue(fee.provisional)
        self.assertIn(warning, fee.explanation)
        # Once the accountant has checked the series beyond 1 July, it is no longer provisional.
        regime.checked_until = "2026-08-31"
        other = self._create_invoice(
            self.customer, 1000.0, "2026-05-01", "2026-05-31", currency=euro
        )
        later = self._charge(rule, other, "2026-08-30")
        self.assertFalse(later.provisional)
        self.assertNotIn("Provisional", later.explanation)
        self.assertEqual(later.amount, 65.31)

    def test_a_rate_read_before_its_checked_date_is_not_provisional(self):
        pound = self.setup_other_currency("GBP", rates=[("2025-01-01", 0.8)])
        rule = self._rule(preset="uk")
        invoice = self._create_invoice(
            self.customer, 500.0, "2025-06-01", "2025-06-30", currency=pound
        )
        fee = self._charge(rule, invoice, "2026-08-31")
        # Interest starts on 1 July 2025: the Bank Rate of 30 June 2025 (4.25, from 8 May 2025;
        # the series is checked until 18 December 2025) + 8 = 12.25 %, fixed for the whole
        # delay, so nothing is provisional even in 2026. 1 July 2025 - 31 August 2026 = 184 +
        # 243 = 427 days: 500 x 12.25 % x 427/365 = 71.654110; + GBP 40 = 111.65
        self.assertEqual(fee.amount, 111.65)
        self.assertFalse(fee.provisional)

    # ------------------------------------------------------------------
    # A fee is booked once; the monthly accrual finishes
    # ------------------------------------------------------------------

    def test_fixed_fee_once_across_level_and_monthly_periods(self):
        rule = self._rule(fixed_amount=40.0)
        self.policy.late_fee_rule_id = rule
        self.firm.late_fee_rule_id = rule
        invoice = self._create_invoice(self.customer, 800.0, "2026-01-01", "2026-01-31")
        day = self._date("2026-01-31") + timedelta(days=self.firm.delay)
        self._run(day)
        with freeze_time("2026-03-01"):
            self.Rule._cron_accrue_monthly()
        fees = self.Fee.search([("move_id", "=", invoice.id)])
        self.assertEqual(fees.mapped("amount"), [40.0], "the level's 40.00, nothing in February")
        self.assertTrue(fees.includes_fixed)
        ledger = self.Ledger.search([("rule_id", "=", rule.id), ("move_id", "=", invoice.id)])
        self.assertEqual((ledger.monthly_period, ledger.monthly_outcome), ("2026-02", "nothing"))
        # The database itself refuses a second charge carrying the fixed fee of the invoice.
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.Fee.sudo().create(  # as the engine books fees
                {
                    "rule_id": rule.id,
                    "move_id": invoice.id,
                    "period_key": "2026-03",
                    "date": "2026-03-31",
                    "amount": 40.0,
                    "includes_fixed": True,
                }
            )

    def test_charging_locks_the_ledger_row_of_the_rule_and_invoice(self):
        rule = self._rule(fixed_amount=10.0)
        invoice = self._create_invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        first = self.Ledger._lock(rule, invoice)
        self.assertEqual(self.Ledger._lock(rule, invoice), first, "one row per rule and invoice")
        self.assertEqual((first.rule_id, first.move_id), (rule, invoice))
        self.assertEqual(self._charge(rule, invoice, "2026-02-10").amount, 10.0)
        self.assertEqual(self.Ledger.search_count([("move_id", "=", invoice.id)]), 1)

    def test_monthly_accrual_examines_every_invoice_once_and_goes_on(self):
        rule = self._rule(fixed_amount=10.0, grace_days=20)
        self.policy.late_fee_rule_id = rule
        disputed = self._create_invoice(self.customer, 100.0, "2026-01-01", "2026-01-20")
        self.env["collection.dispute"].create(
            {"move_id": disputed.id, "reason": "wrong_amount", "message": "Ordered 2, got 1"}
        )
        in_grace = self._create_invoice(self.customer, 200.0, "2026-01-01", "2026-02-15")
        late = [
            self._create_invoice(self.customer, 100.0 * n, "2026-01-01", "2026-01-31")
            for n in (3, 4)
        ]
        cron = self.env.ref("collection_followup.ir_cron_collection_late_fees_monthly")
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": cron.id, "remaining": 0, "done": 0}
        )
        Rule = self.Rule.with_context(ir_cron_progress_id=progress.id)
        with freeze_time("2026-03-01"):
            self.assertEqual(Rule._cron_accrue_monthly(batch_size=1), 1)
            self.assertEqual((progress.done, progress.remaining), (1, 3))
            self.assertEqual(Rule._cron_accrue_monthly(batch_size=1), 1)
            self.assertEqual(Rule._cron_accrue_monthly(batch_size=1), 1)
            self.assertEqual(Rule._cron_accrue_monthly(batch_size=1), 1)
            self.assertEqual((progress.done, progress.remaining), (1, 0))
            self.assertEqual(Rule._cron_accrue_monthly(batch_size=1), 0, "the month is done")
        ledgers = self.Ledger.search([("rule_id", "=", rule.id)])
        outcomes = {ledger.move_id: ledger.monthly_outcome for ledger in ledgers}
        # due 20 January, disputed: exempt; due 15 February: 13 days late on 28 February,
        # within the 20 days of grace; due 31 January: 28 days late, charged 10.00 each
        self.assertEqual(
            outcomes,
            {disputed: "exempt", in_grace: "nothing", late[0]: "charged", late[1]: "charged"},
        )
        self.assertEqual(set(ledgers.mapped("monthly_period")), {"2026-02"})
        fees = self.Fee.search([("rule_id", "=", rule.id)])
        self.assertEqual(fees.move_id, late[0] | late[1])
        self.assertEqual(fees.mapped("amount"), [10.0, 10.0])

    def test_monthly_accrual_records_any_error_and_finishes_the_month(self):
        rule = self._rule(fixed_amount=10.0)
        self.policy.late_fee_rule_id = rule
        broken, sound = (
            self._create_invoice(self.customer, amount, "2026-01-01", "2026-01-31")
            for amount in (100.0, 200.0)
        )
        original = type(self.Rule)._invoice_figures

        def failing(rule_self, invoice, on_date):
            if invoice == broken:
                raise ZeroDivisionError("division by zero")
            return original(rule_self, invoice, on_date)

        logger = "odoo.addons.collection_followup.models.collection_late_fee_rule"
        with (
            freeze_time("2026-03-01"),
            mute_logger(logger),
            patch.object(type(self.Rule), "_invoice_figures", failing),
        ):
            self.assertEqual(self.Rule._cron_accrue_monthly(), 2)
            self.assertEqual(self.Rule._cron_accrue_monthly(), 0, "not retried this month")
        ledger = self.Ledger.search([("move_id", "=", broken.id)])
        self.assertEqual((ledger.monthly_period, ledger.monthly_outcome), ("2026-02", "error"))
        self.assertIn("division by zero", ledger.monthly_note)
        self.assertFalse(self.Fee.search([("move_id", "=", broken.id)]))
        self.assertEqual(self.Fee.search([("move_id", "=", sound.id)]).amount, 10.0)

    # ------------------------------------------------------------------
    # Fee documents follow their accounting
    # ------------------------------------------------------------------

    def test_a_billing_clerk_cannot_make_a_fee_disappear_with_its_document(self):
        rule = self._rule(fixed_amount=25.0, document="invoice", auto_post=False)
        invoice = self._create_invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        fee = self._charge(rule, invoice, "2026-02-10")
        document = fee.fee_move_id
        clerk = new_test_user(self.env, login="fee_clerk", groups="account.group_account_invoice")
        with self.assertRaisesRegex(UserError, "cannot be deleted, cancelled or reversed"):
            document.with_user(clerk).unlink()
        with self.assertRaisesRegex(UserError, "A collections manager waives the fee"):
            document.with_user(clerk).button_cancel()
        self.assertEqual((document.exists().state, fee.state), ("draft", "draft"))
        # A draft fee is not charged yet, and the rule does not charge the invoice again while
        # it waits for review.
        self.assertEqual(invoice.collection_late_fee_charged, 0.0)
        self.assertFalse(self._charge(rule, invoice, "2026-02-20"))
        fee.action_post()
        self.assertEqual((fee.state, invoice.collection_late_fee_charged), ("posted", 25.0))
        with self.assertRaisesRegex(UserError, "cannot be deleted, cancelled or reversed"):
            document.with_user(clerk)._reverse_moves(cancel=True)
        # Reset to draft by an accountant: the fee follows its document.
        document.button_draft()
        self.assertEqual(fee.state, "draft")
        # The manager's waiver is the way out, and leaves the reason.
        manager = new_test_user(
            self.env,
            login="fee_manager",
            groups="account.group_account_manager,collection_followup.group_collection_manager",
        )
        fee.with_user(manager)._waive("Agreed with the customer")
        self.assertEqual((fee.state, document.state), ("waived", "cancel"))
        self.assertEqual(fee.waive_reason, "Agreed with the customer")

    def test_a_collector_cannot_edit_a_booked_fee(self):
        rule = self._rule(fixed_amount=40.0)
        invoice = self._create_invoice(self.customer, 500.0, "2026-01-01", "2026-01-31")
        fee = self._charge(rule, invoice, "2026-02-10")
        collector = new_test_user(
            self.env, login="fee_collector", groups="collection_followup.group_collection_user"
        )
        with self.assertRaises(AccessError):
            fee.with_user(collector).write({"amount": 1.0})
        with self.assertRaises(AccessError):
            fee.with_user(collector).write({"state": "waived"})
        self.assertEqual((fee.amount, fee.state), (40.0, "posted"))

    # ------------------------------------------------------------------
    # Partial payments: fees and interest first, as an option of the rule
    # ------------------------------------------------------------------

    def _partial_payment_case(self, payment_order):
        rule = self._rule(
            fixed_amount=40.0, interest="fixed", annual_rate=10.0, payment_order=payment_order
        )
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        first = self._charge(rule, invoice, "2026-03-02")
        # 40 + 1,000 x 10 % x 30/365 = 48.219178 -> 48.22, posted
        self.assertEqual(first.amount, 48.22)
        clerk = new_test_user(
            self.env, login=f"pay_{payment_order}", groups="account.group_account_invoice"
        )
        (
            self.env["account.payment.register"]
            .with_user(clerk)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": 500.0, "payment_date": "2026-03-02"})
            ._create_payments()
        )
        return rule, invoice, first

    def test_partial_payment_settles_fees_and_interest_first_when_the_rule_says_so(self):
        rule, invoice, first = self._partial_payment_case("legal")
        # 500 paid: 48.22 to the fee document, 451.78 to the invoice, 548.22 still open
        self.assertEqual(first.fee_move_id.payment_state, "paid")
        self.assertEqual(invoice.amount_residual, 548.22)
        later = self._charge(rule, invoice, "2026-04-01")
        # 1 February - 2 March on 1,000: 30 days = 8.219178; 3 March - 1 April on 548.22:
        # 30 days, 548.22 x 10 % x 30/365 = 4.505918; + 40 = 52.725096 -> 52.73, less 48.22
        self.assertEqual(later.amount, 4.51)
        self.assertIn("$ 548.22 × 10 % × 30/365 = $ 4.51", self._text(later.explanation))

    def test_partial_payment_keeps_odoo_matching_by_default(self):
        rule, invoice, first = self._partial_payment_case("odoo")
        self.assertEqual(rule.payment_order, "odoo")
        self.assertEqual(first.fee_move_id.payment_state, "not_paid")
        self.assertEqual(invoice.amount_residual, 500.0)
        later = self._charge(rule, invoice, "2026-04-01")
        # 3 March - 1 April on 500: 500 x 10 % x 30/365 = 4.109589; 8.219178 + 4.109589 + 40
        # = 52.328767 -> 52.33, less 48.22
        self.assertEqual(later.amount, 4.11)

    # ------------------------------------------------------------------
    # Payment plans: their days bear no interest unless broken and the rule says so
    # ------------------------------------------------------------------

    def _broken_plan_fee(self, plan_days):
        rule = self._rule(interest="fixed", annual_rate=10.0, plan_days=plan_days)
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-10"):
            plan = self.env["collection.payment.plan"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "installment_count": 3,
                    "first_date": "2026-02-15",
                }
            )
            plan.action_compute_schedule()
            plan.action_accept()
        with freeze_time("2026-02-21"), self.mock_mail_gateway():
            self.env["collection.payment.plan"]._cron_check_payment_plans()
        self.assertEqual(plan.state, "broken")
        self.assertEqual(
            (str(plan.end_date), str(plan.broken_due_date)), ("2026-02-21", "2026-02-15")
        )
        return self._charge(rule, invoice, "2026-03-02")

    def test_broken_plan_interest_from_the_missed_instalment_by_default(self):
        fee = self._broken_plan_fee("from_missed")
        # Plan accepted 10 February, instalment of 15 February missed (grace of 5 days), broken
        # on 21 February. 10 - 15 February bear none: 1 - 9 February (9 days) + 16 February -
        # 2 March (15 days) = 24 days, 1,000 x 10 % x 24/365 = 6.575342 -> 6.58
        self.assertEqual(fee.amount, 6.58)
        self.assertIn(
            "02/10/2026 – 02/15/2026: no interest (payment plan)", self._text(fee.explanation)
        )

    def test_broken_plan_all_days_charged_when_the_rule_says_so(self):
        # the plan's days bear interest as if there had been no plan: 30 days = 8.219178
        self.assertEqual(self._broken_plan_fee("all").amount, 8.22)

    def test_broken_plan_days_never_charged_when_the_rule_says_so(self):
        # 10 - 21 February free: 9 + 9 (22 February - 2 March) = 18 days = 4.931507 -> 4.93
        self.assertEqual(self._broken_plan_fee("none").amount, 4.93)
