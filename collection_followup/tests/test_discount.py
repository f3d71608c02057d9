from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged, warmup

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestDiscountTiers(CollectionFollowupCommon):
    """5 % within 10 days, 2 % within 20 days, net 30, on an invoice of 1,000.00 + 15 % tax.

    Hand-computed figures (invoice date 1 March 2026, total 1,150.00):
    - tax reduced on early payment ("included"): 5 % of 1,150.00 = 57.50 (50.00 + 7.50 tax),
      pay 1,092.50 until 11 March; 2 % = 23.00 (20.00 + 3.00 tax), pay 1,127.00 until 21 March;
    - tax never reduced ("excluded"): 5 % of 1,000.00 = 50.00, pay 1,100.00; 2 % = 20.00,
      pay 1,130.00.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.tax_sale_a  # 15 %
        cls.loss_account = cls.company.account_journal_early_pay_discount_loss_account_id
        cls.rule = cls.env["collection.discount.rule"].create(
            {
                "name": "5 % in 10 days, 2 % in 20 days",
                "tier_ids": [
                    Command.create({"days": 10, "percent": 5.0}),
                    Command.create({"days": 20, "percent": 2.0}),
                ],
            }
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Discounts Ltd"})
        cls.term = cls._term("included")
        cls.term_excluded = cls._term("excluded")

    @classmethod
    def _term(cls, computation, rule=None, net_days=30):
        return cls.env["account.payment.term"].create(
            {
                "name": f"Tiers, net {net_days} ({computation})",
                "early_pay_discount_computation": computation,
                "collection_discount_rule_id": (rule or cls.rule).id,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": net_days})
                ],
            }
        )

    @classmethod
    def _invoice(cls, term=None, amount=1000.0, currency=None, partner=None, date="2026-03-01"):
        values = {
            "move_type": "out_invoice",
            "partner_id": (partner or cls.customer).id,
            "invoice_date": date,
            "invoice_payment_term_id": (term or cls.term).id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Consulting",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.set(cls.tax.ids)],
                    }
                )
            ],
        }
        if currency:
            values["currency_id"] = currency.id
        invoice = cls.env["account.move"].create(values)
        invoice.action_post()
        return invoice

    def _wizard(self, invoice, payment_date, **values):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": payment_date, **values})
        )

    def _payment_lines(self, payment):
        """The payment's journal items without the bank side: what the discount wrote off."""
        return [
            (line.account_id, line.amount_currency, line.balance, bool(line.tax_ids))
            for line in payment.move_id.line_ids.sorted(lambda line: (line.balance, line.id))
        ]

    # ------------------------------------------------------------------
    # The tiers on the payment term and on the invoice
    # ------------------------------------------------------------------

    def test_first_tier_is_odoos_own_discount(self):
        self.assertRecordValues(
            self.term,
            [{"early_discount": True, "discount_percentage": 5.0, "discount_days": 10}],
        )
        self.rule.tier_ids.filtered(lambda t: t.days == 10).percent = 6.0
        self.assertEqual(self.term.discount_percentage, 6.0)
        self.term.discount_days = 3  # the rule decides
        self.assertEqual(self.term.discount_days, 10)

    def test_invoice_keeps_its_tiers(self):
        invoice = self._invoice()
        self.assertEqual(
            invoice.collection_discount_tiers,
            [
                {
                    "days": 10,
                    "percent": 5.0,
                    "date": "2026-03-11",
                    "amount_currency": 1092.5,
                    "balance": 1092.5,
                },
                {
                    "days": 20,
                    "percent": 2.0,
                    "date": "2026-03-21",
                    "amount_currency": 1127.0,
                    "balance": 1127.0,
                },
            ],
        )
        # The first tier is the one Odoo stored on the receivable line.
        term_line = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertRecordValues(
            term_line,
            [{"discount_date": self._date("2026-03-11"), "discount_amount_currency": 1092.5}],
        )
        # Changing the rule later does not change an invoice already posted.
        self.rule.tier_ids.filtered(lambda t: t.days == 20).percent = 3.0
        invoice.invalidate_recordset()
        self.assertEqual(invoice.collection_discount_tiers[1]["amount_currency"], 1127.0)
        self.assertEqual(self._invoice().collection_discount_tiers[1]["amount_currency"], 1115.5)

    def test_tiers_are_odoos_own_term_computation(self):
        """Each tier is what Odoo's ``account.payment.term._compute_terms`` gives for a copy of
        the invoice's term carrying the tier's discount: a change of that computation (a later
        Odoo, a localisation rounding the discounted amount to whole units here) reaches every
        tier. The term itself keeps the rule's first tier."""
        PaymentTerm = type(self.env["account.payment.term"])
        compute_terms = PaymentTerm._compute_terms
        calls = []

        def whole_units(term, *args, **kwargs):
            result = compute_terms(term, *args, **kwargs)
            calls.append((term._origin, term.discount_percentage, term.discount_days))
            if term.early_discount:
                result["discount_amount_currency"] = float(int(result["discount_amount_currency"]))
                result["discount_balance"] = float(int(result["discount_balance"]))
            return result

        with patch.object(PaymentTerm, "_compute_terms", whole_units):
            invoice = self._invoice()
        self.assertEqual(
            [
                (t["date"], t["amount_currency"], t["balance"])
                for t in invoice.collection_discount_tiers
            ],
            [("2026-03-11", 1092.0, 1092.0), ("2026-03-21", 1127.0, 1127.0)],
        )
        self.assertIn((self.term, 2.0, 20), calls)
        self.assertRecordValues(self.term, [{"discount_percentage": 5.0, "discount_days": 10}])

    def test_invoice_pdf_lists_every_tier(self):
        invoice = self._invoice()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice_with_payments", invoice.ids)[0]
            .decode()
        )
        self.assertRegex(
            html, r"1,092\.50</span></span>\s*due if paid by <span[^>]*>03/11/2026</span>"
        )
        self.assertRegex(
            html, r"1,127\.00</span></span>\s*due if paid by <span[^>]*>03/21/2026</span>"
        )

    def test_excluded_tiers_discount_the_untaxed_amount(self):
        invoice = self._invoice(self.term_excluded)
        self.assertEqual(
            [(t["date"], t["amount_currency"]) for t in invoice.collection_discount_tiers],
            [("2026-03-11", 1100.0), ("2026-03-21", 1130.0)],
        )

    # ------------------------------------------------------------------
    # Payments
    # ------------------------------------------------------------------

    def test_payment_on_the_last_day_of_the_first_tier(self):
        invoice = self._invoice()
        with freeze_time("2026-03-11"):
            wizard = self._wizard(invoice, "2026-03-11")
            self.assertEqual(wizard.amount, 1092.5)
            self.assertTrue(wizard.early_payment_discount_mode)
            payment = wizard._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.amount_residual, 0.0)
        receivable = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        bank = payment.move_id.line_ids - payment.move_id.line_ids.filtered(
            lambda line: line.account_id in (receivable.account_id, self.loss_account)
            or line.tax_repartition_line_id
        )
        self.assertEqual(
            self._payment_lines(payment),
            [
                (receivable.account_id, -1150.0, -1150.0, False),
                (self.tax.invoice_repartition_line_ids.account_id[:1], 7.5, 7.5, False),
                (self.loss_account, 50.0, 50.0, True),
                (bank.account_id, 1092.5, 1092.5, False),
            ],
        )

    def test_payment_one_day_after_the_first_tier_gets_the_second(self):
        invoice = self._invoice()
        with freeze_time("2026-03-12"):
            wizard = self._wizard(invoice, "2026-03-12")
            self.assertEqual(wizard.amount, 1127.0)
            self.assertEqual(wizard.payment_difference, 23.0)
            payment = wizard._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        writeoff = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == self.loss_account or line.tax_repartition_line_id
        )
        self.assertRecordValues(
            writeoff.sorted("balance"),
            [
                {
                    "amount_currency": 3.0,
                    "balance": 3.0,
                    "account_id": self.tax.invoice_repartition_line_ids.account_id[:1].id,
                },
                {"amount_currency": 20.0, "balance": 20.0, "account_id": self.loss_account.id},
            ],
        )
        self.assertEqual(writeoff.filtered("tax_ids").tax_ids, self.tax)
        self.assertEqual(payment.amount, 1127.0)

    def test_payment_a_backdated_payment_gets_the_tier_of_its_date(self):
        invoice = self._invoice(self.term_excluded)
        with freeze_time("2026-03-25"):  # registered late, received on 12 March
            payment = self._wizard(invoice, "2026-03-12")._create_payments()
        self.assertEqual(payment.amount, 1130.0)
        self.assertRecordValues(
            payment.move_id.line_ids.filtered(lambda line: line.account_id == self.loss_account),
            [{"amount_currency": 20.0, "balance": 20.0, "tax_ids": []}],
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_excluded_payment_in_the_first_tier(self):
        invoice = self._invoice(self.term_excluded)
        with freeze_time("2026-03-05"):
            payment = self._wizard(invoice, "2026-03-05")._create_payments()
        self.assertEqual(payment.amount, 1100.0)
        self.assertRecordValues(
            payment.move_id.line_ids.filtered(lambda line: line.account_id == self.loss_account),
            [{"amount_currency": 50.0, "balance": 50.0}],
        )
        self.assertFalse(payment.move_id.line_ids.filtered("tax_repartition_line_id"))

    def test_payment_after_the_last_tier_pays_the_full_amount(self):
        invoice = self._invoice()
        with freeze_time("2026-03-22"):
            wizard = self._wizard(invoice, "2026-03-22")
            self.assertEqual(wizard.amount, 1150.0)
            self.assertFalse(wizard.early_payment_discount_mode)
            wizard._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        with freeze_time("2026-03-22"):
            late = self._invoice()
            self._pay(late, 1127.0, "2026-03-22")  # the expired discounted amount: a part only
        self.assertEqual(late.payment_state, "partial")
        self.assertEqual(late.amount_residual, 23.0)
        self.assertFalse(
            late.matched_payment_ids.move_id.line_ids.filtered(
                lambda line: line.account_id == self.loss_account
            )
        )

    def test_partial_payment_loses_the_discount(self):
        invoice = self._invoice()
        with freeze_time("2026-03-05"):
            self._pay(invoice, 500.0, "2026-03-05")
            self.assertEqual(invoice.amount_residual, 650.0)
            self.assertFalse(invoice._collection_discount_offer())
        with freeze_time("2026-03-08"):
            wizard = self._wizard(invoice, "2026-03-08")
            self.assertEqual(wizard.amount, 650.0)
            self.assertFalse(wizard.early_payment_discount_mode)
            wizard._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(
            invoice.matched_payment_ids.move_id.line_ids.filtered(
                lambda line: line.account_id == self.loss_account
            )
        )

    def test_foreign_currency_invoice(self):
        """1,000.00 EUR + 15 % at 2 EUR per USD: 1,150.00 EUR = 575.00 USD. Paid on day 11:
        1,127.00 EUR (563.50 USD), 20.00 EUR (10.00 USD) and 3.00 EUR (1.50 USD) written off."""
        eur = self.setup_other_currency("EUR")
        invoice = self._invoice(currency=eur)
        self.assertEqual(
            [(t["amount_currency"], t["balance"]) for t in invoice.collection_discount_tiers],
            [(1092.5, 546.25), (1127.0, 563.5)],
        )
        with freeze_time("2026-03-12"):
            wizard = self._wizard(invoice, "2026-03-12")
            self.assertEqual((wizard.currency_id, wizard.amount), (eur, 1127.0))
            payment = wizard._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        writeoff = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == self.loss_account or line.tax_repartition_line_id
        )
        self.assertRecordValues(
            writeoff.sorted("balance"),
            [
                {"amount_currency": 3.0, "balance": 1.5, "currency_id": eur.id},
                {"amount_currency": 20.0, "balance": 10.0, "currency_id": eur.id},
            ],
        )
        self.assertEqual(payment.amount, 1127.0)

    # ------------------------------------------------------------------
    # The offer shown to the customer
    # ------------------------------------------------------------------

    def test_offer_helper_figures_and_deadline(self):
        invoice = self._invoice()
        expected = {
            "2026-03-01": (5.0, "2026-03-11", 1092.5, 57.5),
            "2026-03-11": (5.0, "2026-03-11", 1092.5, 57.5),
            "2026-03-12": (2.0, "2026-03-21", 1127.0, 23.0),
            "2026-03-21": (2.0, "2026-03-21", 1127.0, 23.0),
        }
        for day, (percent, deadline, amount, discount) in expected.items():
            offer = invoice._collection_discount_offer(self._date(day))
            self.assertEqual(
                (offer["percent"], offer["deadline"], offer["amount"], offer["discount"]),
                (percent, self._date(deadline), amount, discount),
                day,
            )
            self.assertEqual(
                (offer["amount_full"], offer["currency"]), (1150.0, invoice.currency_id)
            )
        self.assertFalse(invoice._collection_discount_offer(self._date("2026-03-22")))
        with freeze_time("2026-03-12"):
            self.assertEqual(invoice._collection_discount_offer()["amount"], 1127.0)
        # Odoo's own single discount counts as one tier; none at all gives no offer.
        native = self.env["account.payment.term"].create(
            {
                "name": "3 % in 7 days",
                "early_discount": True,
                "discount_percentage": 3.0,
                "discount_days": 7,
                "early_pay_discount_computation": "excluded",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})
                ],
            }
        )
        offer = self._invoice(native)._collection_discount_offer(self._date("2026-03-02"))
        self.assertEqual(
            (offer["percent"], offer["deadline"], offer["amount"], offer["discount"]),
            (3.0, self._date("2026-03-08"), 1120.0, 30.0),
        )
        plain = self._create_invoice(self.customer, 1000.0, "2026-03-01", "2026-03-31")
        self.assertFalse(plain._collection_discount_offer(self._date("2026-03-02")))
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-03-01",
                "invoice_payment_term_id": self.term.id,
                "invoice_line_ids": [Command.create({"name": "x", "price_unit": 100.0})],
            }
        )
        self.assertFalse(draft._collection_discount_offer(self._date("2026-03-02")))

    def test_pay_link_page_shows_the_tier_in_force(self):
        """The reminder's pay link opens Odoo's invoice page, which asks for the discounted
        amount of the day and says until when."""
        invoice = self._invoice()
        with freeze_time("2026-03-12"):
            values = invoice._get_invoice_next_payment_values()
        self.assertEqual(values["installment_state"], "epd")
        self.assertEqual(values["amount_due"], 1127.0)
        self.assertEqual(values["epd_discount_amount_currency"], 23.0)
        self.assertEqual(values["discount_date"], "2026-03-21")
        self.assertEqual(values["epd_days_left"], 9)
        self.assertIn("within 9 days", values["epd_discount_msg"])
        with freeze_time("2026-03-22"):
            values = invoice._get_invoice_next_payment_values()
        self.assertNotEqual(values["installment_state"], "epd")
        self.assertEqual(values["amount_due"], 1150.0)

    def test_online_payment_of_the_discounted_amount(self):
        """Paying on the invoice page (the reminder's pay link) the amount it asks for on day
        11 settles the invoice with the second tier written off."""
        invoice = self._invoice()
        method = self.env.ref("payment.payment_method_unknown")
        provider = self.env["payment.provider"].create(
            {
                "name": "Test provider",
                "code": "none",
                "state": "test",
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        method.active = True
        journal = self.company_data["default_journal_bank"]
        provider.journal_id = journal
        self.env["account.payment.method.line"].create(
            {
                "name": "Test provider",
                "payment_method_id": self.env.ref("account.account_payment_method_manual_in").id,
                "payment_provider_id": provider.id,
                "journal_id": journal.id,
            }
        )
        with freeze_time("2026-03-12"):
            amount = invoice._get_invoice_next_payment_values()["amount_due"]
            transaction = (
                self.env["payment.transaction"]
                .sudo()
                .create(
                    {
                        "provider_id": provider.id,
                        "payment_method_id": method.id,
                        "amount": amount,
                        "currency_id": invoice.currency_id.id,
                        "partner_id": self.customer.id,
                        "reference": "DISCOUNT-TX-1",
                        "operation": "online_redirect",
                        "invoice_ids": [Command.set(invoice.ids)],
                    }
                )
            )
            payment = transaction._create_payment()
        self.assertEqual(payment.amount, 1127.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        writeoff = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == self.loss_account or line.tax_repartition_line_id
        )
        self.assertEqual(sorted(writeoff.mapped("balance")), [3.0, 20.0])

    def test_reminder_email_shows_the_discounted_amount(self):
        self.heads_up.delay = -25  # a heads-up 25 days before the due date (31 March)
        invoice = self._invoice(partner=self.other_customer)
        self.assertEqual(invoice.invoice_date_due, self._date("2026-03-31"))
        _actions, mails = self._run("2026-03-06")
        body = self._mails_to(mails, self.other_customer).body_html
        self.assertIn("Pay early and save", body)
        self.assertIn(f"Invoice <bdi>{invoice.name}</bdi>: pay", body)
        self.assertRegex(
            body, r"pay <strong>\$(&nbsp;|\s)1,092\.50</strong> by <strong>03/11/2026</strong>"
        )
        self.assertRegex(
            body, r"instead of <bdi>\$(&nbsp;|\s)1,150\.00</bdi> \(5 % early-payment discount\)"
        )
        # Once the tiers have passed, the reminder says nothing of a discount.
        self.heads_up.delay = -3
        late = self._invoice(partner=self.customer)
        _actions, mails = self._run("2026-03-28")
        body = self._mails_to(mails, self.customer).body_html
        self.assertIn(late.name, body)
        self.assertNotIn("Pay early and save", body)

    # ------------------------------------------------------------------
    # Bad input, rights
    # ------------------------------------------------------------------

    def test_validation_of_tiers(self):
        Rule = self.env["collection.discount.rule"]
        bad = {
            "percent not decreasing": [(10, 2.0), (20, 5.0)],
            "same percent": [(10, 2.0), (20, 2.0)],
            "same days": [(10, 5.0), (10, 2.0)],
            "zero percent": [(10, 0.0)],
            "hundred percent": [(10, 100.0)],
            "zero days": [(0, 5.0)],
            "negative days": [(-1, 5.0)],
            "no tier": [],
        }
        for reason, tiers in bad.items():
            with self.subTest(reason), self.assertRaises(ValidationError):
                Rule.create(
                    {
                        "name": reason,
                        "tier_ids": [
                            Command.create({"days": days, "percent": percent})
                            for days, percent in tiers
                        ],
                    }
                )
        with self.assertRaises(ValidationError):  # beyond net 30
            self.rule.tier_ids.filtered(lambda t: t.days == 20).days = 31
        with self.assertRaises(ValidationError):  # net 15 ends before the second tier
            self._term("included", net_days=15)
        with self.assertRaises(ValidationError):  # Odoo's tax reduction upon invoice
            self.term.early_pay_discount_computation = "mixed"
        with self.assertRaises(ValidationError):  # Odoo: one 100 % line only
            self.term.line_ids = [
                Command.clear(),
                Command.create({"value": "percent", "value_amount": 50, "nb_days": 15}),
                Command.create({"value": "percent", "value_amount": 50, "nb_days": 30}),
            ]
        with self.assertRaises(ValidationError):
            self.term.early_discount = False
        with self.assertRaises(ValidationError):  # last tier removed
            self.rule.tier_ids.unlink()
        other_rule = Rule.create(
            {
                "name": "Other company",
                "company_id": self.other_company.id,
                "tier_ids": [Command.create({"days": 5, "percent": 3.0})],
            }
        )
        with self.assertRaises(ValidationError):
            self.term.collection_discount_rule_id = other_rule

    def test_access_rights(self):
        accountant = new_test_user(
            self.env,
            "invoicing_ines",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        manager = new_test_user(
            self.env,
            "collections_boss",
            groups="collection_followup.group_collection_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        other = self.env["collection.discount.rule"].create(
            {
                "name": "Other company",
                "company_id": self.other_company.id,
                "tier_ids": [Command.create({"days": 5, "percent": 3.0})],
            }
        )
        Rule = self.env["collection.discount.rule"]
        self.assertEqual(
            Rule.with_user(accountant).search([("id", "in", (self.rule | other).ids)]), self.rule
        )
        with self.assertRaises(AccessError):
            Rule.with_user(accountant).create(
                {"name": "Mine", "tier_ids": [Command.create({"days": 5, "percent": 3.0})]}
            )
        with self.assertRaises(AccessError):
            self.rule.with_user(accountant).tier_ids.write({"percent": 9.0})
        # A collections manager edits the tiers; the payment terms follow.
        self.rule.with_user(manager).tier_ids.filtered(lambda t: t.days == 10).percent = 4.0
        self.assertEqual(self.term.discount_percentage, 4.0)
        # An invoicing user registers a discounted payment.
        invoice = self._invoice()
        with freeze_time("2026-03-12"):
            payment = (
                self.env["account.payment.register"]
                .with_user(accountant)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"payment_date": "2026-03-12"})
                ._create_payments()
            )
        self.assertEqual(payment.amount, 1127.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))


