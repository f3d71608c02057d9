import base64
from io import BytesIO

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import file_open

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestFactoring(CollectionFollowupCommon):
    """Receivables sold to a factor: which invoices, the figures to the cent, the file, the
    entries, settlement, recourse, the assignment notice, and the follow-up stops.

    The example of the figures: 1,000.00 + 2,500.00 + 480.50 = 3,980.50 sold at 80 % advance
    (3,184.40), 2 % fee (79.61) taxed 20 % (15.92), 10 % holdback (398.05); the factor pays
    3,980.50 - 3,184.40 - 79.61 - 15.92 = 700.57 at settlement.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.vat = "BE0123456789"
        cls.manager = new_test_user(
            cls.env,
            "factoring_manager",
            name="Fiona Manager",
            groups="collection_followup.group_collection_manager",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.collector = new_test_user(
            cls.env,
            "factoring_collector",
            name="Carl Collector",
            groups="collection_followup.group_collection_user",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.factor_partner = cls.env["res.partner"].create(
            {"name": "Factor Bank", "is_company": True}
        )
        cls.factor_bank = cls.env["res.partner.bank"].create(
            {"partner_id": cls.factor_partner.id, "acc_number": "BE71096123456769"}
        )
        cls.account_factor = cls.env["account.account"].create(
            {
                "code": "409100",
                "name": "Factor receivable",
                "account_type": "asset_current",
                "reconcile": True,
            }
        )
        cls.account_holdback = cls.env["account.account"].create(
            {
                "code": "409200",
                "name": "Factoring holdback",
                "account_type": "asset_current",
                "reconcile": True,
            }
        )
        cls.account_fee = cls.company_data["default_account_expense"]
        cls.fee_tax = cls.tax_purchase_a.copy({"name": "Fee VAT 20%", "amount": 20.0})
        cls.factor = cls.env["collection.factor"].create(
            {
                "name": "Factor Bank, with recourse",
                "partner_id": cls.factor_partner.id,
                "bank_account_id": cls.factor_bank.id,
                "client_number": "AC-4711",
                "advance_rate": 80.0,
                "fee_percent": 2.0,
                "fee_tax_id": cls.fee_tax.id,
                "holdback_percent": 10.0,
                "recourse": "with",
                "max_days_overdue": 30,
                "journal_id": cls.company_data["default_journal_misc"].id,
                "bank_journal_id": cls.company_data["default_journal_bank"].id,
                "receivable_account_id": cls.account_factor.id,
                "holdback_account_id": cls.account_holdback.id,
                "fee_account_id": cls.account_fee.id,
                "export_format": "csv",
            }
        )
        belgium, iran = cls.env.ref("base.be"), cls.env.ref("base.ir")
        cls.northwind = cls.customer
        cls.northwind.write(
            {
                "ref": "NW001",
                "vat": "BE0477472701",
                "street": "12 Harbour Road",
                "street2": "Unit 4",
                "zip": "1000",
                "city": "Brussels",
                "country_id": belgium.id,
            }
        )
        cls.emile = cls._create_customer(
            "Brasserie Émile SPRL",
            "compta@emile.example",
            ref="BE002",
            vat="BE0403019261",
            street="Rue de la Loi 16",
            zip="4000",
            city="Liège",
            country_id=belgium.id,
        )
        cls.pars = cls._create_customer(
            "شرکت پارس",
            "info@pars.example",
            ref="PA003",
            street="خیابان ولیعصر ۱۲",
            zip="1416753955",
            city="تهران",
            country_id=iran.id,
        )
        cls.inv1 = cls._create_invoice(cls.northwind, 1000.0, "2026-03-01", "2026-03-31")
        cls.inv2 = cls._create_invoice(cls.emile, 2500.0, "2026-03-02", "2026-04-01")
        cls.inv3 = cls._create_invoice(cls.pars, 480.50, "2026-03-05", "2026-04-04")
        cls.invoices = cls.inv1 | cls.inv2 | cls.inv3
        cls.receivable = cls.company_data["default_account_receivable"]

    def _batch(self, invoices=None, name="FACT/2026/0001", **values):
        """A draft batch dated 2026-03-15: the eligible invoices, or ``invoices``."""
        batch = self.env["collection.factoring.batch"].create(
            {"name": name, "factor_id": self.factor.id, "date": "2026-03-15", **values}
        )
        if invoices is None:
            batch.action_add_eligible()
        else:
            batch.line_ids = [Command.create({"move_id": move.id}) for move in invoices]
        return batch

    def _posted_batch(self, env=None):
        batch = self._batch()
        if env:
            batch = batch.with_env(env)
        batch.action_export()
        batch.action_post()
        return batch

    def _factor_lines(self, batch, account=None):
        return batch._all_moves().line_ids.filtered(
            lambda line: line.account_id == (account or self.account_factor)
        )

    def _reference(self, name):
        with file_open(f"collection_followup/tests/data/{name}", "rb") as file:
            return file.read()

    # ------------------------------------------------------------------
    # The factor's terms
    # ------------------------------------------------------------------

    def test_factor_terms_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "between 70.0 and 90.0 %"):
            self.factor.advance_rate = 95.0
        with self.assertRaisesRegex(ValidationError, "more than 100 %"):
            self.factor.write({"advance_rate": 90.0, "holdback_percent": 9.0, "fee_percent": 2.0})
        with self.assertRaisesRegex(ValidationError, "must differ"):
            self.factor.holdback_account_id = self.account_factor
        self.factor.invalidate_recordset()
        with self.assertRaisesRegex(ValidationError, "not a customer receivable"):
            self.factor.receivable_account_id = self.receivable
        included = self.fee_tax.copy(
            {"name": "Fee VAT incl.", "price_include_override": "tax_included"}
        )
        with self.assertRaisesRegex(ValidationError, "included in the price"):
            self.factor.fee_tax_id = included
        euro = self.setup_other_currency("EUR")
        with self.assertRaisesRegex(ValidationError, "does not buy invoices in EUR"):
            self._batch(invoices=self.env["account.move"], currency_id=euro.id)

    # ------------------------------------------------------------------
    # Eligibility
    # ------------------------------------------------------------------

    def test_eligibility_rules_one_by_one(self):
        northwind = self.northwind

        def invoice(amount, due="2026-03-31", partner=northwind, **values):
            return self._create_invoice(partner, amount, "2026-01-15", due, **values)

        blocked = invoice(101.0)
        blocked.action_toggle_block_payment()
        paid = invoice(102.0)
        self._pay(paid, 102.0, "2026-03-10")
        disputed = invoice(103.0)
        self.env["collection.dispute"].create({"move_id": disputed.id, "reason": "wrong_amount"})
        in_plan = invoice(104.0, partner=self.emile)
        with freeze_time("2026-03-10"):
            plan = self.env["collection.payment.plan"].create(
                {
                    "partner_id": self.emile.id,
                    "move_ids": [Command.set(in_plan.ids)],
                    "installment_count": 2,
                    "first_date": "2026-04-01",
                }
            )
            plan.action_compute_schedule()
            plan.action_accept()
        held_customer = self._create_customer("Held Ltd", "ap@held.example")
        on_hold = invoice(105.0, partner=held_customer)
        held_customer.with_company(self.company).write(
            {"collection_on_hold": True, "collection_hold_date": "2026-03-01"}
        )
        too_old = invoice(106.0, due="2026-02-12")  # 31 days before 2026-03-15
        at_the_limit = invoice(107.0, due="2026-02-13")  # 30 days: still bought
        in_euro = invoice(108.0, currency=self.setup_other_currency("EUR"))
        refund = invoice(109.0, move_type="out_refund")
        draft = invoice(110.0, post=False)
        other_batch = self._batch(invoices=self.inv3, name="FACT/2026/0009")

        batch = self._batch(name="FACT/2026/0010")
        self.assertEqual(batch.line_ids.move_id, self.inv1 | self.inv2 | at_the_limit)
        reasons = batch._ineligibility(
            blocked | paid | disputed | in_plan | on_hold | too_old | at_the_limit | in_euro
            | refund | draft | self.inv3
        )  # fmt: skip
        self.assertEqual(
            {move: reason for move, reason in reasons.items()},
            {
                blocked: "its payment is blocked",
                paid: "already paid",
                disputed: "the customer disputes it",
                in_plan: "in a payment plan in force",
                on_hold: "the customer is on credit hold",
                too_old: "more than 30 days past due on the batch date",
                at_the_limit: False,
                in_euro: "in EUR, not in the batch currency USD",
                refund: "not a customer invoice",
                draft: "not posted",
                self.inv3: "already in another factoring batch",
            },
        )
        # Cancelling the other batch frees its invoice.
        other_batch.action_cancel()
        self.assertFalse(batch._ineligibility(self.inv3)[self.inv3])
        batch.action_add_eligible()
        self.assertEqual(batch.line_ids.move_id, self.invoices | at_the_limit)

        # An invoice added by hand is checked: shown on the line, refused at export.
        batch.line_ids = [Command.create({"move_id": disputed.id})]
        line = batch.line_ids.filtered(lambda line: line.move_id == disputed)
        self.assertEqual(line.ineligibility, "the customer disputes it")
        with self.assertRaisesRegex(UserError, f"{disputed.name}: the customer disputes it"):
            batch.action_export()
        self.assertEqual(batch.state, "draft")
        with self.assertRaisesRegex(ValidationError, "is in EUR; the batch is in USD"):
            batch.line_ids = [Command.create({"move_id": in_euro.id})]

    def test_invoices_at_a_collection_agency_are_not_sold(self):
        agency = self.env["collection.agency"].create(
            {
                "partner_id": self._create_customer(
                    "Recovery Partners", "cases@recovery.example"
                ).id,
                "commission_percent": 15.0,
                "min_days_overdue": 0,
                "min_amount": 0.0,
            }
        )
        case = self.env["collection.agency.case"].create(
            {
                "agency_id": agency.id,
                "partner_id": self.northwind.id,
                "line_ids": [
                    Command.create(
                        {
                            "move_line_id": self.inv1.line_ids.filtered(
                                lambda line: line.account_type == "asset_receivable"
                            ).id
                        }
                    )
                ],
            }
        )
        batch = self._batch(name="FACT/2026/0011", invoices=self.inv2)
        reasons = batch._ineligibility(self.inv1 | self.inv2)
        self.assertEqual(reasons[self.inv1], "handed over to a collection agency")
        self.assertFalse(reasons[self.inv2])
        case.action_return()
        self.assertFalse(batch._ineligibility(self.inv1)[self.inv1], "returned: sellable again")

    def test_batch_form_shows_why_an_invoice_is_refused(self):
        self.env["collection.dispute"].create({"move_id": self.inv2.id, "reason": "wrong_amount"})
        form = Form(self.env["collection.factoring.batch"].with_user(self.manager))
        form.factor_id = self.factor
        form.date = "2026-03-15"
        self.assertEqual(form.advance_rate, 80.0)
        with form.line_ids.new() as line:
            line.move_id = self.inv1
            self.assertFalse(line.ineligibility)
        with form.line_ids.new() as line:
            line.move_id = self.inv2
            self.assertEqual(line.ineligibility, "the customer disputes it")
        self.assertEqual(form.amount_face, 3500.0)
        batch = form.save()
        self.assertTrue(batch.name.startswith("FACT/"))
        self.assertEqual(batch.line_ids.mapped("amount_face"), [1000.0, 2500.0])

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def test_batch_figures_to_the_cent(self):
        batch = self._batch()
        self.assertEqual(batch.line_ids.move_id, self.invoices)
        self.assertRecordValues(
            batch,
            [
                {
                    "advance_rate": 80.0,
                    "fee_percent": 2.0,
                    "fee_tax_id": self.fee_tax.id,
                    "holdback_percent": 10.0,
                    "invoice_count": 3,
                    "amount_face": 3980.50,
                    "amount_advance": 3184.40,
                    "amount_fee": 79.61,
                    "amount_fee_tax": 15.92,
                    "amount_holdback": 398.05,
                    "amount_settlement": 700.57,
                }
            ],
        )
        self.assertEqual(batch.line_ids.mapped("amount_face"), [1000.0, 2500.0, 480.5])
        # The terms are the batch's: the factor's new terms do not change a posted batch.
        batch.action_export()
        batch.action_post()
        self.factor.advance_rate = 85.0
        self.assertEqual(batch.amount_advance, 3184.40)
        with self.assertRaisesRegex(UserError, "back to draft"):
            batch.advance_rate = 85.0

    # ------------------------------------------------------------------
    # Export files
    # ------------------------------------------------------------------

    def test_export_files_match_the_reference_files(self):
        for code, reference, invoices in (
            ("csv", "factoring_batch.csv", self.invoices),
            ("fixed250", "factoring_batch_fixed250.txt", self.invoices),
            ("fixed128", "factoring_batch_fixed128.txt", self.inv1 | self.inv2),
        ):
            with self.subTest(code=code):
                self.factor.export_format = code
                batch = self._batch(invoices=invoices)
                action = batch.action_export()
                self.assertEqual(batch.state, "exported")
                self.assertEqual(base64.b64decode(batch.export_file), self._reference(reference))
                self.assertEqual(batch.export_filename, f"FACT-2026-0001.{reference[-3:]}")
                self.assertIn(f"/export_file/{batch.export_filename}", action["url"])
                self.assertEqual(batch.message_ids[:1].attachment_ids.name, batch.export_filename)
                batch.action_cancel()

    def test_export_xlsx_matches_the_reference_cells(self):
        def cells(content):
            workbook = openpyxl.load_workbook(BytesIO(content))
            return {
                sheet.title: [[(c.value, c.number_format) for c in row] for row in sheet.rows]
                for sheet in workbook.worksheets
            }

        self.factor.export_format = "xlsx"
        batch = self._batch()
        batch.action_export()
        self.assertEqual(
            cells(base64.b64decode(batch.export_file)),
            cells(self._reference("factoring_batch.xlsx")),
        )

    def test_export_refuses_what_the_layout_cannot_hold(self):
        self.factor.export_format = "fixed128"
        batch = self._batch()
        with self.assertRaisesRegex(
            UserError, f"{self.inv3.name}: customer_name 'شرکت پارس' cannot be written in ASCII"
        ):
            batch.action_export()
        self.assertEqual(batch.state, "draft")
        self.assertFalse(batch.export_file)

    # ------------------------------------------------------------------
    # Accounting
    # ------------------------------------------------------------------

    def test_posting_books_transfer_advance_fee_and_holdback(self):
        manager_env = self.env(user=self.manager)
        batch = self._posted_batch(manager_env)
        self.assertEqual(batch.state, "posted")
        self.assertEqual(set(batch.line_ids.mapped("state")), {"factored"})
        misc = self.company_data["default_journal_misc"]
        bank = self.company_data["default_journal_bank"]
        receipts = batch._receipt_account()
        factor = self.factor_partner.id

        transfer = batch.transfer_move_id
        self.assertRecordValues(
            transfer, [{"state": "posted", "journal_id": misc.id, "date": self._date("2026-03-15")}]
        )
        self.assertRecordValues(
            transfer.line_ids.sorted("id"),
            [
                {"account_id": self.receivable.id, "partner_id": self.northwind.id,
                 "debit": 0.0, "credit": 1000.0, "reconciled": True},
                {"account_id": self.receivable.id, "partner_id": self.emile.id,
                 "debit": 0.0, "credit": 2500.0, "reconciled": True},
                {"account_id": self.receivable.id, "partner_id": self.pars.id,
                 "debit": 0.0, "credit": 480.50, "reconciled": True},
                {"account_id": self.account_factor.id, "partner_id": factor,
                 "debit": 3980.50, "credit": 0.0, "reconciled": False},
            ],
        )  # fmt: skip
        # The customers owe us nothing: the invoices are paid by the sale to the factor.
        self.assertEqual(self.invoices.mapped("payment_state"), ["paid"] * 3)
        self.assertEqual(self.invoices.mapped("amount_residual"), [0.0] * 3)
        for invoice in self.invoices:
            matched = invoice.line_ids.filtered("reconciled").full_reconcile_id.reconciled_line_ids
            self.assertEqual(matched.move_id, invoice | transfer)

        self.assertRecordValues(
            batch.advance_move_id.line_ids.sorted("id"),
            [
                {"account_id": receipts.id, "partner_id": factor, "debit": 3184.40, "credit": 0.0},
                {"account_id": self.account_factor.id, "partner_id": factor,
                 "debit": 0.0, "credit": 3184.40},
            ],
        )  # fmt: skip
        self.assertEqual(batch.advance_move_id.journal_id, bank)
        fee_lines = batch.fee_move_id.line_ids
        self.assertRecordValues(
            fee_lines.sorted(lambda line: (line.tax_line_id.id or 0, line.id)),
            [
                {"account_id": self.account_fee.id, "debit": 79.61, "credit": 0.0,
                 "tax_ids": self.fee_tax.ids, "tax_line_id": False},
                {"account_id": self.account_factor.id, "debit": 0.0, "credit": 95.53,
                 "tax_ids": [], "tax_line_id": False},
                {"account_id": self.fee_tax.invoice_repartition_line_ids.account_id.id,
                 "debit": 15.92, "credit": 0.0, "tax_ids": [], "tax_line_id": self.fee_tax.id},
            ],
        )  # fmt: skip
        self.assertRecordValues(
            batch.holdback_move_id.line_ids.sorted("id"),
            [
                {"account_id": self.account_holdback.id, "partner_id": factor,
                 "debit": 398.05, "credit": 0.0},
                {"account_id": self.account_factor.id, "partner_id": factor,
                 "debit": 0.0, "credit": 398.05},
            ],
        )  # fmt: skip
        for move in batch._all_moves():
            self.assertEqual(move.state, "posted")
            self.assertAlmostEqual(sum(move.line_ids.mapped("balance")), 0.0, places=2)
        # The factor still owes the rest of the price, the holdback apart: 302.52.
        self.assertAlmostEqual(sum(self._factor_lines(batch).mapped("amount_residual")), 302.52)
        self.assertEqual(transfer.line_ids.filtered("debit").amount_residual, 302.52)
        self.assertIn(
            "Assigned to Factor Bank in factoring batch FACT/2026/0001",
            str(self.inv1.message_ids.mapped("body")),
        )

    def test_settlement_releases_the_holdback_and_reconciles(self):
        batch = self._posted_batch()
        batch.settlement_date = "2026-05-10"
        batch.action_settle()
        self.assertEqual(batch.state, "settled")
        settlement = batch.settlement_move_id
        factor = self.factor_partner.id
        self.assertRecordValues(
            settlement,
            [{"journal_id": self.company_data["default_journal_bank"].id,
              "date": self._date("2026-05-10"), "state": "posted"}],
        )  # fmt: skip
        self.assertRecordValues(
            settlement.line_ids.sorted("id"),
            [
                {"account_id": self.account_factor.id, "partner_id": factor,
                 "debit": 0.0, "credit": 302.52},
                {"account_id": self.account_holdback.id, "partner_id": factor,
                 "debit": 0.0, "credit": 398.05},
                {"account_id": batch._receipt_account().id, "partner_id": factor,
                 "debit": 700.57, "credit": 0.0},
            ],
        )  # fmt: skip
        for account in (self.account_factor, self.account_holdback):
            lines = self._factor_lines(batch, account)
            self.assertTrue(all(lines.mapped("reconciled")), account.name)
            self.assertEqual(len(lines.full_reconcile_id), 1, account.name)
        with self.assertRaisesRegex(UserError, "is Settled"):
            batch.action_settle()

    def test_state_machine_guards(self):
        batch = self._batch()
        with self.assertRaisesRegex(UserError, "only be done when it is Exported"):
            batch.action_post()
        with self.assertRaisesRegex(UserError, "only be done when it is Posted"):
            batch.action_settle()
        batch.action_export()
        batch.action_post()
        with self.assertRaisesRegex(UserError, "FACT/2026/0001 is Posted"):
            batch.action_post()
        self.assertEqual(len(self.inv1.line_ids.full_reconcile_id), 1, "sold once")
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            batch.action_cancel()
        with self.assertRaisesRegex(UserError, "draft"):
            batch.line_ids[:1].unlink()
        with self.assertRaisesRegex(UserError, "Only draft or cancelled"):
            batch.unlink()

    def test_cancel_and_reset_free_the_invoices(self):
        batch = self._batch()
        batch.action_export()
        batch.action_draft()
        self.assertEqual(batch.state, "draft")
        batch.action_export()
        batch.action_cancel()
        self.assertEqual(batch.state, "cancel")
        self.assertEqual(set(batch.line_ids.mapped("state")), {"cancel"})
        again = self._batch(name="FACT/2026/0002")
        self.assertEqual(again.line_ids.move_id, self.invoices)
        self.assertFalse(self.env["account.move.line"].search([("move_id.ref", "like", "FACT/")]))

    def test_invoice_changed_since_export_is_not_posted(self):
        batch = self._batch()
        batch.action_export()
        self._pay(self.inv2, 500.0, "2026-03-20")
        with self.assertRaisesRegex(UserError, f"{self.inv2.name} changed since"):
            batch.action_post()
        self.assertFalse(batch.transfer_move_id)
        batch.action_draft()
        batch.action_export()
        self.assertEqual(batch.amount_face, 3480.50)
        batch.action_post()
        self.assertEqual(self.inv2.amount_residual, 0.0)

    def test_rights_users_read_managers_act(self):
        batch = self._batch()
        self.assertEqual(batch.with_user(self.collector).amount_face, 3980.50)
        with self.assertRaises(AccessError):
            batch.with_user(self.collector).action_export()
        with self.assertRaises(AccessError):
            self.factor.with_user(self.collector).advance_rate = 75.0
        batch.with_user(self.manager).action_export()
        self.assertEqual(batch.state, "exported")

    # ------------------------------------------------------------------
    # Our follow-up and the factored invoices
    # ------------------------------------------------------------------

    def test_factored_invoices_leave_our_follow_up(self):
        late = self._create_invoice(self.northwind, 700.0, "2026-02-01", "2026-03-01")
        not_sold = self._create_invoice(self.emile, 300.0, "2026-02-01", "2026-03-01")
        Engine = self.env["collection.followup.engine"]
        self.assertIn(
            late.line_ids.filtered("date_maturity").id,
            [row[0] for row in Engine._open_lines(self.company)[self.northwind.id]],
        )
        batch = self._batch(invoices=late | self.inv1)
        batch.action_export()
        batch.action_post()
        open_lines = Engine._open_lines(self.company)
        self.assertNotIn(self.northwind.id, open_lines, "nothing of Northwind is ours to chase")
        self.assertNotIn(self.factor_partner.id, open_lines, "the factor is not a customer")
        actions, mails = self._run("2026-04-20")
        self.assertFalse(actions.filtered(lambda a: a.partner_id == self.northwind))
        self.assertFalse(self._mails_to(mails, self.northwind))
        self.assertTrue(self._mails_to(mails, self.emile), "the invoice not sold is chased")
        self.assertEqual(not_sold.payment_state, "not_paid")

    def test_a_factored_invoice_is_not_paid_on_time_by_the_customer(self):
        """Émile paid two invoices on time; its third is sold to the factor before its due date.
        The factor's transfer settles it in our books, but the customer did not pay us: it is
        left out of the loyalty run (counted as paid on time, it used to complete the run and
        earn a reward). The run is completed by the next invoice the customer pays on time."""
        self.company.write(
            {
                "collection_loyalty_invoice_count": 3,
                "collection_loyalty_reward": "discount",
                "collection_loyalty_percent": 5.0,
            }
        )
        clerk = new_test_user(
            self.env,
            "factoring_clerk",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )

        def clerk_pays(invoice, day):
            with freeze_time(day):
                (
                    self.env["account.payment.register"]
                    .with_user(clerk)
                    .with_context(active_model="account.move", active_ids=invoice.ids)
                    .create({"payment_date": day})
                    ._create_payments()
                )

        first = self._create_invoice(self.emile, 100.0, "2026-01-05", "2026-01-31")
        second = self._create_invoice(self.emile, 100.0, "2026-02-05", "2026-02-28")
        clerk_pays(first, "2026-01-20")
        clerk_pays(second, "2026-02-20")
        batch = self._batch(invoices=self.inv2).with_user(self.manager)
        with freeze_time("2026-03-15"):
            batch.action_export()
            batch.action_post()
        self.assertIn(self.inv2.payment_state, ("paid", "in_payment"))
        Reward = self.env["collection.loyalty.reward"]
        self.assertFalse(Reward.search([("partner_id", "=", self.emile.id)]))
        later = self._create_invoice(self.emile, 100.0, "2026-04-02", "2026-04-30")
        clerk_pays(later, "2026-04-10")
        self.assertEqual(
            Reward.search([("partner_id", "=", self.emile.id)]).move_ids, first | second | later
        )

    def test_recourse_takes_an_invoice_back(self):
        batch = self._posted_batch()
        line = batch.line_ids.filtered(lambda line: line.move_id == self.inv1)
        with freeze_time("2026-04-20"):
            line.action_recourse()
        self.assertEqual(line.state, "returned")
        self.assertRecordValues(
            self.inv1, [{"payment_state": "not_paid", "amount_residual": 1000.0}]
        )
        self.assertFalse(self.inv1.collection_factor_name)
        recourse = line.recourse_move_id
        self.assertRecordValues(
            recourse,
            [{"state": "posted", "date": self._date("2026-04-20"),
              "journal_id": self.company_data["default_journal_misc"].id}],
        )  # fmt: skip
        self.assertRecordValues(
            recourse.line_ids.sorted("id"),
            [
                {"account_id": self.receivable.id, "partner_id": self.northwind.id,
                 "debit": 1000.0, "credit": 0.0, "reconciled": True},
                {"account_id": self.account_factor.id, "partner_id": self.factor_partner.id,
                 "debit": 0.0, "credit": 1000.0, "reconciled": False},
            ],
        )  # fmt: skip
        self.assertEqual(recourse.line_ids[0].date_maturity, self._date("2026-03-31"))
        # The transfer line of the invoice is matched with the recourse entry instead.
        transfer_line = batch.transfer_move_id.line_ids.filtered(
            lambda aml: aml.partner_id == self.northwind
        )
        self.assertEqual(
            transfer_line.full_reconcile_id.reconciled_line_ids,
            transfer_line | recourse.line_ids[0],
        )
        # Back in our follow-up.
        open_lines = self.env["collection.followup.engine"]._open_lines(self.company)
        self.assertEqual(
            [row[0] for row in open_lines[self.northwind.id]],
            self.inv1.line_ids.filtered("date_maturity").ids,
        )
        with self.assertRaisesRegex(UserError, "Only a factored invoice"):
            line.action_recourse()
        # The factor paid 3,184.40 in advance for 2,980.50 it keeps, less 95.53 of fee:
        # we owe it 3,184.40 - (2,980.50 - 95.53) = 299.43 at settlement.
        batch.settlement_date = "2026-05-10"
        batch.action_settle()
        self.assertRecordValues(
            batch.settlement_move_id.line_ids.sorted("id"),
            [
                {"account_id": self.account_factor.id, "debit": 697.48, "credit": 0.0},
                {"account_id": self.account_holdback.id, "debit": 0.0, "credit": 398.05},
                {"account_id": batch._receipt_account(inbound=False).id,
                 "debit": 0.0, "credit": 299.43},
            ],
        )  # fmt: skip
        self.assertTrue(all(self._factor_lines(batch).mapped("reconciled")))

    def test_no_recourse_without_recourse(self):
        self.factor.recourse = "without"
        batch = self._posted_batch()
        with self.assertRaisesRegex(UserError, "without recourse"):
            batch.line_ids[:1].action_recourse()
        self.assertEqual(self.inv1.payment_state, "paid")

    # ------------------------------------------------------------------
    # The assignment notice
    # ------------------------------------------------------------------

    def _invoice_html(self, invoice, user=None):
        report = self.env["ir.actions.report"]
        if user:
            report = report.with_user(user)
        return report._render_qweb_html("account.account_invoices", invoice.ids)[0].decode()

    def test_factored_invoice_pdf_carries_the_assignment_notice(self):
        self._pay(self.inv2, 500.0, "2026-03-10")  # a payment before the sale stays printed
        self.assertNotIn("has been assigned to", self._invoice_html(self.inv2))
        self._posted_batch()
        billing_clerk = new_test_user(
            self.env,
            "billing_clerk",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        html = self._invoice_html(self.inv2, user=billing_clerk)
        self.assertIn("This invoice has been assigned to", html)
        notice = html[html.index("collection_assignment_notice") :][:1500]
        self.assertIn("Factor Bank", notice)
        self.assertIn("pay only to", notice)
        self.assertIn("BE71096123456769", notice)
        self.assertIn("2,000.00", notice)  # the amount assigned
        # Printed for the customer: its own payment, and 2,000.00 still due (to the factor).
        self.assertEqual(html.count("Paid on"), 1, "the sale to the factor is not a payment")
        total = html[html.index("Amount Due") :][:400]
        self.assertIn("2,000.00", total)

    # ------------------------------------------------------------------
    # Another currency
    # ------------------------------------------------------------------

    def test_batch_in_a_foreign_currency(self):
        # 1 USD = 0.5 EUR until May, then 0.4: a euro is worth 2.00, then 2.50 USD.
        euro = self.setup_other_currency("EUR", rates=[("2026-01-01", 0.5), ("2026-05-01", 0.4)])
        self.factor.currency_ids = euro
        invoice = self._create_invoice(
            self.emile, 1000.0, "2026-03-02", "2026-04-01", currency=euro
        )
        batch = self._batch(invoices=invoice, currency_id=euro.id)
        self.assertRecordValues(
            batch,
            [{"amount_face": 1000.0, "amount_advance": 800.0, "amount_fee": 20.0,
              "amount_fee_tax": 4.0, "amount_holdback": 100.0, "amount_settlement": 176.0}],
        )  # fmt: skip
        batch.action_export()
        batch.action_post()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertRecordValues(
            batch.transfer_move_id.line_ids.sorted("id"),
            [
                {
                    "currency_id": euro.id,
                    "amount_currency": -1000.0,
                    "debit": 0.0,
                    "credit": 2000.0,
                },
                {"currency_id": euro.id, "amount_currency": 1000.0, "debit": 2000.0, "credit": 0.0},
            ],
        )
        self.assertRecordValues(
            batch.fee_move_id.line_ids.sorted(lambda line: (line.tax_line_id.id or 0, line.id)),
            [
                {"amount_currency": 20.0, "debit": 40.0, "credit": 0.0},
                {"amount_currency": -24.0, "debit": 0.0, "credit": 48.0},
                {"amount_currency": 4.0, "debit": 8.0, "credit": 0.0},
            ],
        )
        batch.settlement_date = "2026-05-10"
        batch.action_settle()
        self.assertRecordValues(
            batch.settlement_move_id.line_ids.sorted("id"),
            [
                {"account_id": self.account_factor.id, "amount_currency": -76.0,
                 "debit": 0.0, "credit": 190.0},
                {"account_id": self.account_holdback.id, "amount_currency": -100.0,
                 "debit": 0.0, "credit": 250.0},
                {"account_id": batch._receipt_account().id, "amount_currency": 176.0,
                 "debit": 440.0, "credit": 0.0},
            ],
        )  # fmt: skip
        # Fully matched in euros; the change of rate is booked as an exchange difference.
        for account in (self.account_factor, self.account_holdback):
            lines = self._factor_lines(batch, account)
            self.assertTrue(all(lines.mapped("reconciled")), account.name)
            self.assertEqual(sum(lines.mapped("amount_residual")), 0.0)
