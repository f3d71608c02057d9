from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
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
        # 1 - 14 February on 1,000: 1,000 x 12 % x 14/365 = 4.602740
        # 15 February - 2 March on 600: 600 x 12 % x 16/365 = 3.156164      total 7.758904
        self.assertEqual(fee.amount, 7.76)
        self.assertIn("$ 1,000.00 × 12 % × 14/365 = $ 4.60", self._text(fee.explanation))
        self.assertIn("$ 600.00 × 12 % × 16/365 = $ 3.16", self._text(fee.explanation))

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
        # interest stops on payment: 37 days to 9 March = 12.164384 -> 12.16, less 9.21
        self.assertEqual(march.amount, 2.95)
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
