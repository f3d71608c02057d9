import csv
import io
from contextlib import contextmanager

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CollectionFollowupCommon
from .test_agency import AgencyCommon


class RolesCommon(CollectionFollowupCommon):
    """The backend roles of the addon, as ordinary users of the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = {"company_id": cls.company.id, "company_ids": cls.company.ids}
        cls.employee = new_test_user(
            cls.env,
            "roles_employee",
            groups="base.group_user,base.group_partner_manager",
            **company,
        )
        cls.clerk = new_test_user(
            cls.env, "roles_clerk", groups="account.group_account_invoice", **company
        )
        cls.accountant = new_test_user(
            cls.env, "roles_accountant", groups="account.group_account_user", **company
        )
        cls.collector = new_test_user(
            cls.env,
            "roles_collector",
            name="Colin Collector",
            groups="collection_followup.group_collection_user",
            **company,
        )
        cls.manager = new_test_user(
            cls.env,
            "roles_manager",
            name="Mona Manager",
            groups="collection_followup.group_collection_manager",
            **company,
        )

    def _as(self, user, records):
        """``records`` as ``user`` would reach them by RPC (``call_kw`` runs the public method
        on the records browsed with the caller's uid, in the company of the test when the
        user works in it)."""
        records = records.with_user(user)
        if self.company in user.company_ids:
            records = records.with_company(self.company)
        return records

    def _receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    @contextmanager
    def _raises(self, exception, regex):
        """``assertRaisesRegex`` in a savepoint, like Odoo's ``assertRaises``: what the refused
        call wrote is rolled back, as its RPC transaction would be."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), regex)