@tagged("post_install", "-at_install")
class TestDiscountRuleForm(CollectionFollowupCommon):
    """An accounting administrator (who may edit payment terms in Odoo) creates a rule from the
    menu and chooses it on a payment term, through the forms, in one company and in several."""

    def _administrator(self, login, companies):
        return new_test_user(
            self.env,
            login,
            groups="account.group_account_manager",
            company_id=companies[0].id,
            company_ids=companies.ids,
        )

    def _rule_from_the_menu(self, user, company=None):
        form = Form(self.env["collection.discount.rule"].with_user(user))
        form.name = "5 % in 10 days, 2 % in 20 days"
        for percent, days in ((5.0, 10), (2.0, 20)):
            with form.tier_ids.new() as tier:
                tier.percent = percent
                tier.days = days
        if company:
            form.company_id = company
        return form.save()

    def _term_form(self, user, company=None):
        form = Form(self.env["account.payment.term"].with_user(user))
        form.name = "Net 30, early payment tiers"
        if company:
            form.company_id = company
        with form.line_ids.edit(0) as line:
            line.nb_days = 30
        form.early_discount = True
        return form

    def _offered(self, user, form):
        """The rules the term's "More tiers" dropdown offers (the field's domain in the form)."""
        return (
            self.env["collection.discount.rule"]
            .with_user(user)
            .search(["|", ("company_id", "=", False), ("company_id", "=", form.company_id.id)])
        )

    def test_one_company(self):
        user = self._administrator("tiers_admin", self.company)
        self.assertFalse(user.has_group("base.group_multi_company"))
        rule = self._rule_from_the_menu(user)
        self.assertFalse(rule.company_id)
        form = self._term_form(user)
        self.assertFalse(form.company_id)
        self.assertIn(rule, self._offered(user, form))
        form.collection_discount_rule_id = rule
        term = form.save()
        self.assertRecordValues(
            term,
            [
                {
                    "collection_discount_rule_id": rule.id,
                    "early_discount": True,
                    "discount_percentage": 5.0,
                    "discount_days": 10,
                }
            ],
        )
        invoice = self._create_invoice(self.customer, 1000.0, "2026-03-01", payment_term=term)
        self.assertEqual(
            [(t["date"], t["amount_currency"]) for t in invoice.collection_discount_tiers],
            [("2026-03-11", 950.0), ("2026-03-21", 980.0)],
        )

    def test_several_companies(self):
        other = self.env["res.company"].create({"name": "Branch B Ltd"})
        user = self._administrator("tiers_admin_multi", self.company | other)
        self.assertTrue(user.has_group("base.group_multi_company"))
        shared = self._rule_from_the_menu(user)
        self.assertFalse(shared.company_id)
        of_b = self._rule_from_the_menu(user, company=other)
        of_a = self._rule_from_the_menu(user, company=self.company)
        form = self._term_form(user, company=self.company)
        self.assertEqual(self._offered(user, form) & (shared | of_a | of_b), shared | of_a)
        form.collection_discount_rule_id = of_b
        with self.assertRaisesRegex(ValidationError, "belongs to Branch B Ltd"):
            form.save()
        for rule in (shared, of_a):
            form = self._term_form(user, company=self.company)
            form.collection_discount_rule_id = rule
            self.assertEqual(form.save().collection_discount_rule_id, rule)
        # A term shared by every company takes shared rules only.
        form = self._term_form(user)
        self.assertEqual(self._offered(user, form) & (shared | of_a | of_b), shared)
        form.collection_discount_rule_id = of_a
        with self.assertRaisesRegex(ValidationError, "belongs to Acme Collections"):
            form.save()


