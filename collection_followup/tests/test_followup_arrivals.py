from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestNeverChaseWhatHasArrived(CollectionFollowupCommon):
    """Money on its way (a bank line not matched yet, an online payment pending, a payment not
    reconciled) or a reply of the customer makes the reminder wait; the run says why once and
    the collector gets something to do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env,
            "collector_colin",
            name="Colin Collector",
            groups="collection_followup.group_collection_user",
        )
        cls.company.collection_responsible_id = cls.collector
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.invoice = cls._create_invoice(cls.customer, 1000.0, "2025-12-01", "2026-01-01")

    def _bank_line(self, day, amount, **values):
        return self.env["account.bank.statement.line"].create(
            {"journal_id": self.bank_journal.id, "date": day, "amount": amount, **values}
        )

    def _run(self, day, companies=None):
        """The run of ``day``: its actions and the mails to customers (the collector's
        activity notices left out)."""
        actions, mails = super()._run(day, companies)
        return actions, mails.filtered(lambda mail: not mail.recipient_ids.user_ids)

    def _todos(self, record):
        return self.env["mail.activity"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)]
        )

    def _next_date(self, day, partner=None):
        with freeze_time(day):
            partner = (partner or self.customer).with_user(self.collector)
            partner.invalidate_recordset()
            return partner.collection_next_action_date

    def test_bank_line_from_the_customer_holds_the_reminder_three_days(self):
        actions, mails = self._run("2026-01-05")
        self.assertEqual(actions.level_id, self.gentle)
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Payment reminder")
        line = self._bank_line("2026-01-10", 1000.0, partner_id=self.customer.id, payment_ref="Tr")

        actions, mails = self._run("2026-01-11")  # the firm level is due today
        self.assertFalse(mails)
        self.assertRecordValues(
            actions,
            [
                {
                    "partner_id": self.customer.id,
                    "level_id": self.firm.id,
                    "state": "skipped",
                    "amount_due": 1000.0,
                    "hold_key": f"bank_line:{line.id}",
                    "error": "A bank payment of $\xa01,000.00 dated 01/10/2026 (Tr) is not "
                    "matched yet: the reminder waits until 01/13/2026.",
                }
            ],
        )
        todo = self._todos(line.move_id)
        self.assertRecordValues(
            todo,
            [
                {
                    "user_id": self.collector.id,
                    "summary": "Match this payment of Northwind Traders",
                    "date_deadline": self._date("2026-01-11"),
                }
            ],
        )
        self.assertEqual(actions.activity_id, todo)
        self.assertEqual(self._next_date("2026-01-11"), self._date("2026-01-13"))
        with freeze_time("2026-01-11"):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.collection_last_level_id, self.gentle)

        # The next day: still waiting, nothing recorded twice, no second activity.
        actions, mails = self._run("2026-01-12")
        self.assertFalse(actions)
        self.assertFalse(mails)
        self.assertEqual(len(self._todos(line.move_id)), 1)

        # Three days on, the line is still not matched: the reminder goes.
        actions, mails = self._run("2026-01-13")
        self.assertEqual(actions.filtered(lambda a: a.channel == "email").state, "done")
        self.assertEqual(actions.level_id, self.firm)
        self.assertIn(
            "Total overdue: <strong>$&nbsp;1,000.00</strong>",
            str(self._mails_to(mails, self.customer).body_html),
        )

    def test_bank_account_or_invoice_reference_tells_whose_money_it_is(self):
        fabrikam = self._create_customer("Fabrikam", "ap@fabrikam.example")
        self.env["res.partner.bank"].create(
            {"partner_id": self.customer.id, "acc_number": "NL91ABNA0417164300"}
        )
        other_invoice = self._create_invoice(self.other_customer, 250.0, "2025-12-01", "2026-01-01")
        self._create_invoice(fabrikam, 90.0, "2025-12-01", "2026-01-01")
        self._bank_line("2026-01-04", 1000.0, account_number="nl91 abna 0417 1643 00")
        reference = other_invoice.name.replace("/", " ").lower()
        by_label = self._bank_line("2026-01-03", 250.0, payment_ref=f"pmt {reference}")
        self._bank_line("2026-01-04", 90.0, payment_ref="Rent December")
        # Money going out to Fabrikam is not money coming in.
        self._bank_line("2026-01-04", -90.0, partner_id=fabrikam.id, payment_ref="Refund")

        actions, mails = self._run("2026-01-05")
        # Only Fabrikam, whose money is not on its way, is reminded.
        self.assertEqual(mails.recipient_ids, fabrikam)
        sent = actions.filtered(lambda a: a.state == "done")
        self.assertEqual((sent.partner_id, sent.amount_due), (fabrikam, 90.0))
        held = actions.filtered(lambda a: a.state == "skipped").sorted("partner_id")
        self.assertEqual(
            {(a.partner_id.name, a.amount_due, a.error) for a in held},
            {
                (
                    "Northwind Traders",
                    1000.0,
                    "A bank payment of $\xa01,000.00 dated 01/04/2026 () is not matched yet: "
                    "the reminder waits until 01/07/2026.",
                ),
                (
                    "Contoso Ltd",
                    250.0,
                    f"A bank payment of $\xa0250.00 dated 01/03/2026 (pmt {reference}) is not "
                    "matched yet: the reminder waits until 01/06/2026.",
                ),
            },
        )
        self.assertEqual(self._todos(by_label.move_id).user_id, self.collector)
        self.assertEqual(
            self._next_date("2026-01-05", self.other_customer), self._date("2026-01-06")
        )

        _actions, mails = self._run("2026-01-06")
        self.assertEqual(mails.recipient_ids, self.other_customer)
        _actions, mails = self._run("2026-01-07")
        self.assertEqual(mails.recipient_ids, self.customer)

    def test_pending_online_payment_holds_the_reminder(self):
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
        with freeze_time("2026-01-04 10:00"):
            transaction = (
                self.env["payment.transaction"]
                .sudo()
                .create(
                    {
                        "provider_id": provider.id,
                        "payment_method_id": method.id,
                        "amount": 1000.0,
                        "currency_id": self.invoice.currency_id.id,
                        "partner_id": self.customer.id,
                        "reference": "TX-NW-1",
                        "invoice_ids": [Command.set(self.invoice.ids)],
                    }
                )
            )
            transaction._set_pending()
        actions, mails = self._run("2026-01-05")
        self.assertFalse(mails)
        self.assertRecordValues(
            actions,
            [
                {
                    "level_id": self.gentle.id,
                    "state": "skipped",
                    "hold_key": f"transaction:{transaction.id}",
                    "error": "An online payment of $\xa01,000.00 (TX-NW-1) is pending: the "
                    "reminder waits until 01/07/2026.",
                }
            ],
        )
        self.assertEqual(self._todos(self.invoice).user_id, self.collector)
        self.assertFalse(self._run("2026-01-06")[0])
        # Still pending three days on: the gentle reminder goes.
        actions, mails = self._run("2026-01-07")
        self.assertEqual(actions.level_id, self.gentle)
        self.assertEqual(mails.recipient_ids, self.customer)

    def test_registered_payment_not_reconciled_holds_the_reminder(self):
        self._run("2026-01-05")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 400.0,
                "date": "2026-01-09",
                "journal_id": self.bank_journal.id,
            }
        )
        payment.action_post()
        self.assertFalse(payment.is_reconciled)
        actions, mails = self._run("2026-01-11")
        self.assertFalse(mails)
        self.assertEqual(actions.state, "skipped")
        self.assertEqual(actions.level_id, self.firm)
        self.assertEqual(actions.amount_due, 600.0)  # the payment is a credit already
        self.assertEqual(
            actions.error,
            f"The payment {payment.name} of $\xa0400.00 dated 01/09/2026 is not reconciled "
            "yet: the reminder waits until 01/12/2026.",
        )
        self.assertEqual(self._todos(payment).user_id, self.collector)
        actions, mails = self._run("2026-01-12")
        self.assertEqual(actions.level_id, self.firm)
        self.assertIn(
            "Total overdue: <strong>$&nbsp;600.00</strong>",
            str(self._mails_to(mails, self.customer).body_html),
        )

    def test_a_reply_to_a_reminder_pauses_the_next_step_with_a_todo(self):
        self._run("2026-01-05")
        with freeze_time("2026-01-09 09:30"):
            self.customer.message_post(
                body="We paid last week, please check.",
                message_type="email",
                author_id=self.customer.id,
                subtype_xmlid="mail.mt_comment",
            )
        todo = self._todos(self.customer)
        self.assertRecordValues(
            todo,
            [
                {
                    "user_id": self.collector.id,
                    "summary": "Northwind Traders replied to a reminder",
                    "date_deadline": self._date("2026-01-09"),
                }
            ],
        )
        self.assertIn("We paid last week", str(todo.note))
        actions, mails = self._run("2026-01-11")
        self.assertFalse(mails)
        self.assertEqual(
            actions.error,
            "Northwind Traders replied to a reminder on 01/09/2026: the reminder waits until "
            "01/12/2026.",
        )
        self.assertEqual(self._todos(self.customer), todo)  # the to-do is not repeated
        actions, mails = self._run("2026-01-12")
        self.assertEqual(actions.level_id, self.firm)
        self.assertEqual(mails.recipient_ids, self.customer)

    def test_an_employee_message_or_no_waiting_days_hold_nothing(self):
        self._run("2026-01-05")
        with freeze_time("2026-01-10"):
            self.customer.message_post(
                body="Called, no answer.",
                message_type="email",
                author_id=self.collector.partner_id.id,
            )
        self._bank_line("2026-01-10", 1000.0, partner_id=self.customer.id)
        self.company.collection_arrival_wait_days = 0
        actions, mails = self._run("2026-01-11")
        self.assertEqual(actions.level_id, self.firm)
        self.assertEqual(mails.recipient_ids, self.customer)
        self.assertFalse(self._todos(self.customer))

    def test_waiting_days_cannot_be_negative(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.company.collection_arrival_wait_days = -1


@tagged("post_install", "-at_install")
class TestAReplyPausesItsCompanyOnly(CollectionFollowupCommon):
    """A customer of two companies answers the reminder of one of them: that company's next
    step waits and its collector gets the to-do; the other company's reminders go on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.setup_other_company(name="Branch Office")["company"]
        cls.branch.email = "ar@branch.example"
        cls.env.user.company_ids |= cls.branch
        cls.colin = new_test_user(
            cls.env,
            "collector_colin",
            name="Colin Collector",
            groups="collection_followup.group_collection_user",
        )
        cls.bea = new_test_user(
            cls.env,
            "collector_bea",
            name="Bea Branch",
            groups="collection_followup.group_collection_user",
            company_id=cls.branch.id,
            company_ids=[Command.set(cls.branch.ids)],
        )
        cls.company.collection_responsible_id = cls.colin
        cls.branch.collection_responsible_id = cls.bea
        cls._create_invoice(cls.customer, 1000.0, "2025-12-01", "2026-01-01")
        cls._create_invoice(cls.customer, 400.0, "2025-12-01", "2026-01-01", company=cls.branch)

    def _cron_run(self, day):
        """The nightly run of both companies, as the scheduler's superuser: its actions and
        the mails to the customer as (sender, subject, day)."""
        root = self.env.ref("base.user_root")
        with freeze_time(day), self.mock_mail_gateway():
            actions = (
                self.env["collection.followup.engine"]
                .with_user(root)
                ._run_followup(self.company | self.branch)
            )
            mails = self._new_mails.filtered(lambda mail: mail.recipient_ids == self.customer)
        return actions.with_user(self.env.user), [
            (mail.author_id, mail.subject, str(mail.date.date())) for mail in mails.sorted("id")
        ]

    def _reply(self, reminder, day):
        """The customer answers ``reminder`` (a mail.message) from its mailbox; the mail
        gateway routes the answer to the thread of the reminder, under it."""
        raw = (
            "From: Northwind Traders <billing@northwind.example>\n"
            "To: ar@acme.example\n"
            "Subject: Re: Payment reminder\n"
            f"Date: {day}\n"
            f"Message-ID: <reply-{reminder.id}@northwind.example>\n"
            f"In-Reply-To: {reminder.message_id}\n"
            f"References: {reminder.message_id}\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "\n"
            "We paid last week, please check.\n"
        )
        with freeze_time("2026-01-09 09:30"), self.mock_mail_gateway():
            self.env["mail.thread"].sudo().message_process(None, raw)
        return self.env["mail.message"].search(
            [("message_id", "=", f"<reply-{reminder.id}@northwind.example>")]
        )

    def _todos(self):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )

    def test_a_reply_to_one_companys_reminder_pauses_that_company_only(self):
        acme, branch = self.company.partner_id, self.branch.partner_id
        actions, mails = self._cron_run("2026-01-05")
        self.assertEqual(
            mails,
            [
                (acme, "Payment reminder", "2026-01-05"),
                (branch, "Payment reminder", "2026-01-05"),
            ],
        )
        acme_reminder = actions.filtered(
            lambda a: a.company_id == self.company and a.channel == "email"
        )
        reply = self._reply(acme_reminder.mail_message_id, "Fri, 09 Jan 2026 09:30:00 +0000")
        self.assertRecordValues(
            reply,
            [
                {
                    "model": "res.partner",
                    "res_id": self.customer.id,
                    "parent_id": acme_reminder.mail_message_id.id,
                    "author_id": self.customer.id,
                    "message_type": "email",
                }
            ],
        )
        # Only Acme's collector has something to do.
        todo = self._todos()
        self.assertRecordValues(
            todo,
            [
                {
                    "user_id": self.colin.id,
                    "summary": "Northwind Traders replied to a reminder",
                    "date_deadline": self._date("2026-01-09"),
                }
            ],
        )
        self.assertEqual(
            self.env["mail.activity"]
            .with_user(self.colin)
            .search([("user_id", "=", self.colin.id)]),
            todo,
        )
        self.assertFalse(self.env["mail.activity"].search([("user_id", "=", self.bea.id)]))

        # 11 January, the second reminders are due: Acme's waits, the branch's goes.
        actions, mails = self._cron_run("2026-01-11")
        self.assertEqual(mails, [(branch, "Second reminder: overdue payment", "2026-01-11")])
        held = actions.filtered(lambda a: a.company_id == self.company)
        self.assertRecordValues(
            held,
            [
                {
                    "state": "skipped",
                    "level_id": self.firm.id,
                    "amount_due": 1000.0,
                    "error": "Northwind Traders replied to a reminder on 01/09/2026: the "
                    "reminder waits until 01/12/2026.",
                }
            ],
        )
        self.assertEqual(
            actions.filtered(
                lambda a: a.company_id == self.branch and a.channel == "email"
            ).amount_due,
            400.0,
        )
        # 12 January: Acme's second reminder goes; the branch has nothing more to say.
        actions, mails = self._cron_run("2026-01-12")
        self.assertEqual(mails, [(acme, "Second reminder: overdue payment", "2026-01-12")])
        self.assertEqual(
            actions.filtered(lambda a: a.channel == "email").mapped("amount_due"), [1000.0]
        )

    def test_a_reply_to_another_message_than_a_reminder_pauses_nothing(self):
        acme, branch = self.company.partner_id, self.branch.partner_id
        self._cron_run("2026-01-05")
        # Colin sends the customer the statement it asked for, from its chatter.
        with freeze_time("2026-01-07 10:00"), self.mock_mail_gateway():
            statement = (
                self.customer.with_user(self.colin)
                .sudo()
                .message_post(
                    body="Here is the statement you asked for.",
                    subject="Your statement",
                    partner_ids=self.customer.ids,
                    author_id=self.colin.partner_id.id,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
            )
        reply = self._reply(statement, "Fri, 09 Jan 2026 09:30:00 +0000")
        self.assertEqual((reply.parent_id, reply.message_type), (statement, "email"))
        self.assertFalse(self._todos())
        _actions, mails = self._cron_run("2026-01-11")
        self.assertEqual(
            mails,
            [
                (acme, "Second reminder: overdue payment", "2026-01-11"),
                (branch, "Second reminder: overdue payment", "2026-01-11"),
            ],
        )