@tagged("post_install", "-at_install")
class TestRolesReportedBreakages(RolesCommon):
    """What broke for real users, and what they could do that they should not."""

    # ------------------------------------------------------------------
    # Billing clerk
    # ------------------------------------------------------------------

    def test_billing_clerk_payment_keeps_a_promise(self):
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-10"):
            promise = self.env["collection.promise"].create(
                {"partner_id": self.customer.id, "amount": 1000.0, "date": "2026-02-20"}
            )
            payment = (
                self.env["account.payment.register"]
                .with_user(self.clerk)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"amount": 1000.0, "payment_date": "2026-02-15"})
                ._create_payments()
            )
        self.assertEqual(payment.amount, 1000.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(promise.state, "kept")
        self.assertIn("Promise to pay kept.", self.customer.message_ids.mapped("preview"))

    def test_billing_clerk_matching_a_bank_payment_keeps_a_promise(self):
        invoice = self._create_invoice(self.customer, 600.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-10"):
            promise = self.env["collection.promise"].create(
                {"partner_id": self.customer.id, "amount": 600.0, "date": "2026-02-20"}
            )
        # A customer's bank transfer, booked without the invoice: an outstanding credit.
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 600.0,
                "date": "2026-02-16",
            }
        )
        payment.action_post()
        credit = payment.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        with freeze_time("2026-02-16"):
            invoice.with_user(self.clerk).js_assign_outstanding_line(credit.id)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(promise.state, "kept")

    # ------------------------------------------------------------------
    # Collector: does its job
    # ------------------------------------------------------------------

    def test_collector_sends_a_reminder_now(self):
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-01")
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            wizard = Form(
                self.env["collection.followup.send"]
                .with_user(self.collector)
                .with_context(default_partner_id=self.customer.id)
            )
            self.assertEqual(wizard.level_id, self.gentle)
            result = wizard.save().action_send()
            mails = self._new_mails
        action = self.env["collection.followup.action"].search(result["domain"])
        self.assertRecordValues(
            action,
            [
                {
                    "channel": "email",
                    "state": "done",
                    "level_id": self.gentle.id,
                    "amount_due": 1000.0,
                    "recipient_id": self.customer.id,
                }
            ],
        )
        self.assertEqual(action.move_ids, invoice)
        self.assertEqual(mails.recipient_ids, self.customer)
        self.assertEqual(self.customer.collection_last_level_id, self.gentle)
        self.assertEqual(self.customer.collection_last_date, self._date("2026-01-05"))

    def test_collector_prints_letters_and_a_letter_before_action(self):
        self.gentle.write({"send_email": False, "send_letter": True})
        self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-01")
        with freeze_time("2026-01-05"):
            wizard = Form(
                self.env["collection.followup.send"]
                .with_user(self.collector)
                .with_context(default_partner_id=self.customer.id)
            )
            result = wizard.save().action_send()
        letter = self.env["collection.followup.action"].search(result["domain"])
        self.assertRecordValues(letter, [{"channel": "letter", "state": "done"}])
        report = self._as(self.collector, letter).action_print_letters()
        self.assertEqual(report["context"]["active_ids"], letter.ids)
        self.assertTrue(letter.letter_printed)
        with freeze_time("2026-02-02"):
            report = self._as(self.collector, self.customer).action_collection_demand_letter()
        demand = self.env["collection.followup.action"].browse(report["context"]["active_ids"])
        self.assertRecordValues(
            demand, [{"channel": "demand", "state": "done", "amount_due": 1000.0}]
        )
        self.assertTrue(demand.attachment_id)

    # ------------------------------------------------------------------
    # Collector: what it cannot do
    # ------------------------------------------------------------------

    def test_run_now_is_a_managers(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-01")
        Action = self.env["collection.followup.action"]
        Run = self.env["collection.followup.run"]
        with freeze_time("2026-01-05"):
            preview = Run.browse(Run.with_user(self.collector).action_preview()["res_id"])
            with self._raises(AccessError, "Only a collections manager"):
                preview.with_user(self.collector).action_run_now()
            self.assertFalse(Action.search([("partner_id", "=", self.customer.id)]))
            with self.mock_mail_gateway():
                preview.with_user(self.manager).action_run_now()
        done = Action.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(done.mapped("state"), ["done"])
        self.assertEqual(done.level_id, self.gentle)

    def test_actions_are_read_only_for_people(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-01")
        actions, _mails = self._run("2026-01-05")
        Action = self.env["collection.followup.action"]
        for user in (self.collector, self.manager):
            with self.assertRaises(AccessError):
                Action.with_user(user).create(
                    {
                        "partner_id": self.other_customer.id,
                        "channel": "email",
                        "state": "failed",
                        "level_id": self.gentle.id,
                    }
                )
            with self.assertRaises(AccessError):
                self._as(user, actions).write({"state": "failed"})
            with self.assertRaises(AccessError):
                self._as(user, actions).unlink()
        self.assertFalse(Action.search([("partner_id", "=", self.other_customer.id)]))
        self.assertEqual(actions.mapped("state"), ["done"])

    def test_late_fee_is_waived_not_edited(self):
        rule = self.env["collection.late.fee.rule"].create(
            {"name": "Late fee", "fixed_amount": 40.0}
        )
        invoice = self._create_invoice(self.customer, 500.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-10"):
            fee = rule._charge(invoice, self._date("2026-02-10"), "2026-02-10")
        self.assertRecordValues(fee, [{"state": "posted", "amount": 40.0}])
        for user in (self.clerk, self.collector, self.manager):
            with self.assertRaises(AccessError):
                self._as(user, fee).write({"amount": 0.0})
            with self.assertRaises(AccessError):
                self._as(user, fee).write({"state": "waived"})
            with self.assertRaises(AccessError):
                self._as(user, fee).unlink()
        for user in (self.clerk, self.collector):
            with self.assertRaises(UserError):
                self._as(user, fee).action_open_waive()
            with self.assertRaises(UserError):
                self._as(user, fee)._waive("Please")
        self.assertRecordValues(fee, [{"state": "posted", "amount": 40.0, "waive_reason": False}])
        with freeze_time("2026-02-12"):
            wizard = (
                self.env["collection.late.fee.waive"]
                .with_user(self.manager)
                .create({"fee_ids": [Command.set(fee.ids)], "reason": "Goodwill"})
            )
            wizard.action_waive()
        self.assertRecordValues(
            fee,
            [
                {
                    "state": "waived",
                    "amount": 40.0,
                    "waive_reason": "Goodwill",
                    "waived_by_id": self.manager.id,
                }
            ],
        )
        self.assertEqual(fee.credit_note_id.amount_total, 40.0)

    def test_accepted_schedule_is_rescheduled_not_edited(self):
        invoice_a = self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-01")
        invoice_b = self._create_invoice(self.customer, 800.0, "2026-01-10", "2026-01-10")
        Plan = self.env["collection.payment.plan"].with_user(self.collector)
        with freeze_time("2026-02-01"):
            plan = Plan.create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set((invoice_a | invoice_b).ids)],
                    "installment_count": 3,
                    "first_date": "2026-02-01",
                }
            )
            plan.action_compute_schedule()
            plan.action_accept()
        self.assertEqual(plan.state, "running")
        first = plan.installment_ids.sorted("date")[0]
        Installment = self.env["collection.payment.plan.installment"]
        with self._raises(UserError, "reschedule it instead"):
            first.with_user(self.collector).unlink()
        with self._raises(UserError, "reschedule it instead"):
            first.with_user(self.collector).write({"date": "2029-01-01"})
        with self._raises(UserError, "reschedule it instead"):
            Installment.with_user(self.collector).create(
                {"plan_id": plan.id, "date": "2029-01-01", "amount": 1.0}
            )
        with self._raises(UserError, "reschedule it instead"):
            plan.write({"installment_ids": [Command.delete(first.id)]})
        with self._raises(UserError, "Accept button"):
            plan.write({"state": "completed"})
        with self.assertRaises(AccessError):
            first.with_user(self.clerk).write({"amount": 1.0})
        self.env.invalidate_all()
        self.assertEqual(
            [(str(i.date), i.amount) for i in plan.installment_ids.sorted("date")],
            [("2026-02-01", 600.0), ("2026-03-01", 600.0), ("2026-04-01", 600.0)],
        )
        self._pay(invoice_a, 600.0, "2026-02-01")
        with freeze_time("2026-02-15"), self.mock_mail_gateway():
            with self._raises(UserError, "how the customer agreed"):
                plan._reschedule(" ", self._date("2026-03-01"), 4)
            wizard = Form(
                self.env["collection.payment.plan.reschedule"]
                .with_user(self.collector)
                .with_context(**plan.action_open_reschedule()["context"])
            )
            wizard.agreement = "Phone call of 15 February: four monthly payments from March"
            wizard.first_date = self._date("2026-03-01")
            wizard.installment_count = 4
            result = wizard.save().action_reschedule()
            mails = self._new_mails
        new_plan = self.env["collection.payment.plan"].browse(result["res_id"])
        self.assertRecordValues(plan, [{"state": "cancel", "end_date": self._date("2026-02-15")}])
        self.assertRecordValues(new_plan, [{"state": "proposed", "amount_total": 1200.0}])
        self.assertEqual(
            [(str(i.date), i.amount) for i in new_plan.installment_ids.sorted("date")],
            [
                ("2026-03-01", 300.0),
                ("2026-04-01", 300.0),
                ("2026-05-01", 300.0),
                ("2026-06-01", 300.0),
            ],
        )
        self.assertEqual(mails.recipient_ids, self.customer)
        for record in (plan, new_plan):
            self.assertIn(
                "four monthly payments from March", " ".join(record.message_ids.mapped("body"))
            )

    # ------------------------------------------------------------------
    # A customer's follow-up state
    # ------------------------------------------------------------------

    def test_follow_up_state_is_not_a_plain_write(self):
        customer = self.customer.with_company(self.company)
        # The engine's bookkeeping, as the run would leave it.
        customer.sudo().write(
            {"collection_on_hold": True, "collection_last_level_id": self.firm.id}
        )
        other_policy = self.env["collection.followup.policy"].create(
            {"name": "Gentle customers", "company_id": self.company.id}
        )
        changes = [
            {"collection_on_hold": False},
            {"collection_hold_date": False},
            {"collection_last_level_id": False},
            {"collection_last_date": "2026-01-01"},
            {"collection_contact_date": "2026-01-01"},
            {"collection_contact_message_id": False},
            {"collection_excluded": True},
            {"collection_policy_id": other_policy.id},
            {"collection_terms_accepted_on": "2026-01-01 10:00:00"},
            {"collection_terms_accepted_by": "Forged"},
        ]
        for user in (self.employee, self.clerk, self.accountant, self.collector):
            for vals in changes:
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    self._as(user, customer).write(vals)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.employee).create(
                {"name": "Forged", "collection_excluded": True}
            )
        with self._raises(AccessError, "never by hand"):
            self._as(self.manager, customer).write({"collection_terms_accepted_by": "Forged"})
        with self.assertRaises(AccessError):
            self.env["collection.terms.acceptance"].with_user(self.collector).create(
                {"partner_id": customer.id, "accepted_by": "Forged"}
            )
        customer.invalidate_recordset()
        self.assertRecordValues(
            customer,
            [
                {
                    "collection_on_hold": True,
                    "collection_last_level_id": self.firm.id,
                    "collection_excluded": False,
                    "collection_policy_id": False,
                    "collection_terms_accepted_on": False,
                }
            ],
        )
        # Plain contact fields stay an employee's.
        self._as(self.employee, customer).write({"phone": "+1 555 0100"})
        self.assertEqual(customer.phone, "+1 555 0100")

    def test_collector_assigns_manager_excludes_with_tracking(self):
        customer = self.customer.with_company(self.company)
        # The form shows the policy and "No Follow-up" read-only to whoever may not change them.
        self.assertFalse(self._as(self.collector, customer).collection_is_manager)
        self.assertTrue(self._as(self.manager, customer).collection_is_manager)
        arch = self.env["res.partner"].with_user(self.collector).get_views([(False, "form")])
        self.assertIn('readonly="not collection_is_manager"', arch["views"]["form"]["arch"])
        with self.assertRaises(AccessError):
            self._as(self.employee, customer).write(
                {"collection_responsible_id": self.collector.id}
            )
        self._as(self.collector, customer).write({"collection_responsible_id": self.collector.id})
        self.assertEqual(customer.collection_responsible_id, self.collector)
        # The tests run with tracking off (Odoo's accounting test base): on, as in real life.
        self._as(self.manager, customer).with_context(
            tracking_disable=False, mail_notrack=False
        ).write({"collection_excluded": True})
        self.flush_tracking()
        self.assertTrue(customer.collection_excluded)
        tracked = customer.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "collection_excluded"
        )
        self.assertEqual(tracked.new_value_integer, 1)
        self.assertEqual(tracked.mail_message_id.author_id, self.manager.partner_id)

    def test_policy_of_another_company_is_refused(self):
        other_company = self.setup_other_company(name="Other Co")["company"]
        foreign = other_company.sudo().collection_policy_id
        self.assertTrue(foreign)
        with self._raises(ValidationError, "belongs to Other Co"):
            self.customer.with_company(self.company).collection_policy_id = foreign
        self.assertFalse(self.customer.with_company(self.company).collection_policy_id)

    def test_manager_resets_the_level(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-01")
        self._run("2026-01-05")
        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.collection_last_level_id, self.gentle)
        with self.assertRaises(AccessError):
            self._as(self.collector, customer).action_collection_reset_level()
        self.assertEqual(customer.collection_last_level_id, self.gentle)
        self._as(self.manager, customer).action_collection_reset_level()
        self.assertFalse(customer.collection_last_level_id)
        self.assertFalse(customer.collection_last_date)
        self.assertIn(
            "Follow-up level reset by Mona Manager (was “Gentle reminder”).",
            customer.message_ids[0].preview,
        )
        # Its items start over too: the next run sends the gentle reminder again.
        invoice_items = self.env["account.move.line"].search(
            [("partner_id", "=", customer.id), ("account_type", "=", "asset_receivable")]
        )
        self.assertFalse(invoice_items.collection_level_id)
        _actions, mails = self._run("2026-01-06")
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Payment reminder")
        self.assertEqual(customer.collection_last_level_id, self.gentle)

    def test_revoking_links_is_a_managers(self):
        Link = self.env["collection.portal.link"]
        Link._mint(self.customer, self.company)
        link = Link.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(link), 1)
        portal = new_test_user(self.env, "roles_portal", groups="base.group_portal")
        for user in (portal, self.employee, self.clerk, self.collector):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._as(user, self.customer).action_collection_revoke_link()
        self.assertFalse(link.revoked)
        self._as(self.manager, self.customer).action_collection_revoke_link()
        self.assertTrue(link.revoked)

    # ------------------------------------------------------------------
    # Settings and levels
    # ------------------------------------------------------------------

    def test_settings_are_bounded(self):
        bad = [
            ({"collection_min_days_between": -1}, "between two reminders are from 0 to 365"),
            ({"collection_min_days_between": 366}, "between two reminders are from 0 to 365"),
            ({"collection_promise_grace_days": -1}, "grace days after a promised date"),
            ({"collection_link_validity_days": 0}, "valid from 1 to 365 days"),
            ({"collection_link_validity_days": 10**6}, "valid from 1 to 365 days"),
            ({"collection_demand_days": 366}, "at most 365"),
        ]
        for vals, message in bad:
            with self.subTest(vals=vals), self._raises(ValidationError, message):
                self.company.write(vals)
            self.env.invalidate_all()  # what the failed write left in the cache
        for delay in (-366, 3651):
            with (
                self.subTest(delay=delay),
                self._raises(
                    ValidationError, "from 365 days before the due date to 3650 days after it"
                ),
            ):
                self.gentle.delay = delay
            self.env.invalidate_all()
        self.gentle.delay = 3650
        self.company.collection_min_days_between = 0
        self.assertEqual(self.gentle.delay, 3650)

    def test_managers_change_the_collections_settings(self):
        action = self.env["res.company"].with_user(self.manager).action_open_collection_settings()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.company", self.company.id))
        form = Form(self.company.with_user(self.manager), view=action["views"][0][0])
        form.collection_min_days_between = 7
        form.save()
        self.assertEqual(self.company.collection_min_days_between, 7)
        with self._raises(ValidationError, "from 0 to 365"):
            self._as(self.manager, self.company).write({"collection_min_days_between": -3})
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            self._as(self.manager, self.company).write({"name": "Renamed"})
        for user in (self.employee, self.clerk, self.accountant, self.collector):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._as(user, self.company).write({"collection_min_days_between": 1})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["res.company"].with_user(user).action_open_collection_settings()
        self.env.invalidate_all()
        self.assertEqual(self.company.collection_min_days_between, 7)
        self.assertEqual(self.company.name, "Acme Collections")

    def test_a_level_that_was_sent_is_archived_not_deleted(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", "2026-01-01")
        actions, _mails = self._run("2026-01-05")
        self.assertEqual(actions.level_id, self.gentle)
        with self._raises(UserError, "archive it instead"):
            self.gentle.unlink()
        self.gentle.active = False
        self.assertNotIn(self.gentle, self.policy._get_levels())
        again, mails = self._run("2026-01-05")
        self.assertFalse(again, "nothing is sent again the same day")
        self.assertFalse(mails)
        later, _mails = self._run("2026-01-12")
        self.assertEqual(later.level_id, self.firm)
        # A level that never sent anything is deleted as before.
        self.heads_up.unlink()
        self.assertFalse(self.heads_up.exists())


@tagged("post_install", "-at_install")
class TestRolesAgency(AgencyCommon):
    """Agency commissions are a ledger; the case file is safe to open in a spreadsheet."""

    def test_commission_is_reversed_with_a_reason_not_edited(self):
        manager = new_test_user(
            self.env,
            "roles_agency_manager",
            name="Mona Manager",
            groups="collection_followup.group_collection_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        case = self._handover("2026-04-05", user=self.collector)
        self._pay(invoice, 400.0, "2026-04-10")
        commission = case.commission_ids
        self.assertEqual(commission.amount_commission, 60.0)
        with self.assertRaises(AccessError):
            commission.with_user(manager).write({"amount_commission": 1.0})
        with self.assertRaises(AccessError):
            commission.with_user(manager).unlink()
        with self.assertRaises(AccessError):
            commission.with_user(self.collector)._reverse("Paid us directly")
        with self.assertRaises(AccessError):
            commission.with_user(self.collector).action_open_reverse()
        self.assertEqual(len(case.commission_ids), 1)
        with freeze_time("2026-04-12"):
            wizard = Form(
                self.env["collection.agency.commission.reverse"]
                .with_user(manager)
                .with_context(**commission.with_user(manager).action_open_reverse()["context"])
            )
            wizard.reason = "The customer paid us directly"
            wizard.save().action_reverse()
        reversal = case.commission_ids - commission
        self.assertRecordValues(
            reversal,
            [
                {
                    "amount_collected": -400.0,
                    "amount_commission": -60.0,
                    "reversed_id": commission.id,
                    "reason": "The customer paid us directly",
                }
            ],
        )
        self.assertEqual(case.amount_to_bill, 0.0)
        with self.assertRaises(UserError) as caught:
            commission.with_user(manager)._reverse("Twice")
        self.assertIn("not reversed again", str(caught.exception))
        self.assertIn("The customer paid us directly", case.message_ids[0].body)

    def test_csv_cells_cannot_be_formulas(self):
        self.customer.write({"name": '=HYPERLINK("http://evil.example","Click")', "phone": "@SUM"})
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        self._receivable(invoice).name = "-2+3"
        case = self._handover("2026-04-05")
        refund = self._create_invoice(
            self.customer, 1000.0, "2026-04-10", move_type="out_refund", post=True
        )
        (self._receivable(invoice) | self._receivable(refund)).reconcile()
        with freeze_time("2026-04-12"):
            content = self.env["collection.case.file"]._case_csv(case).decode()
        rows = list(csv.DictReader(io.StringIO(content)))
        self.assertEqual(rows[0]["customer"], '\'=HYPERLINK("http://evil.example","Click")')
        self.assertEqual(rows[0]["customer_phone"], "'@SUM")
        item = next(row for row in rows if row["record_type"] == "item")
        self.assertEqual(item["details"], "'-2+3")
        self.assertEqual((item["amount"], item["open_amount"]), ("1000.00", "0.00"))
        for row in rows:
            for column, value in row.items():
                if column not in ("amount", "open_amount"):
                    self.assertFalse(
                        value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
                    )
