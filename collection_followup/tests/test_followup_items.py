import importlib.util
import re
from html import unescape
from pathlib import Path

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.modules import get_module_path
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount

from .common import CollectionFollowupCommon

SUBJECTS = {
    "heads_up": "Friendly reminder: payment due soon",
    "gentle": "Payment reminder",
    "firm": "Second reminder: overdue payment",
    "formal": "Formal demand for payment",
}


@tagged("post_install", "-at_install")
class TestEscalationPerItem(CollectionFollowupCommon):
    """Every overdue item reaches the levels on its own days; the customer's reminder names
    each item at its level; the fees of the levels an item passes are charged once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("collection_followup.ir_cron_collection_followup")
        cls.Action = cls.env["collection.followup.action"]
        cls.Fee = cls.env["collection.late.fee"]
        # SMS go out (no channel fails and is retried on the following nights).
        cls.customer.write({"mobile": "0912 345 6789", "country_id": cls.env.ref("base.ir").id})
        cls.manager = new_test_user(
            cls.env, "items_manager", groups="collection_followup.group_collection_manager"
        )

    def _night(self, day):
        """The scheduled run of ``day``, as the scheduled action's user; returns the actions
        it created and the mails it queued."""
        before = self.Action.search([], order="id desc", limit=1).id or 0
        with freeze_time(day), self.mock_mail_gateway():
            self.env(user=self.cron.user_id)["collection.followup.policy"]._cron_run_followup()
            mails = self._new_mails
        actions = self.Action.search([("id", ">", before)])
        return actions, mails

    def _quiet_nights(self, *days):
        for day in days:
            actions, mails = self._night(day)
            self.assertFalse(mails, f"nothing sent on {day}")
            self.assertFalse(actions, f"no action on {day}")

    @staticmethod
    def _item(move):
        """The receivable item of ``move`` (one instalment)."""
        return move.line_ids.filtered(
            lambda item: item.account_id.account_type == "asset_receivable"
        )

    @staticmethod
    def _rows(mail):
        """``{invoice name: cells}`` of the items table of ``mail`` (invoice, invoice date, due
        date, status, level, amount)."""
        rows = {}
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", str(mail.body_html), re.S):
            cells = [
                unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
            if len(cells) == 6:
                rows[cells[0]] = cells
        return rows

    def _assert_reminder(self, mails, level_key, items, amount_due, partner=None):
        """One mail to the customer at ``level_key``, each invoice of ``items`` (``{invoice:
        (level or None, days late)}``) in its table at that level, ``amount_due`` overdue."""
        partner = partner or self.customer
        mail = self._mails_to(mails, partner)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, partner)
        self.assertEqual(mail.subject, SUBJECTS[level_key])
        text = unescape(re.sub(r"<[^>]+>", "", str(mail.body_html)))
        currency = partner.env.company.currency_id
        self.assertIn(f"Total overdue: {format_amount(self.env, amount_due, currency)}", text)
        rows = self._rows(mail)
        self.assertEqual(set(rows), {invoice.name for invoice in items})
        for invoice, (level, days_late) in items.items():
            row = rows[invoice.name]
            status = (
                f"{days_late} day{'s' if days_late > 1 else ''} late"
                if days_late > 0
                else "Due today"
                if days_late == 0
                else f"Due in {-days_late} day{'s' if days_late < -1 else ''}"
            )
            self.assertEqual(row[3], status, invoice.name)
            self.assertEqual(row[4], level.name if level else "", invoice.name)
        return mail

    # ------------------------------------------------------------------
    # A customer at the top level gets a new invoice
    # ------------------------------------------------------------------

    def test_new_invoice_of_a_customer_at_the_top_level_escalates_on_its_own_days(self):
        self.company.collection_min_days_between = 7
        old = self._create_invoice(self.customer, 1000.0, "2025-12-01", due_date="2026-01-01")
        actions, mails = self._night("2026-01-31")
        self._assert_reminder(mails, "formal", {old: (self.formal, 30)}, 1000.0)
        self.assertEqual(self._item(old).collection_level_id, self.formal)
        self.assertEqual(self.customer.collection_last_level_id, self.formal)

        # A new 300.00 invoice, due 3 February: its heads-up and gentle days fall within the
        # 7 days between reminders; it is named on 7 February (4 days late), at the gentle
        # level, the old invoice still shown at the formal demand.
        new = self._create_invoice(self.customer, 300.0, "2026-02-02", due_date="2026-02-03")
        self._quiet_nights(*(f"2026-02-0{day}" for day in range(1, 7)))
        actions, mails = self._night("2026-02-07")
        self._assert_reminder(
            mails, "gentle", {old: (self.formal, 37), new: (self.gentle, 4)}, 1300.0
        )
        email = actions.filtered(lambda a: a.channel == "email")
        self.assertRecordValues(
            email,
            [
                {
                    "level_id": self.gentle.id,
                    "state": "done",
                    "amount_due": 1300.0,
                    "recipient_id": self.customer.id,
                }
            ],
        )
        self.assertEqual(email.line_ids, self._item(old) | self._item(new))
        self.assertEqual(sorted(actions.mapped("channel")), ["email"], "the gentle level's own")
        self.assertRecordValues(
            self._item(old) | self._item(new),
            [
                {
                    "collection_level_id": self.formal.id,
                    "collection_level_date": self._date("2026-01-31"),
                },
                {
                    "collection_level_id": self.gentle.id,
                    "collection_level_date": self._date("2026-02-07"),
                },
            ],
        )
        self.assertEqual(self.customer.collection_last_level_id, self.formal)
        self.assertEqual(self.customer.collection_last_date, self._date("2026-02-07"))
        self._quiet_nights("2026-02-08")

        # The old invoice is paid: the customer's level moves down to the new one's, silently.
        self._pay(old, 1000.0, "2026-02-10")
        self._quiet_nights("2026-02-10")
        self.assertEqual(self.customer.collection_last_level_id, self.gentle)

        # The new invoice reaches the firm level on 13 February (10 days late), sent on the
        # 14th, 7 days after the last reminder; the formal demand on 5 March.
        self._quiet_nights("2026-02-13")
        actions, mails = self._night("2026-02-14")
        self._assert_reminder(mails, "firm", {new: (self.firm, 11)}, 300.0)
        self.assertEqual(actions.filtered(lambda a: a.channel == "email").amount_due, 300.0)
        self.assertEqual(self.customer.collection_last_level_id, self.firm)
        self._quiet_nights("2026-03-04")
        _actions, mails = self._night("2026-03-05")
        self._assert_reminder(mails, "formal", {new: (self.formal, 30)}, 300.0)
        self.assertEqual(self._item(new).collection_level_id, self.formal)
        self._quiet_nights("2026-03-06", "2026-04-05")

    def test_a_new_item_of_another_company_is_chased_there_in_its_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        branch = self.setup_other_company(name="Branch Office", currency_id=eur.id)["company"]
        branch.email = "ar@branch.example"
        self.env.user.company_ids |= branch
        old = self._create_invoice(self.customer, 1000.0, "2025-12-01", due_date="2026-01-01")
        self._night("2026-01-31")
        self.assertEqual(self._item(old).collection_level_id, self.formal)
        abroad = self._create_invoice(
            self.customer, 450.0, "2026-02-01", due_date="2026-02-02", company=branch
        )
        branch_levels = branch.collection_policy_id._get_levels()
        actions, mails = self._night("2026-02-05")
        mail = self._mails_to(mails, self.customer)
        self.assertEqual(len(mail), 1, "the branch reminds of its own invoice only")
        self.assertEqual(mail.subject, SUBJECTS["gentle"])
        self.assertIn("ar@branch.example", mail.email_from)
        rows = self._rows(mail)
        self.assertEqual(set(rows), {abroad.name})
        self.assertEqual(rows[abroad.name][4], branch_levels[1].name)
        self.assertEqual(rows[abroad.name][5], "450.00\xa0€")
        self.assertRecordValues(
            actions.filtered(lambda a: a.channel == "email"),
            [{"company_id": branch.id, "level_id": branch_levels[1].id, "amount_due": 450.0}],
        )
        self.assertEqual(self._item(abroad).collection_level_id, branch_levels[1])
        self.assertEqual(
            self.customer.with_company(branch).collection_last_level_id, branch_levels[1]
        )
        self.assertEqual(self.customer.collection_last_level_id, self.formal)

    # ------------------------------------------------------------------
    # Fees of the levels passed
    # ------------------------------------------------------------------

    def _fixed_rule(self, amount, **values):
        return self.env["collection.late.fee.rule"].create(
            {"name": f"Fee {amount}", "fixed_amount": amount, **values}
        )

    def test_levels_passed_charge_their_fee_once(self):
        self.firm.late_fee_rule_id = self._fixed_rule(25.0)
        invoice = self._create_invoice(self.customer, 800.0, "2025-12-01", due_date="2026-01-01")
        # Found 40 days late: straight to the formal demand, the firm level's fee booked.
        actions, mails = self._night("2026-02-10")
        self._assert_reminder(mails, "formal", {invoice: (self.formal, 40)}, 800.0)
        fee_action = actions.filtered(lambda a: a.channel == "fee")
        self.assertRecordValues(
            fee_action, [{"level_id": self.firm.id, "state": "done", "error": False}]
        )
        fee = self.Fee.search([("move_id", "=", invoice.id)])
        self.assertRecordValues(
            fee,
            [
                {
                    "action_id": fee_action.id,
                    "rule_id": self.firm.late_fee_rule_id.id,
                    "amount": 25.0,
                    "date": self._date("2026-02-10"),
                    "state": "posted",
                }
            ],
        )
        self.assertEqual(fee.fee_move_id.amount_total, 25.0)
        # booked before the reminder goes out (the reminder states it)
        self.assertLess(fee_action.id, actions.filtered(lambda a: a.channel == "email").id)
        # Again the same night and the next: nothing more.
        self._quiet_nights("2026-02-10", "2026-02-11")
        self.assertEqual(self.Fee.search([("move_id", "=", invoice.id)]), fee)

    def test_fee_documents_are_chased_at_their_own_levels(self):
        self.firm.late_fee_rule_id = self._fixed_rule(25.0, document="invoice")
        invoice = self._create_invoice(self.customer, 800.0, "2025-12-01", due_date="2026-01-01")
        self._night("2026-01-11")  # 10 days late: the firm level and its fee
        fee_document = self.Fee.search([("move_id", "=", invoice.id)]).fee_move_id
        self.assertRecordValues(
            fee_document,
            [
                {
                    "amount_total": 25.0,
                    "invoice_date_due": self._date("2026-01-11"),
                    "state": "posted",
                }
            ],
        )
        self.assertFalse(self._item(fee_document).collection_level_id)
        # The fee document rides with its late invoice: listed in the invoice's reminders, it
        # sends nothing of its own (no gentle reminder 3 days after it fell due).
        self._quiet_nights(*(f"2026-01-{day}" for day in range(12, 31)))
        actions, mails = self._night("2026-01-31")
        self._assert_reminder(
            mails, "formal", {invoice: (self.formal, 30), fee_document: (None, 20)}, 825.0
        )
        self.assertEqual(sorted(actions.mapped("channel")), ["email", "letter", "sms"])
        self.assertFalse(self._item(fee_document).collection_level_id)
        self._quiet_nights("2026-02-01", "2026-02-10")
        # The invoice paid, the fee document escalates on its own days: 35 days late, it goes
        # straight to the level it reached.
        self._pay(invoice, 800.0, "2026-02-14")
        actions, mails = self._night("2026-02-15")
        self._assert_reminder(mails, "formal", {fee_document: (self.formal, 35)}, 25.0)
        self.assertEqual(self._item(fee_document).collection_level_id, self.formal)
        self.assertEqual(self.Fee.search_count([("move_id", "=", invoice.id)]), 1)
        self.assertFalse(self.Fee.search([("move_id", "=", fee_document.id)]))

    def test_monthly_interest_notes_are_chased_at_their_own_levels(self):
        self.policy.late_fee_rule_id = self.env["collection.late.fee.rule"].create(
            {"name": "Interest", "interest": "fixed", "annual_rate": 12.0}
        )
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-31")
        self._night("2026-02-03")
        self._night("2026-02-10")
        self.assertEqual(self._item(invoice).collection_level_id, self.firm)
        with freeze_time("2026-03-01"):
            self.env(user=self.cron.user_id)["collection.late.fee.rule"]._cron_accrue_monthly()
        # February: 1,000.00 x 12 % x 28/365 = 9.21, booked on 28 February, due 1 March.
        note = self.Fee.search([("move_id", "=", invoice.id)]).fee_move_id
        self.assertRecordValues(
            note,
            [
                {
                    "amount_total": 9.21,
                    "invoice_date": self._date("2026-02-28"),
                    "invoice_date_due": self._date("2026-03-01"),
                }
            ],
        )
        # A fee document gets no heads-up; it is listed once overdue, at no level yet.
        self._quiet_nights("2026-03-01")
        _actions, mails = self._night("2026-03-02")
        self._assert_reminder(
            mails, "formal", {invoice: (self.formal, 30), note: (None, 1)}, 1009.21
        )
        # The note rides with its invoice, still owed: no gentle reminder for 9.21 two days
        # after the formal demand.
        self._quiet_nights("2026-03-03", "2026-03-04", "2026-03-11")
        self.assertFalse(self._item(note).collection_level_id)

    def test_step_by_step_charges_each_level_as_it_is_sent(self):
        self.company.collection_skip_levels = False
        self.firm.late_fee_rule_id = self._fixed_rule(25.0)
        self.formal.late_fee_rule_id = self._fixed_rule(40.0)
        invoice = self._create_invoice(self.customer, 800.0, "2025-12-01", due_date="2026-01-01")
        _actions, mails = self._night("2026-02-10")
        self._assert_reminder(mails, "gentle", {invoice: (self.gentle, 40)}, 800.0)
        self.assertFalse(self.Fee.search([("move_id", "=", invoice.id)]))
        _actions, mails = self._night("2026-02-11")
        self._assert_reminder(mails, "firm", {invoice: (self.firm, 41)}, 800.0)
        first = self.Fee.search([("move_id", "=", invoice.id)])
        self.assertRecordValues(first, [{"amount": 25.0, "date": self._date("2026-02-11")}])
        # The first fee's debit note, due on 11 February, is overdue and listed, at no level
        # yet (due the day it was booked: no heads-up; its gentle reminder comes 3 days late).
        _actions, mails = self._night("2026-02-12")
        self._assert_reminder(
            mails,
            "formal",
            {invoice: (self.formal, 42), first.fee_move_id: (None, 1)},
            825.0,
        )
        fees = self.Fee.search([("move_id", "=", invoice.id)], order="id")
        self.assertEqual(fees.mapped("amount"), [25.0, 40.0])
        self.assertEqual(fees.rule_id, self.firm.late_fee_rule_id | self.formal.late_fee_rule_id)
        self._quiet_nights("2026-02-13")

    def test_an_approved_level_charges_the_fees_passed_once(self):
        self.firm.late_fee_rule_id = self._fixed_rule(25.0)
        self.formal.requires_approval = True
        invoice = self._create_invoice(self.customer, 800.0, "2025-12-01", due_date="2026-01-01")
        actions, mails = self._night("2026-02-10")
        self.assertFalse(mails)
        actions = actions.filtered(lambda a: a.state == "to_approve")
        self.assertEqual(sorted(actions.mapped("channel")), ["email", "fee", "letter", "sms"])
        fee_action = actions.filtered(lambda a: a.channel == "fee")
        self.assertEqual(fee_action.level_id, self.firm)
        self.assertFalse(self.Fee.search([("move_id", "=", invoice.id)]))
        self._quiet_nights("2026-02-11")
        with freeze_time("2026-02-12"), self.mock_mail_gateway():
            actions.with_user(self.manager).action_approve()
            mails = self._new_mails
        self._assert_reminder(mails, "formal", {invoice: (self.formal, 42)}, 800.0)
        fee = self.Fee.search([("move_id", "=", invoice.id)])
        self.assertRecordValues(fee, [{"amount": 25.0, "date": self._date("2026-02-12")}])
        self._quiet_nights("2026-02-12", "2026-02-13")
        self.assertEqual(self.Fee.search([("move_id", "=", invoice.id)]), fee)

    def test_a_failed_channel_of_a_lower_level_sent_last_is_retried(self):
        customer = self.other_customer
        customer.write({"mobile": "0912 345 6789", "country_id": self.env.ref("base.ir").id})
        self._create_invoice(customer, 500.0, "2025-11-01", due_date="2025-12-01")
        actions, _mails = self._night("2026-01-05")
        self.assertEqual(
            self._item_states(actions, customer),
            [("email", "done"), ("letter", "done"), ("sms", "done")],
        )
        # A new invoice reaches the firm level; its SMS fails (a wrong number): it is tried
        # again the next day, although the customer's level is the formal demand.
        customer.mobile = "12345"
        self._create_invoice(customer, 200.0, "2026-01-01", due_date="2026-01-10")
        actions, _mails = self._night("2026-01-20")
        self.assertEqual(
            self._item_states(actions, customer), [("email", "done"), ("sms", "failed")]
        )
        self.assertEqual(actions.level_id, self.firm)
        self.assertEqual(customer.collection_last_level_id, self.formal)
        actions, mails = self._night("2026-01-21")
        self.assertFalse(mails)
        self.assertEqual(self._item_states(actions, customer), [("sms", "failed")])
        self.assertEqual(actions.level_id, self.firm)

    @staticmethod
    def _item_states(actions, partner):
        return sorted(
            (action.channel, action.state) for action in actions if action.partner_id == partner
        )

    def test_only_the_run_sets_an_items_level(self):
        invoice = self._create_invoice(self.customer, 800.0, "2025-12-01", due_date="2026-01-01")
        self._night("2026-01-05")
        item = self._item(invoice)
        self.assertEqual(item.collection_level_id, self.gentle)
        for login, groups in (
            ("items_clerk", "account.group_account_invoice"),
            ("items_accountant", "account.group_account_manager"),
        ):
            user = new_test_user(self.env, login, groups=groups)
            with self.assertRaises(AccessError):
                item.with_user(user).write({"collection_level_id": self.firm.id})
            with self.assertRaises(AccessError):
                item.with_user(user).write({"collection_level_date": "2026-01-01"})
        self.assertEqual(item.collection_level_id, self.gentle)

    # ------------------------------------------------------------------
    # Upgrade from 18.0.2.1: the items get the level of the last reminder naming them
    # ------------------------------------------------------------------

    def _migration(self):
        path = Path(get_module_path("collection_followup"), "migrations/18.0.2.2.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("collection_followup_migration_18_2_2", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def test_upgrade_gives_items_the_level_of_the_last_reminder_naming_them(self):
        old = self._create_invoice(self.customer, 1000.0, "2025-12-01", due_date="2026-01-01")
        self._night("2026-01-11")  # firm
        self._night("2026-01-31")  # formal
        new = self._create_invoice(self.customer, 300.0, "2026-01-31", due_date="2026-02-03")
        # Before 18.0.2.2 the items had no level: only the customer had one.
        self.env.cr.execute(
            "UPDATE account_move_line SET collection_level_id = NULL, collection_level_date = NULL"
        )
        self.env.invalidate_all()
        self._migration().migrate(self.env.cr, "18.0.2.1.0")
        self.env.invalidate_all()
        self.assertRecordValues(
            self._item(old) | self._item(new),
            [
                {
                    "collection_level_id": self.formal.id,
                    "collection_level_date": self._date("2026-01-31"),
                },
                {"collection_level_id": False, "collection_level_date": False},
            ],
        )
        # The formal demand is not sent again; the new invoice gets its own reminders (no
        # heads-up while the old one is overdue: its first is the gentle one).
        self._quiet_nights(*(f"2026-02-0{day}" for day in range(1, 6)))
        _actions, mails = self._night("2026-02-06")
        self._assert_reminder(
            mails, "gentle", {old: (self.formal, 36), new: (self.gentle, 3)}, 1300.0
        )
