from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.collection_followup.models.collection_followup_action import (
    CollectionFollowupAction,
)

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestFollowupChannels(CollectionFollowupCommon):
    """Every channel a level can act on, and what happens when one cannot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env,
            "collector_anna",
            name="Anna Collector",
            groups="collection_followup.group_collection_user",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.manager = new_test_user(
            cls.env,
            "collection_boss",
            name="Boss",
            groups="collection_followup.group_collection_manager",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.iran = cls.env.ref("base.ir")

    def _only(self, actions, channel):
        return actions.filtered(lambda a: a.channel == channel)

    def test_default_levels_channels(self):
        self.assertEqual(
            [level._get_channels() for level in self.levels],
            [["email"], ["email"], ["email", "sms"], ["email", "sms", "letter"]],
        )

    def test_sms_numbers_normalised_to_e164_from_the_customers_country(self):
        written = {
            "ir": ("0912 345 6789", "+989123456789"),
            "sa": ("050 123 4567", "+966501234567"),
            "ae": ("050 123 4567", "+971501234567"),
            "eg": ("010 1234 5678", "+201012345678"),
            "ru": ("8 (912) 345-67-89", "+79123456789"),
            "il": ("052-612-3456", "+972526123456"),
        }
        customers = {
            code: self._create_customer(
                f"Customer {code}",
                f"{code}@example.com",
                mobile=mobile,
                country_id=self.env.ref(f"base.{code}").id,
            )
            for code, (mobile, _e164) in written.items()
        }
        persian_digits = self._create_customer(
            "Kaveh", "kaveh@example.com", mobile="۰۹۱۳ ۱۲۳ ۴۵۶۷", country_id=self.iran.id
        )
        for customer in (*customers.values(), persian_digits):
            self._create_invoice(customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-01-12")  # 11 days late: firmer reminder, email + SMS
        sms_actions = self._only(actions, "sms")
        for code, (_mobile, e164) in written.items():
            action = sms_actions.filtered(lambda a, c=customers[code]: a.partner_id == c)
            self.assertEqual(action.state, "done", action.error)
            self.assertEqual(action.sms_number, e164)
            self.assertEqual(action.sms_id.number, e164)
            self.assertEqual(action.sms_id.state, "outgoing")
            # Written for SMS: no non-breaking space, the short link to the collections page.
            self.assertIn("2nd reminder, $ 1,000.00 is overdue", action.sms_id.body)
            self.assertIn("/c/", action.sms_id.body)
            self.assertNotIn("/my/invoices/", action.sms_id.body)
        kaveh = sms_actions.filtered(lambda a: a.partner_id == persian_digits)
        self.assertEqual(kaveh.sms_number, "+989131234567")

    def test_invalid_or_missing_number_fails_that_channel_only(self):
        wrong = self._create_customer(
            "Wrong Number", "wrong@example.com", mobile="12345", country_id=self.iran.id
        )
        self._create_invoice(wrong, 500.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.customer, 500.0, "2026-01-01", due_date="2026-01-01")
        actions, mails = self._run("2026-01-12")
        bad = self._only(actions, "sms").filtered(lambda a: a.partner_id == wrong)
        self.assertEqual(bad.state, "failed")
        self.assertIn("The mobile number 12345 of Wrong Number is not valid", bad.error)
        missing = self._only(actions, "sms").filtered(lambda a: a.partner_id == self.customer)
        self.assertEqual(missing.error, "Northwind Traders has no mobile number.")
        # The email still went, and the level counts as sent: only the SMS is tried again
        # tomorrow (see TestFailedChannels for the back-off).
        self.assertEqual(self._mails_to(mails, wrong).subject, "Second reminder: overdue payment")
        self.assertEqual(wrong.collection_last_level_id, self.firm)
        again, mails = self._run("2026-01-13")
        self.assertEqual(
            sorted((a.partner_id.name, a.channel, a.state) for a in again),
            [("Northwind Traders", "sms", "failed"), ("Wrong Number", "sms", "failed")],
        )
        self.assertFalse(mails)

    def test_letter_is_rendered_kept_and_printed_in_bulk(self):
        invoice = self._create_invoice(self.customer, 2500.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.other_customer, 800.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-02-05")  # 35 days: formal demand with a letter
        letters = self._only(actions, "letter")
        self.assertEqual(letters.mapped("state"), ["done", "done"])
        mine = letters.filtered(lambda a: a.partner_id == self.customer)
        self.assertEqual(mine.attachment_id.res_model, "collection.followup.action")
        self.assertEqual(mine.attachment_id.res_id, mine.id)
        content = mine.attachment_id.raw.decode()
        self.assertIn("Formal demand", content)
        self.assertIn(invoice.name, content)
        self.assertIn("2,500.00", content)
        self.assertIn("We formally demand payment", content)
        # The copy kept on the action carries no link: each printed letter gets its own.
        self.assertNotIn("/c/", content)
        self.assertNotIn('alt="QR code"', content)
        self.assertIn("personal link to its collections page; it is not kept in this copy", content)
        # The collector prints all letters of the run at once.
        todo = self.env["collection.followup.action"].search(
            [("id", "in", letters.ids), ("letter_printed", "=", False)]
        )
        self.assertEqual(todo, letters)
        report_action = letters.action_print_letters()
        self.assertEqual(report_action["report_name"], "collection_followup.report_followup_letter")
        self.assertEqual(report_action["context"]["active_ids"], letters.ids)
        self.assertTrue(all(letters.mapped("letter_printed")))

    def test_phone_call_activity_for_the_collector(self):
        self.gentle.create_call = True
        self.customer.with_company(self.company).collection_responsible_id = self.collector
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-01-05")
        call = self._only(actions, "call")
        self.assertEqual(call.state, "done")
        activity = call.activity_id
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(activity.res_id, self.customer.id)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(str(activity.date_deadline), "2026-01-05")
        self.assertEqual(activity.summary, "Call about $\xa01,000.00 overdue")
        self.assertIn(invoice.name, str(activity.note))
        self.assertIn("when they can pay", str(activity.note))

    def test_phone_call_without_collector_fails_clearly(self):
        self.gentle.create_call = True
        self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-01-05")
        call = self._only(actions, "call")
        self.assertEqual(call.state, "failed")
        self.assertIn("No collector to call Northwind Traders", call.error)
        self.company.collection_responsible_id = self.collector
        with freeze_time("2026-01-05"):
            send = Form(
                self.env["collection.followup.send"].with_context(
                    default_partner_id=self.customer.id
                )
            )
            send.send_email = False
            result = send.save().action_send()
        retried = self.env["collection.followup.action"].search(result["domain"])
        self.assertEqual(retried.channel, "call")
        self.assertEqual(retried.activity_id.user_id, self.collector)

    def test_credit_hold_blocks_then_payment_lifts_it(self):
        self.formal.credit_hold = True
        invoice = self._create_invoice(self.customer, 900.0, "2026-01-01", due_date="2026-01-01")
        self._run("2026-02-05")
        partner = self.customer.with_company(self.company)
        self.assertTrue(partner.collection_on_hold)
        self.assertEqual(str(partner.collection_hold_date), "2026-02-05")
        draft = self._create_invoice(
            self.customer, 50.0, "2026-02-06", due_date="2026-03-06", post=False
        )
        self.assertIn("is on credit hold since", draft.collection_hold_warning)
        with self.assertRaisesRegex(UserError, "Northwind Traders is on credit hold since"):
            draft.action_post()
        self._pay(invoice, 900.0, "2026-02-07")
        self.assertFalse(partner.collection_on_hold, "paying the overdue items lifts the hold")
        draft.action_post()
        self.assertEqual(draft.state, "posted")

    def test_credit_hold_in_warn_mode_posts_with_a_note(self):
        self.formal.credit_hold = True
        self.company.collection_hold_mode = "warn"
        self._create_invoice(self.customer, 900.0, "2026-01-01", due_date="2026-01-01")
        self._run("2026-02-05")
        new = self._create_invoice(self.customer, 50.0, "2026-02-06", due_date="2026-03-06")
        self.assertEqual(new.state, "posted")
        self.assertIn("is on credit hold since", new.message_ids[0].body)

    def test_manager_lifts_a_hold_by_hand_collector_cannot(self):
        self.formal.credit_hold = True
        self._create_invoice(self.customer, 900.0, "2026-01-01", due_date="2026-01-01")
        self._run("2026-02-05")
        with self.assertRaises(UserError):
            self.customer.with_user(self.collector).action_collection_release_hold()
        self.customer.with_user(self.manager).action_collection_release_hold()
        self.assertFalse(self.customer.with_company(self.company).collection_on_hold)
        self.assertIn("Credit hold lifted by Boss", self.customer.message_ids[0].body)

    def test_approval_prepares_then_manager_approves(self):
        self.gentle.requires_approval = True
        self._create_invoice(self.customer, 300.0, "2026-01-01", due_date="2026-01-01")
        actions, mails = self._run("2026-01-05")
        self.assertEqual(actions.mapped("state"), ["to_approve"])
        self.assertFalse(self._mails_to(mails, self.customer), "nothing sent before approval")
        again, _mails = self._run("2026-01-05")
        self.assertFalse(again, "prepared once, not again")
        with self.assertRaisesRegex(UserError, "Only a collections manager"):
            actions.with_user(self.collector).action_approve()
        with freeze_time("2026-01-06"), self.mock_mail_gateway():
            actions.with_user(self.manager).action_approve()
            mails = self._new_mails
        self.assertEqual(actions.state, "done")
        self.assertEqual(actions.approved_by_id, self.manager)
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Payment reminder")

    def test_rejected_actions_send_nothing(self):
        self.gentle.requires_approval = True
        self._create_invoice(self.customer, 300.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-01-05")
        with self.mock_mail_gateway():
            actions.with_user(self.manager).action_reject()
            self.assertFalse(self._new_mails.filtered(lambda m: self.customer in m.recipient_ids))
        self.assertEqual(actions.state, "rejected")

    def test_approved_after_payment_is_skipped(self):
        self.gentle.requires_approval = True
        invoice = self._create_invoice(self.customer, 300.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-01-05")
        self._pay(invoice, 300.0, "2026-01-06")
        actions.with_user(self.manager).action_approve()
        self.assertEqual(actions.state, "skipped")
        self.assertEqual(actions.error, "Nothing is overdue any more.")

    def test_excluded_customer_is_skipped_once_per_level(self):
        self.customer.with_company(self.company).collection_excluded = True
        self._create_invoice(self.customer, 300.0, "2026-01-01", due_date="2026-01-01")
        actions, mails = self._run("2026-01-05")
        self.assertEqual(actions.state, "skipped")
        self.assertEqual(actions.error, "The customer is excluded from follow-up.")
        self.assertFalse(self._mails_to(mails, self.customer))
        again, _mails = self._run("2026-01-06")
        self.assertFalse(again)

    def test_residual_under_the_tolerance_is_ignored(self):
        self.company.collection_tolerance = 1.0
        invoice = self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        self._pay(invoice, 99.2, "2026-01-02")
        actions, _mails = self._run("2026-01-20")
        self.assertFalse(actions)
        self.company.collection_tolerance = 0.5
        actions, _mails = self._run("2026-01-20")
        self.assertEqual(self._only(actions, "email").amount_due, 0.8)

    def test_step_by_step_escalation_and_minimum_gap(self):
        self.company.write({"collection_skip_levels": False, "collection_min_days_between": 5})
        self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        sent = []
        for day in ("2026-02-15", "2026-02-16", "2026-02-20", "2026-02-25", "2026-02-26"):
            actions, _mails = self._run(day)
            sent.append(self._only(actions, "email").level_id.name or None)
        self.assertEqual(sent, ["Gentle reminder", None, "Firmer reminder", "Formal demand", None])

    def test_foreign_currency_items_and_totals_in_their_currency(self):
        euro = self.setup_other_currency("EUR", rates=[("2025-01-01", 0.5)])
        invoice = self._create_invoice(
            self.customer, 1000.0, "2026-01-01", due_date="2026-01-01", currency=euro
        )
        actions, mails = self._run("2026-01-05")
        body = str(self._mails_to(mails, self.customer).body_html)
        self.assertIn(invoice.name, body)
        self.assertIn("1,000.00&nbsp;€", body)
        # The total in the currency owed; the company-currency figure is the action's.
        self.assertIn("Total overdue: <strong>1,000.00&nbsp;€</strong>", body)
        self.assertEqual(self._only(actions, "email").amount_due, 2000.0)

    def test_each_company_its_own_policy_and_sender(self):
        other = self.setup_other_company(name="Branch Office")["company"]
        other.email = "collections@branch.example"
        other.collection_policy_id.level_ids.filtered(lambda level: level.delay == 3).delay = 1
        self.env.user.company_ids |= other
        invoice = self._create_invoice(
            self.customer, 400.0, "2026-01-01", due_date="2026-01-01", company=other
        )
        actions, mails = self._run("2026-01-02", companies=self.company | other)
        self.assertEqual(actions.company_id, other)
        self.assertEqual(actions.level_id.policy_id, other.collection_policy_id)
        mail = self._mails_to(mails, self.customer)
        self.assertIn("collections@branch.example", mail.email_from)
        self.assertIn(invoice.name, str(mail.body_html))
        # Each company keeps its own follow-up state for the same customer.
        self.assertEqual(self.customer.with_company(other).collection_last_level_id.delay, 1)
        self.assertFalse(self.customer.with_company(self.company).collection_last_level_id)

    def test_one_failing_customer_does_not_stop_the_others(self):
        self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.other_customer, 100.0, "2026-01-01", due_date="2026-01-01")
        original = CollectionFollowupAction._execute_email
        broken = self.customer

        def execute_email(action, decision):
            if action.partner_id == broken:
                raise ZeroDivisionError("template exploded")
            return original(action, decision)

        with (
            patch.object(CollectionFollowupAction, "_execute_email", execute_email),
            mute_logger("odoo.addons.collection_followup.models.collection_followup_action"),
        ):
            actions, mails = self._run("2026-01-05")
        failed = actions.filtered(lambda a: a.partner_id == broken)
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.error, "Unexpected error: template exploded")
        self.assertFalse(self._mails_to(mails, broken))
        self.assertEqual(self._mails_to(mails, self.other_customer).subject, "Payment reminder")

    def test_invoice_shows_its_reminders(self):
        invoice = self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-01-05")
        self.assertEqual(invoice.collection_action_ids, actions)
        self.assertEqual(invoice.collection_action_count, 1)
        self.assertEqual(
            invoice.action_view_collection_actions()["domain"], [("id", "in", actions.ids)]
        )


@tagged("post_install", "-at_install")
class TestFollowupDesk(CollectionFollowupCommon):
    """The collector's desk: preview, send now, and the cost of deciding."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env, "desk_collector", groups="collection_followup.group_collection_user"
        )

    def test_preview_shows_the_next_run_and_sends_nothing(self):
        self._create_invoice(self.customer, 700.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.other_customer, 50.0, "2026-02-01", due_date="2026-03-01")
        with freeze_time("2026-01-12"), self.mock_mail_gateway():
            action = self.env["collection.followup.run"].with_user(self.collector).action_preview()
            preview = self.env["collection.followup.run"].browse(action["res_id"])
            mails = self._new_mails
        self.assertFalse(mails)
        self.assertFalse(
            self.env["collection.followup.action"].search(
                [("partner_id", "in", (self.customer | self.other_customer).ids)]
            )
        )
        self.assertRecordValues(
            preview.line_ids,
            [
                {
                    "partner_id": self.customer.id,
                    "level_id": self.firm.id,
                    "channels": "Email, SMS",
                    "amount_due": 700.0,
                    "item_count": 1,
                }
            ],
        )
        self.assertEqual(preview.overdue_total, 700.0)

    def test_send_now_with_the_chosen_channel_keeps_the_escalation(self):
        self._create_invoice(self.customer, 700.0, "2026-01-01", due_date="2026-01-01")
        self._run("2026-01-12")  # firmer reminder sent
        with freeze_time("2026-01-13"), self.mock_mail_gateway():
            wizard = Form(
                self.env["collection.followup.send"].with_context(
                    default_partner_id=self.customer.id
                )
            )
            self.assertEqual(wizard.level_id, self.firm)
            wizard.level_id = self.gentle
            wizard.send_sms = False
            result = wizard.save().action_send()
            mails = self._new_mails
        actions = self.env["collection.followup.action"].search(result["domain"])
        self.assertEqual(actions.mapped("channel"), ["email"])
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Payment reminder")
        self.assertEqual(
            self.customer.collection_last_level_id,
            self.firm,
            "a manual reminder never lowers the escalation",
        )

    def test_send_now_refuses_without_channel_or_debt(self):
        wizard = Form(
            self.env["collection.followup.send"].with_context(
                default_partner_id=self.other_customer.id
            )
        )
        wizard.send_email = False
        with self.assertRaisesRegex(UserError, "Choose at least one channel"):
            wizard.save().action_send()
        wizard.send_email = True
        with self.assertRaisesRegex(UserError, "has nothing overdue"):
            wizard.save().action_send()

    def test_decision_queries_do_not_grow_with_customers(self):
        def customers(count, prefix):
            partners = self.env["res.partner"].create(
                [
                    {"name": f"{prefix} {i}", "email": f"{prefix}{i}@example.com"}
                    for i in range(count)
                ]
            )
            self.env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": "2026-01-01",
                        "invoice_date_due": "2026-01-01",
                        "invoice_line_ids": [
                            Command.create(
                                {"name": "x", "price_unit": 10.0, "tax_ids": [Command.clear()]}
                            )
                        ],
                    }
                    for partner in partners
                ]
            ).action_post()
            return partners

        def count_queries():
            self.env.invalidate_all()
            with freeze_time("2026-01-20"):
                before = self.cr.sql_log_count
                decisions = self.env["collection.followup.engine"]._decisions(self.company)
                return self.cr.sql_log_count - before, len(decisions)

        customers(10, "small")
        count_queries()  # warm the caches of what does not depend on customers
        small, small_count = count_queries()
        customers(90, "large")
        large, large_count = count_queries()
        self.assertEqual((small_count, large_count), (10, 100))
        self.assertEqual(small, large)