@tagged("post_install", "-at_install")
class TestLoyaltyReward(CollectionFollowupCommon):
    """Three invoices in a row paid on time: a 5 % discount on the next invoice, or a thank-you
    email; once per run; a late payment starts the count again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "collection_loyalty_invoice_count": 3,
                "collection_loyalty_reward": "discount",
                "collection_loyalty_percent": 5.0,
            }
        )
        cls.Reward = cls.env["collection.loyalty.reward"]

    def _paid(self, invoice_date, due_date, paid_on, partner=None):
        invoice = self._create_invoice(partner or self.customer, 100.0, invoice_date, due_date)
        with freeze_time(paid_on):
            self._pay(invoice, 100.0, paid_on)
        return invoice

    def _streak(self):
        self.customer.invalidate_recordset(["collection_loyalty_streak"])
        return self.customer.collection_loyalty_streak

    def _rewards(self, partner=None):
        return self.Reward.search([("partner_id", "=", (partner or self.customer).id)])

    def test_discount_granted_once_then_applied_to_the_next_invoice(self):
        a = self._paid("2026-01-01", "2026-01-31", "2026-01-20")
        b = self._paid("2026-02-01", "2026-02-28", "2026-02-28")  # on the due date: on time
        self.assertFalse(self._rewards())
        self.assertEqual(self._streak(), 2)
        c = self._paid("2026-03-01", "2026-03-31", "2026-03-10")
        reward = self._rewards()
        self.assertRecordValues(
            reward,
            [
                {
                    "reward_type": "discount",
                    "percent": 5.0,
                    "state": "available",
                    "last_move_id": c.id,
                }
            ],
        )
        self.assertEqual(reward.move_ids, a | b | c)
        self.assertEqual(self._streak(), 0)
        # Checking again (another reconciliation) grants nothing more: the walk starts after
        # the last reward.
        self.Reward._check_streaks(a | b | c)
        self.assertEqual(self._rewards(), reward)
        # The next invoice, 1,000.00 + 15 % tax, gets 5 % off: 950.00 + 142.50 = 1,092.50.
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-04-01",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Consulting",
                            "price_unit": 1000.0,
                            "tax_ids": [Command.set(self.tax_sale_a.ids)],
                        }
                    )
                ],
            }
        )
        self.assertIn("5 % discount", draft.collection_loyalty_notice)
        draft.action_post()
        discount_line = draft.invoice_line_ids.filtered(lambda line: line.price_unit < 0)
        self.assertRecordValues(
            discount_line,
            [{"price_unit": -50.0, "price_subtotal": -50.0, "tax_ids": self.tax_sale_a.ids}],
        )
        self.assertEqual(discount_line.account_id, draft.invoice_line_ids[0].account_id)
        self.assertRecordValues(
            draft, [{"amount_untaxed": 950.0, "amount_tax": 142.5, "amount_total": 1092.5}]
        )
        self.assertRecordValues(reward, [{"state": "used", "applied_move_id": draft.id}])
        # Only once: the invoice after it is not discounted.
        after = self._create_invoice(self.customer, 200.0, "2026-04-02", "2026-05-02")
        self.assertEqual(after.amount_total, 200.0)
        self.assertEqual(len(after.invoice_line_ids), 1)

    def test_late_payment_breaks_the_run(self):
        self._paid("2026-01-01", "2026-01-31", "2026-01-20")
        self._paid("2026-02-01", "2026-02-28", "2026-03-02")  # two days late
        self.assertEqual(self._streak(), 0)
        self._paid("2026-03-01", "2026-03-31", "2026-03-15")
        d = self._paid("2026-04-01", "2026-04-30", "2026-04-15")
        self.assertFalse(self._rewards())
        with freeze_time("2026-04-16"):
            self.assertEqual(self._streak(), 2)
        # An invoice left unpaid past its due date breaks the run too, even before it is paid.
        e = self._create_invoice(self.customer, 100.0, "2026-05-01", "2026-05-31")
        f = self._paid("2026-05-02", "2026-06-30", "2026-06-05")
        self.assertFalse(self._rewards())
        with freeze_time("2026-06-10"):
            self._pay(e, 100.0, "2026-06-10")  # late
        self.assertFalse(self._rewards())
        g = self._paid("2026-07-01", "2026-07-31", "2026-07-05")
        h = self._paid("2026-08-01", "2026-08-31", "2026-08-05")
        reward = self._rewards()
        self.assertEqual(reward.move_ids, f | g | h)
        self.assertNotIn(d, reward.move_ids)

    def test_run_waits_for_an_invoice_not_due_yet(self):
        a = self._paid("2026-01-01", "2026-01-31", "2026-01-10")
        b = self._create_invoice(self.customer, 100.0, "2026-01-05", "2026-02-28")
        c = self._paid("2026-01-10", "2026-02-10", "2026-01-20")
        self.assertFalse(self._rewards())  # b, issued before c, is still open
        with freeze_time("2026-02-01"):
            self._pay(b, 100.0, "2026-02-01")
        self.assertEqual(self._rewards().move_ids, a | b | c)

    def test_thank_you_email(self):
        self.company.collection_loyalty_reward = "email"
        self._paid("2026-01-01", "2026-01-31", "2026-01-20")
        self._paid("2026-02-01", "2026-02-28", "2026-02-20")
        with self.mock_mail_gateway():
            c = self._paid("2026-03-01", "2026-03-31", "2026-03-10")
            mails = self._new_mails
        reward = self._rewards()
        self.assertRecordValues(reward, [{"reward_type": "email", "state": "sent", "percent": 0.0}])
        mail = self._mails_to(mails, self.customer)
        self.assertEqual(mail.subject, "Thank you for paying on time")
        self.assertIn(c.name, mail.body_html)
        self.assertEqual(reward.mail_message_id.model, "res.partner")
        # No discount for the next invoice.
        nxt = self._create_invoice(self.customer, 300.0, "2026-04-01", "2026-05-01")
        self.assertEqual(nxt.amount_total, 300.0)

    def test_off_when_zero_and_the_percent_checked(self):
        self.company.collection_loyalty_invoice_count = 0
        for month in ("01", "02", "03", "04"):
            self._paid(f"2026-{month}-01", f"2026-{month}-25", f"2026-{month}-05")
        self.assertFalse(self._rewards())
        with self.assertRaises(ValidationError):
            self.company.write(
                {"collection_loyalty_invoice_count": 3, "collection_loyalty_percent": 0.0}
            )

    def test_rights(self):
        accountant = new_test_user(
            self.env,
            "invoicing_ivo",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        for month in ("01", "02", "03"):
            invoice = self._create_invoice(
                self.customer, 100.0, f"2026-{month}-01", f"2026-{month}-25"
            )
            with freeze_time(f"2026-{month}-05"):
                (
                    self.env["account.payment.register"]
                    .with_user(accountant)
                    .with_context(active_model="account.move", active_ids=invoice.ids)
                    .create({"amount": 100.0, "payment_date": f"2026-{month}-05"})
                    ._create_payments()
                )
        reward = self._rewards()
        self.assertEqual(reward.state, "available")
        with self.assertRaises(AccessError):
            reward.with_user(accountant).write({"state": "cancelled"})
        # The accountant posts the next invoice: the discount is applied all the same.
        nxt = (
            self.env["account.move"]
            .with_user(accountant)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": "2026-04-01",
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "x", "price_unit": 400.0, "tax_ids": [Command.clear()]}
                        )
                    ],
                }
            )
        )
        nxt.action_post()
        self.assertEqual(nxt.amount_total, 380.0)
        self.assertEqual(reward.state, "used")

    def _clerk(self):
        return new_test_user(
            self.env,
            "loyalty_clerk",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )

    def _clerk_pays(self, clerk, invoice, day):
        with freeze_time(day):
            (
                self.env["account.payment.register"]
                .with_user(clerk)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"payment_date": day})
                ._create_payments()
            )

    def test_a_run_waiting_behind_an_older_invoice_paid_late_is_rewarded(self):
        """a, issued first on long terms, is paid late after b, c and d were paid on time: the
        run b, c, d is complete once a is decided, and rewarded then (it used to be lost for
        good: the run did not contain the invoice just paid)."""
        clerk = self._clerk()
        a = self._create_invoice(self.customer, 100.0, "2026-01-01", "2026-03-31")
        b = self._create_invoice(self.customer, 100.0, "2026-01-05", "2026-01-31")
        c = self._create_invoice(self.customer, 100.0, "2026-01-10", "2026-02-10")
        d = self._create_invoice(self.customer, 100.0, "2026-01-15", "2026-02-15")
        for invoice, day in ((d, "2026-01-20"), (b, "2026-01-25"), (c, "2026-02-01")):
            self._clerk_pays(clerk, invoice, day)
        self.assertFalse(self._rewards())  # a, issued before them, is neither paid nor due
        self._clerk_pays(clerk, a, "2026-04-10")  # ten days late
        reward = self._rewards()
        self.assertRecordValues(
            reward, [{"reward_type": "discount", "percent": 5.0, "last_move_id": d.id}]
        )
        self.assertEqual(reward.move_ids, b | c | d)
        self.assertEqual(self._streak(), 0)
        e = self._create_invoice(self.customer, 100.0, "2026-04-15", "2026-05-15")
        self._clerk_pays(clerk, e, "2026-05-01")
        self.assertEqual(self._rewards(), reward)
        self.assertEqual(self._streak(), 1)

    def test_a_credit_note_is_not_the_customer_paying_on_time(self):
        """c: 60.00 paid on time, the disputed 40.00 credited after the due date. The credit
        note is not the customer paying late: c is on time, by its payment, and completes the
        run a, b, c. d, credited in full, is not paid by the customer at all: left out."""
        clerk = self._clerk()
        a = self._paid("2026-01-01", "2026-01-31", "2026-01-20")
        b = self._paid("2026-02-01", "2026-02-28", "2026-02-20")
        c = self._create_invoice(self.customer, 100.0, "2026-03-01", "2026-03-31")
        with freeze_time("2026-03-20"):
            (
                self.env["account.payment.register"]
                .with_user(clerk)
                .with_context(active_model="account.move", active_ids=c.ids)
                .create({"amount": 60.0, "payment_date": "2026-03-20"})
                ._create_payments()
            )
        self._credit(clerk, c, 40.0, "2026-04-15")
        self.assertEqual(c.amount_residual, 0.0)
        self.assertEqual(self._rewards().move_ids, a | b | c)
        d = self._create_invoice(self.customer, 100.0, "2026-04-20", "2026-05-20")
        self._credit(clerk, d, 100.0, "2026-04-25")
        e = self._create_invoice(self.customer, 100.0, "2026-04-21", "2026-05-21")
        self._clerk_pays(clerk, e, "2026-05-01")
        with freeze_time("2026-05-02"):
            self.assertEqual(self._streak(), 1)

    def _credit(self, clerk, invoice, amount, day):
        refund = self._create_invoice(self.customer, amount, day, move_type="out_refund")
        refund_line = refund.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        with freeze_time(day):
            invoice.with_user(clerk).js_assign_outstanding_line(refund_line.id)


@tagged("post_install", "-at_install", "is_query_count")
class TestLoyaltyQueries(CollectionFollowupCommon):
    """The loyalty check on a reconciliation only walks the invoices issued since the last one
    decided: its cost does not grow with the customer's history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "collection_loyalty_invoice_count": 3,
                "collection_loyalty_reward": "discount",
                "collection_loyalty_percent": 5.0,
            }
        )
        cls.clerk = new_test_user(
            cls.env,
            "loyalty_query_clerk",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        # Two customers without a reward yet: 2 and 40 invoices, each paid late.
        for customer, count in ((cls.customer, 2), (cls.other_customer, 40)):
            invoices = cls.env["account.move"]
            for index in range(count):
                invoices |= cls._create_invoice(customer, 100.0 + index, "2025-01-01", "2025-01-31")
            with freeze_time("2025-03-01"):
                (
                    cls.env["account.payment.register"]
                    .with_context(active_model="account.move", active_ids=invoices.ids)
                    .create({"payment_date": "2025-03-01", "group_payment": True})
                    ._create_payments()
                )

    def _payment_line(self, customer):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": customer.id,
                "amount": 100.0,
                "date": "2026-06-10",
            }
        )
        payment.action_post()
        return payment.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )

    @warmup
    def test_reconciliation_cost_does_not_grow_with_the_history(self):
        """A payment matched by the billing clerk costs the same queries for the customer with 2
        invoices in its history as for the one with 40 (each measured from an empty cache, as
        in a new request). Walking the whole history, it cost more for every invoice more."""
        for customer in (self.customer, self.other_customer):
            invoice = self._create_invoice(customer, 100.0, "2026-06-01", "2026-06-30")
            lines = self._payment_line(customer) | invoice.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            self.env.invalidate_all()
            with freeze_time("2026-06-10"), self.assertQueryCount(81):
                lines.with_user(self.clerk).reconcile()
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            self.assertEqual(
                self.env["collection.loyalty.progress"]
                .search([("partner_id", "=", customer.id)])
                .run_move_ids,
                invoice,
            )
