from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestFollowupFigures(CollectionFollowupCommon):
    """The customer's follow-up figures are computed per receivable line (instalment)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.three_instalments = cls.env["account.payment.term"].create(
            {
                "name": "40/30/30 at 10, 40 and 70 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 40, "nb_days": 10}),
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 40}),
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 70}),
                ],
            }
        )

    def test_instalments_each_have_their_due_date(self):
        invoice = self._create_invoice(
            self.customer, 1000.0, "2026-01-01", payment_term=self.three_instalments
        )
        receivables = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        self.assertEqual(
            sorted((str(line.date_maturity), line.amount_residual) for line in receivables),
            [("2026-01-11", 400.0), ("2026-02-10", 300.0), ("2026-03-12", 300.0)],
        )
        # The invoice's own due date is the last instalment's: it is not overdue at all on
        # 2026-01-20, but its first instalment is 9 days late.
        self.assertEqual(str(invoice.invoice_date_due), "2026-03-12")
        with freeze_time("2026-01-20"):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.collection_total_due, 1000.0)
            self.assertEqual(self.customer.collection_overdue_amount, 400.0)
            self.assertEqual(self.customer.collection_oldest_due_date, self._date("2026-01-11"))
            self.assertEqual(self.customer.collection_level_id, self.gentle)
            # The gentle reminder has been due since 3 days after the first instalment.
            self.assertEqual(self.customer.collection_next_action_date, self._date("2026-01-14"))
        self._run("2026-01-20")
        with freeze_time("2026-01-20"):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.collection_last_level_id, self.gentle)
            # Sent: the firmer reminder comes 10 days after the oldest instalment's due date.
            self.assertEqual(self.customer.collection_next_action_date, self._date("2026-01-21"))
        with freeze_time("2026-02-15"):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.collection_overdue_amount, 700.0)
            self.assertEqual(self.customer.collection_level_id, self.formal)
            # Due since the first instalment became 30 days late.
            self.assertEqual(self.customer.collection_next_action_date, self._date("2026-02-10"))
        self._run("2026-02-15")
        with freeze_time("2026-02-15"):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.collection_last_level_id, self.formal)
            # Each instalment escalates on its own days: the first is at the last level, the
            # second (5 days late, named at the gentle level) gets the firmer one 10 days late.
            self.assertEqual(self.customer.collection_next_action_date, self._date("2026-02-20"))
            self.assertEqual(
                receivables.sorted("date_maturity").mapped("collection_level_id"),
                self.formal | self.gentle,
            )

    def test_partial_payment_reduces_the_first_instalment(self):
        invoice = self._create_invoice(
            self.customer, 1000.0, "2026-01-01", payment_term=self.three_instalments
        )
        self._pay(invoice, 400.0, "2026-01-15")
        with freeze_time("2026-02-12"):
            self.customer.invalidate_recordset()
            # The payment settled the first instalment: the oldest item owed is now the second.
            self.assertEqual(self.customer.collection_total_due, 600.0)
            self.assertEqual(self.customer.collection_overdue_amount, 300.0)
            self.assertEqual(self.customer.collection_oldest_due_date, self._date("2026-02-10"))
            # 2 days late: past the heads-up, not yet at the gentle reminder (3 days).
            self.assertFalse(self.customer.collection_level_id)
            self.assertEqual(self.customer.collection_next_action_date, self._date("2026-02-13"))

    def test_unreconciled_credit_note_covers_the_oldest_items(self):
        self._create_invoice(self.customer, 250.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.customer, 800.0, "2026-01-20", due_date="2026-01-20")
        self._create_invoice(self.customer, 300.0, "2026-01-25", move_type="out_refund")
        with freeze_time("2026-02-01"):
            self.customer.invalidate_recordset()
            # 300.00 of credit pays the 250.00 invoice and 50.00 of the 800.00 one.
            self.assertEqual(self.customer.collection_total_due, 750.0)
            self.assertEqual(self.customer.collection_overdue_amount, 750.0)
            self.assertEqual(self.customer.collection_oldest_due_date, self._date("2026-01-20"))
            self.assertEqual(self.customer.collection_level_id, self.firm)

    def test_follow_up_list_shows_only_customers_who_owe(self):
        self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        with freeze_time("2026-01-10"):
            found = self.env["res.partner"].search([("collection_total_due", ">", 0)])
            overdue = self.env["res.partner"].search([("collection_overdue_amount", ">", 0)])
            due = self.env["res.partner"].search(
                [("collection_next_action_date", "<=", "2026-01-10")]
            )
        self.assertIn(self.customer, found)
        self.assertNotIn(self.other_customer, found)
        self.assertIn(self.customer, overdue)
        self.assertIn(self.customer, due)


@tagged("post_install", "-at_install")
class TestFollowupRun(CollectionFollowupCommon):
    """The daily run: one email per customer at the highest level, never the same level twice."""

    def test_one_email_at_highest_level_with_every_item(self):
        old = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        recent = self._create_invoice(self.customer, 500.0, "2026-01-25", due_date="2026-01-25")
        actions, mails = self._run("2026-01-31")

        mail = self._mails_to(mails, self.customer)
        self.assertEqual(len(mail), 1, "one email for the customer, not one per invoice")
        self.assertEqual(mail.subject, "Formal demand for payment")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(mail.author_id, self.company.partner_id)
        self.assertIn("ar@acme.example", mail.email_from)
        body = str(mail.body_html)
        for expected in (
            old.name,
            recent.name,
            "30 days late",
            "6 days late",
            "$&nbsp;1,000.00",
            "$&nbsp;500.00",
            "Total overdue: <strong>$&nbsp;1,500.00</strong>",
        ):
            self.assertIn(expected, body)
        self.assertRegex(body, r'href="[^"]*/c/[\w-]{22}"', "link to the collections page")
        self.assertRegex(body, r'<img alt="QR code"[^>]* src="data:image/png;base64,')
        self.assertEqual(
            sorted(mail.attachment_ids.mapped("name")),
            sorted(f"{move.name.replace('/', '_')}.html" for move in old | recent),
        )

        # The formal demand goes by email, SMS and letter; this customer has no mobile number.
        self.assertEqual(sorted(actions.mapped("channel")), ["email", "letter", "sms"])
        email = actions.filtered(lambda a: a.channel == "email")
        self.assertRecordValues(
            email,
            [
                {
                    "partner_id": self.customer.id,
                    "level_id": self.formal.id,
                    "channel": "email",
                    "state": "done",
                    "amount_due": 1500.0,
                    "recipient_id": self.customer.id,
                    "date": self._date("2026-01-31"),
                }
            ],
        )
        self.assertEqual(
            actions.filtered(lambda a: a.channel == "sms").error,
            "Northwind Traders has no mobile number.",
        )
        actions = email
        self.assertEqual(actions.line_ids.move_id, old | recent)
        self.assertEqual(actions.mail_message_id.model, "res.partner")
        self.assertEqual(self.customer.collection_last_level_id, self.formal)
        self.assertEqual(self.customer.collection_last_date, self._date("2026-01-31"))
        self.assertEqual(self.customer.collection_action_count, 3)

    def test_the_email_goes_out_through_the_mail_gateway(self):
        invoice = self._create_invoice(self.customer, 420.0, "2026-01-01", due_date="2026-01-01")
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            self.env["collection.followup.engine"]._run_followup(self.company)
            self.env["mail.mail"].sudo().process_email_queue()
            self.assertSentEmail(
                '"Acme Collections" <ar@acme.example>',
                [self.customer],
                subject="Payment reminder",
                body_content="4 days late",
            )
            sent = self._mails[0]
        self.assertEqual(
            [name for name, _content, _mimetype in sent["attachments"]],
            [f"{invoice.name.replace('/', '_')}.html"],
        )

    def test_each_level_in_turn_and_never_twice(self):
        self._create_invoice(self.customer, 1000.0, "2026-02-01", due_date="2026-03-01")
        expected = [
            ("2026-02-25", None),
            ("2026-02-26", "Friendly reminder: payment due soon"),
            ("2026-02-27", None),
            ("2026-03-03", None),
            ("2026-03-04", "Payment reminder"),
            ("2026-03-04", None),
            ("2026-03-11", "Second reminder: overdue payment"),
            ("2026-03-31", "Formal demand for payment"),
            ("2026-04-30", None),
        ]
        for day, subject in expected:
            _actions, mails = self._run(day)
            self.assertEqual(
                self._mails_to(mails, self.customer).mapped("subject"),
                [subject] if subject else [],
                f"on {day}",
            )
        history = self.customer.collection_action_ids.filtered(
            lambda a: a.channel == "email"
        ).sorted("date")
        self.assertEqual(history.level_id, self.levels)
        self.assertEqual(
            history.mapped("date"),
            [self._date(d) for d in ("2026-02-26", "2026-03-04", "2026-03-11", "2026-03-31")],
        )

    def test_heads_up_lists_the_coming_item_without_attachment(self):
        invoice = self._create_invoice(self.customer, 75.5, "2026-02-01", due_date="2026-03-01")
        _actions, mails = self._run("2026-02-26")
        mail = self._mails_to(mails, self.customer)
        self.assertIn(invoice.name, str(mail.body_html))
        self.assertIn("Due in 3 days", str(mail.body_html))
        self.assertIn("$&nbsp;75.50", str(mail.body_html))
        self.assertFalse(mail.attachment_ids)

    def test_heads_up_only_for_unpaid_items(self):
        invoice = self._create_invoice(self.customer, 300.0, "2026-02-01", due_date="2026-03-01")
        self._pay(invoice, 300.0, "2026-02-20")
        actions, mails = self._run("2026-02-26")
        self.assertFalse(self._mails_to(mails, self.customer))
        self.assertFalse(actions)

    def test_late_run_goes_straight_to_the_level_reached(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        actions, mails = self._run("2026-01-16")
        self.assertEqual(
            self._mails_to(mails, self.customer).subject, "Second reminder: overdue payment"
        )
        self.assertEqual(actions.level_id, self.firm)

    def test_partially_paid_invoice_shows_what_is_left(self):
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        self._pay(invoice, 600.0, "2026-01-03")
        actions, mails = self._run("2026-01-05")
        body = str(self._mails_to(mails, self.customer).body_html)
        self.assertIn("$&nbsp;400.00", body)
        self.assertNotIn("1,000.00", body)
        self.assertEqual(actions.amount_due, 400.0)

    def test_credit_note_covering_everything_stops_the_reminder(self):
        self._create_invoice(self.customer, 400.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.customer, 400.0, "2026-01-02", move_type="out_refund")
        actions, mails = self._run("2026-01-20")
        self.assertFalse(actions)
        self.assertFalse(self._mails_to(mails, self.customer))

    def test_payment_starts_a_new_episode(self):
        first = self._create_invoice(self.customer, 200.0, "2026-01-01", due_date="2026-01-01")
        self._run("2026-01-05")
        self.assertEqual(self.customer.collection_last_level_id, self.gentle)
        self._pay(first, 200.0, "2026-01-06")
        self._run("2026-01-07")
        self.assertFalse(self.customer.collection_last_level_id, "all paid: back to the start")
        self._create_invoice(self.customer, 90.0, "2026-02-01", due_date="2026-02-01")
        _actions, mails = self._run("2026-02-04")
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Payment reminder")

    def test_blocked_invoice_gets_no_reminder(self):
        invoice = self._create_invoice(self.customer, 500.0, "2026-01-01", due_date="2026-01-01")
        invoice.action_toggle_block_payment()
        self.assertEqual(invoice.payment_state, "blocked")
        actions, mails = self._run("2026-01-20")
        self.assertFalse(actions)
        self.assertFalse(self._mails_to(mails, self.customer))

    def test_invoice_contact_receives_the_reminder(self):
        accounts = self.env["res.partner"].create(
            {
                "name": "Accounts Payable",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "invoices@northwind.example",
            }
        )
        self._create_invoice(self.customer, 120.0, "2026-01-01", due_date="2026-01-01")
        actions, mails = self._run("2026-01-05")
        self.assertEqual(self._mails_to(mails, accounts).subject, "Payment reminder")
        self.assertEqual(actions.recipient_id, accounts)

    def test_customer_without_email_fails_alone_and_once(self):
        silent = self._create_customer("No Mail Co", False)
        self._create_invoice(silent, 100.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        actions, mails = self._run("2026-01-05")
        failed = actions.filtered(lambda a: a.partner_id == silent)
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.error, "No Mail Co has no email address for invoices.")
        self.assertFalse(silent.collection_last_level_id, "nothing was sent: retried later")
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Payment reminder")
        # The same day, the failure is not repeated; the next day it is tried again.
        again, _mails = self._run("2026-01-05")
        self.assertFalse(again)
        silent.email = "finally@nomail.example"
        retried, mails = self._run("2026-01-06")
        self.assertEqual(retried.state, "done")
        self.assertEqual(self._mails_to(mails, silent).subject, "Payment reminder")

    def test_cron_processes_customers_in_batches(self):
        self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.other_customer, 100.0, "2026-01-01", due_date="2026-01-01")
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            self.env["collection.followup.policy"]._cron_run_followup(batch_size=1)
            first = self._new_mails
            self.env["collection.followup.policy"]._cron_run_followup(batch_size=1)
            second = self._new_mails - first
            self.env["collection.followup.policy"]._cron_run_followup(batch_size=1)
            third = self._new_mails - first - second
        self.assertEqual(len(first), 1)
        self.assertEqual(len(second), 1)
        self.assertEqual(
            first.recipient_ids | second.recipient_ids, self.customer | self.other_customer
        )
        self.assertFalse(third)

    def test_scheduled_action_runs_the_follow_up(self):
        self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        cron = self.env.ref("collection_followup.ir_cron_collection_followup")
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            cron.method_direct_trigger()
        self.assertEqual(self.customer.collection_last_level_id, self.gentle)
        self.assertEqual(self.customer.collection_action_ids.state, "done")

    def test_summary_for_make_run(self):
        self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(
            self._create_customer("Nomail", False), 100.0, "2026-01-01", due_date="2026-01-01"
        )
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            summary = self.env["collection.followup.policy"]._run_followup_summary()
        self.assertEqual(summary, {"customers": 2, "reminders": {"email": 1}, "failed": 1})
