from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestPaymentPlan(CollectionFollowupCommon):
    """1,800 becomes 3 × 600: schedule, adherence, pause of the follow-up, broken plans."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_a = cls._create_invoice(cls.customer, 1000.0, "2026-01-01", "2026-01-01")
        cls.invoice_b = cls._create_invoice(cls.customer, 800.0, "2026-01-10", "2026-01-10")

    def _plan(self, invoices=None, **values):
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, (invoices or self.invoice_a | self.invoice_b).ids)],
                "installment_count": 3,
                "frequency": "monthly",
                "first_date": "2026-02-01",
                **values,
            }
        )
        plan.action_compute_schedule()
        return plan

    def _schedule(self, plan):
        return [(str(i.date), i.amount) for i in plan.installment_ids.sorted("date")]

    def test_schedule_even_split_and_rounding(self):
        plan = self._plan()
        self.assertEqual(plan.amount_total, 1800.0)
        self.assertTrue(plan.name.startswith("PLAN/"))
        self.assertEqual(
            self._schedule(plan),
            [("2026-02-01", 600.0), ("2026-03-01", 600.0), ("2026-04-01", 600.0)],
        )
        odd = self._plan(invoices=self.invoice_a, frequency="weekly")
        self.assertEqual(
            self._schedule(odd),
            [("2026-02-01", 333.33), ("2026-02-08", 333.33), ("2026-02-15", 333.34)],
        )

    def test_down_payment_then_instalments(self):
        plan = self._plan(down_payment=300.0)
        self.assertEqual(
            self._schedule(plan),
            [
                ("2026-02-01", 300.0),
                ("2026-03-01", 500.0),
                ("2026-04-01", 500.0),
                ("2026-05-01", 500.0),
            ],
        )
        self.assertTrue(plan.installment_ids.sorted("date")[0].is_down_payment)

    def test_only_the_customers_open_invoices_in_its_currency(self):
        foreign = self._create_invoice(self.other_customer, 50.0, "2026-01-01", "2026-01-01")
        with self.assertRaisesRegex(ValidationError, "cannot be in it"):
            self._plan(invoices=self.invoice_a | foreign)

    def test_edited_schedule_must_add_up(self):
        plan = self._plan()
        plan.installment_ids.sorted("date")[0].amount = 500.0
        with self.assertRaisesRegex(UserError, "add up to \\$\xa01,700.00, not \\$\xa01,800.00"):
            plan.action_accept()

    def test_proposal_email_lists_the_schedule(self):
        plan = self._plan()
        with self.mock_mail_gateway():
            plan.action_propose()
            mail = self._new_mails
        self.assertEqual(plan.state, "proposed")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn("in the following instalments", str(mail.body_html))
        self.assertEqual(str(mail.body_html).count("$&nbsp;600.00"), 3)

    def test_plan_pauses_the_follow_up_of_its_invoices_only(self):
        outside = self._create_invoice(self.customer, 90.0, "2026-01-01", "2026-01-01")
        plan = self._plan(invoices=self.invoice_a | self.invoice_b)
        with freeze_time("2026-01-20"):
            plan.action_accept()
        self.assertEqual(plan.state, "accepted")
        self.assertEqual(plan.residual_at_start, 1800.0)
        actions, mails = self._run("2026-01-25")
        body = str(self._mails_to(mails, self.customer).body_html)
        self.assertIn(outside.name, body)
        self.assertNotIn(self.invoice_a.name, body)
        self.assertEqual(actions.filtered(lambda a: a.channel == "email").amount_due, 90.0)

    def test_plan_kept_to_the_end(self):
        plan = self._plan()
        plan.action_accept()
        payments = {
            "2026-02-01": [(self.invoice_a, 600.0)],
            "2026-03-01": [(self.invoice_a, 400.0), (self.invoice_b, 200.0)],
            "2026-04-01": [(self.invoice_b, 600.0)],
        }
        for day, allocations in payments.items():
            for invoice, amount in allocations:
                self._pay(invoice, amount, day)
            with freeze_time(day), self.mock_mail_gateway():
                self.env["collection.payment.plan"]._cron_check_payment_plans()
            plan.invalidate_recordset()
            if day != "2026-04-01":
                self.assertEqual(plan.state, "running", day)
        with freeze_time("2026-04-01"):
            plan.invalidate_recordset()
            self.assertEqual(plan.amount_paid, 1800.0)
            self.assertEqual(plan.installment_ids.mapped("state"), ["paid"] * 3)
        self.assertEqual(plan.state, "completed")
        actions, _mails = self._run("2026-04-02")
        self.assertFalse(actions.filtered(lambda a: a.partner_id == self.customer))

    def test_missed_instalment_breaks_the_plan_and_follow_up_resumes(self):
        plan = self._plan(grace_days=5)
        with freeze_time("2026-01-20"):
            plan.action_accept()
        self._run("2026-01-25")  # nothing for the paused invoices
        self.assertFalse(self.customer.collection_last_level_id)
        self._pay(self.invoice_a, 600.0, "2026-02-01")
        with freeze_time("2026-03-06"), self.mock_mail_gateway():  # 2nd instalment in grace
            self.env["collection.payment.plan"]._cron_check_payment_plans()
            plan.invalidate_recordset()
            self.assertEqual(plan.state, "running")
            self.assertEqual(
                [i.state for i in plan.installment_ids.sorted("date")], ["paid", "late", "due"]
            )
        with freeze_time("2026-03-07"), self.mock_mail_gateway():
            self.env["collection.payment.plan"]._cron_check_payment_plans()
            mails = self._new_mails
        self.assertEqual(plan.state, "broken")
        self.assertEqual(mails.subject, f"Your payment plan {plan.name} has ended")
        self.assertEqual(mails.recipient_ids, self.customer)
        # The customer had the plan's notice today: the follow-up waits until tomorrow.
        actions, mails = self._run("2026-03-07")
        self.assertFalse(mails)
        self.assertEqual((actions.state, actions.level_id), ("skipped", self.formal))
        self.assertEqual(
            actions.error,
            f"Northwind Traders already received “Your payment plan {plan.name} has ended” "
            "today: the reminder goes tomorrow.",
        )
        # The items are 66 days late: the follow-up resumes straight at the formal demand.
        actions, mails = self._run("2026-03-08")
        email = actions.filtered(lambda a: a.channel == "email")
        self.assertEqual(email.level_id, self.formal)
        self.assertEqual(email.amount_due, 1200.0)

    def test_reminder_before_each_instalment_with_a_pay_link_for_its_amount(self):
        self.customer.write({"mobile": "(617) 555-0142", "country_id": self.env.ref("base.us").id})
        plan = self._plan()
        with freeze_time("2026-01-20"):
            plan.action_accept()
        self._pay(self.invoice_a, 250.0, "2026-01-25")
        with freeze_time("2026-01-28"), self.mock_mail_gateway():
            self.env["collection.payment.plan"]._cron_check_payment_plans()
            self.assertFalse(self._new_mails, "4 days before: too early")
        with freeze_time("2026-01-29"), self.mock_mail_gateway():
            self.env["collection.payment.plan"]._cron_check_payment_plans()
            self.env["collection.payment.plan"]._cron_check_payment_plans()
            mail = self._new_mails
        self.assertEqual(len(mail), 1, "reminded once")
        body = str(mail.body_html)
        self.assertIn("$&nbsp;350.00", body, "what is left of the first instalment")
        invoice = self.invoice_a
        self.assertIn("/payment/pay?reference=", body)
        self.assertIn(f"amount=350.0&amp;currency_id={plan.currency_id.id}", body)
        self.assertIn(f"&amp;invoice_id={invoice.id}&amp;access_token=", body)
        self.assertTrue(plan.installment_ids.sorted("date")[0].reminder_sent)
        sms = self.env["sms.sms"].search(
            [("mail_message_id.res_id", "=", plan.id), ("mail_message_id.model", "=", plan._name)]
        )
        self.assertEqual(sms.number, "+16175550142")
        self.assertEqual(sms.state, "outgoing")
        # Written for SMS: plain spaces, the short link to the collections page (where the
        # instalment is paid), not the long payment link of the email.
        self.assertIn("instalment of $ 350.00 due on 02/01/2026. Pay: ", sms.body)
        self.assertRegex(sms.body, r"Pay: http\S+/c/[\w-]{22}$")

    def test_instalment_reminder_without_mobile_says_why_no_sms(self):
        plan = self._plan()
        with freeze_time("2026-01-20"):
            plan.action_accept()
        with freeze_time("2026-01-30"), self.mock_mail_gateway():
            self.env["collection.payment.plan"]._cron_check_payment_plans()
            self.assertEqual(len(self._new_mails), 1, "the email still goes")
        self.assertIn(
            "Instalment reminder not sent by SMS: Northwind Traders has no mobile number.",
            plan.message_ids.mapped("body")[0],
        )

    def test_accepted_schedule_is_frozen(self):
        plan = self._plan()
        plan.action_accept()
        with self.assertRaisesRegex(UserError, "cannot change"):
            plan.action_compute_schedule()

    def test_plan_of_100_10_paid_to_the_cent_is_completed_not_broken(self):
        """100.10 in 33.36 + 33.36 + 33.38, each paid on its day by the billing clerk: the
        daily job completes the plan. With floats, 100.1 - 33.36 - 33.36 = 33.3799… and the
        last instalment was missed: the plan broke and the customer was told so."""
        collector = new_test_user(
            self.env, "plan_collector", groups="collection_followup.group_collection_user"
        )
        clerk = new_test_user(self.env, "plan_clerk", groups="account.group_account_invoice")
        invoice = self._create_invoice(self.other_customer, 100.10, "2026-01-01", "2026-01-01")
        Plan = self.env["collection.payment.plan"].with_user(collector)
        with freeze_time("2026-01-20"):
            plan = Plan.create(
                {
                    "partner_id": self.other_customer.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "installment_count": 3,
                    "frequency": "monthly",
                    "first_date": "2026-02-01",
                    "grace_days": 5,
                }
            )
            plan.action_compute_schedule()
            plan.action_accept()
        self.assertEqual(
            self._schedule(plan),
            [("2026-02-01", 33.36), ("2026-03-01", 33.36), ("2026-04-01", 33.38)],
        )
        for day, amount in (("2026-02-01", 33.36), ("2026-03-01", 33.36), ("2026-04-01", 33.38)):
            with freeze_time(day):
                (
                    self.env["account.payment.register"]
                    .with_user(clerk)
                    .with_context(active_model="account.move", active_ids=invoice.ids)
                    .create({"amount": amount, "payment_date": day})
                    ._create_payments()
                )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        with freeze_time("2026-04-10"), self.mock_mail_gateway():  # after the last grace days
            plan.invalidate_recordset()
            self.assertEqual(
                [(i.state, i.paid_amount) for i in plan.installment_ids.sorted("date")],
                [("paid", 33.36), ("paid", 33.36), ("paid", 33.38)],
            )
            self.env["collection.payment.plan"]._cron_check_payment_plans()
            mails = self._new_mails
        self.assertEqual(plan.state, "completed")
        self.assertFalse(mails.filtered(lambda m: "has ended" in (m.subject or "")))
        self.assertEqual(plan.amount_paid, 100.10)

    def test_plan_one_cent_short_is_broken(self):
        """The same plan paid 100.09: the last instalment is missed by one cent."""
        invoice = self._create_invoice(self.other_customer, 100.10, "2026-01-01", "2026-01-01")
        plan = self._plan(invoices=invoice, partner_id=self.other_customer.id, grace_days=5)
        with freeze_time("2026-01-20"):
            plan.action_accept()
        self._pay(invoice, 100.09, "2026-02-01")
        with freeze_time("2026-04-07"), self.mock_mail_gateway():
            plan.invalidate_recordset()
            self.assertEqual(
                [(i.state, i.paid_amount) for i in plan.installment_ids.sorted("date")],
                [("paid", 33.36), ("paid", 33.36), ("missed", 33.37)],
            )
            self.env["collection.payment.plan"]._cron_check_payment_plans()
            mails = self._new_mails
        self.assertEqual(plan.state, "broken")
        self.assertEqual(mails.subject, f"Your payment plan {plan.name} has ended")


@tagged("post_install", "-at_install")
class TestPaymentPlanOneMessageADay(CollectionFollowupCommon):
    """One collections message a day per customer and company, the plans' messages included:
    a reminder-like message that finds the customer already written to today goes the next
    day; the notice that a plan ended goes at once and the day's reminders wait for it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_a = cls._create_invoice(cls.customer, 1000.0, "2026-01-01", "2026-01-01")
        cls.invoice_b = cls._create_invoice(cls.customer, 800.0, "2026-01-10", "2026-01-10")
        cls.collector = new_test_user(
            cls.env,
            "collector_carla",
            name="Carla Collector",
            groups="collection_followup.group_collection_user,account.group_account_invoice",
        )
        cls.root = cls.env.ref("base.user_root")

    def _plan(self, invoices, **values):
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, invoices.ids)],
                "frequency": "monthly",
                **values,
            }
        )
        plan.action_compute_schedule()
        with freeze_time("2026-01-20"):
            plan.action_accept()
        return plan

    def _nightly_plans(self, day):
        """The nightly cron of plans and milestones, as the scheduler runs it (its code, as
        the superuser it runs as): the mails it queued."""
        cron = self.env.ref("collection_followup.ir_cron_collection_plans")
        with freeze_time(f"{day} 04:30"), self.mock_mail_gateway():
            cron.ir_actions_server_id.with_user(self.root).run()
            return self._new_mails

    def _customer_mails(self, mails):
        return [
            (mail.recipient_ids, mail.subject, str(mail.date.date()))
            for mail in mails.sorted("id")
            if not mail.recipient_ids.user_ids
        ]

    def _notes(self, plan):
        plan.invalidate_recordset(["message_ids"])
        return [str(message.body) for message in plan.message_ids.sorted("id")]

    def test_reminder_first_then_the_instalment_reminder_the_next_day_and_back(self):
        outside = self._create_invoice(self.customer, 90.0, "2026-01-20", "2026-01-26")
        plan = self._plan(
            self.invoice_a | self.invoice_b,
            installment_count=3,
            first_date="2026-02-01",
            reminder_days=3,
        )
        first, second, _third = plan.installment_ids.sorted("date")

        # 29 January: the follow-up reminder of the invoice outside the plan went first, the
        # instalment reminder of the plans' cron waits.
        actions, mails = self._run("2026-01-29")
        self.assertEqual(
            self._customer_mails(mails), [(self.customer, "Payment reminder", "2026-01-29")]
        )
        self.assertEqual(actions.filtered(lambda a: a.channel == "email").amount_due, 90.0)
        self.assertIn(outside.name, str(mails.body_html))
        self.assertEqual(self._nightly_plans("2026-01-29"), self.env["mail.mail"])
        self.assertIn(
            "The instalment reminder waits until tomorrow: Northwind Traders already received "
            "“Payment reminder” today.",
            self._notes(plan)[-1],
        )
        self.assertEqual((first.reminder_held, first.reminder_sent), (True, False))

        # 30 January: the instalment reminder goes, with what is due (600.00); once.
        mails = self._nightly_plans("2026-01-30")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, "Instalment due on 02/01/2026", "2026-01-30")],
        )
        self.assertIn("$&nbsp;600.00", str(mails.body_html))
        self.assertTrue(first.reminder_sent)
        self.assertFalse(self._customer_mails(self._run("2026-01-30")[1]))
        self.assertFalse(self._nightly_plans("2026-01-31"))
        self.assertEqual(
            len([note for note in self._notes(plan) if "waits until tomorrow" in note]),
            1,
            "the plan said why once",
        )

        # 5 February: the second reminder of the invoice outside the plan.
        self._pay(self.invoice_a, 600.0, "2026-02-01")
        actions, mails = self._run("2026-02-05")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, "Second reminder: overdue payment", "2026-02-05")],
        )

        # 26 February: the instalment reminder goes in the night; the formal demand, due
        # today (31 days late), waits until tomorrow.
        mails = self._nightly_plans("2026-02-26")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, "Instalment due on 03/01/2026", "2026-02-26")],
        )
        self.assertTrue(second.reminder_sent)
        self.assertFalse(second.reminder_held)
        actions, mails = self._run("2026-02-26")
        self.assertFalse(self._customer_mails(mails))
        self.assertEqual(
            (actions.state, actions.level_id, actions.error),
            (
                "skipped",
                self.formal,
                "Northwind Traders already received “Instalment due on 03/01/2026” today: "
                "the reminder goes tomorrow.",
            ),
        )
        actions, mails = self._run("2026-02-27")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, "Formal demand for payment", "2026-02-27")],
        )
        self.assertEqual(actions.filtered(lambda a: a.channel == "email").amount_due, 90.0)
        self.assertFalse(self._nightly_plans("2026-02-28"))

    def test_a_plan_that_ends_is_told_first_and_the_other_plans_reminder_waits(self):
        ending = self._plan(
            self.invoice_a,
            installment_count=2,
            first_date="2026-02-01",
            reminder_days=0,
            grace_days=5,
        )
        other = self._plan(
            self.invoice_b,
            installment_count=2,
            first_date="2026-02-07",
            reminder_days=0,
            grace_days=5,
        )
        mails = self._nightly_plans("2026-02-01")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, "Instalment due on 02/01/2026", "2026-02-01")],
        )
        self.assertIn("$&nbsp;500.00", str(mails.body_html))
        self.assertFalse(self._nightly_plans("2026-02-06"))

        # 7 February: the first plan is broken (its instalment of 1 February is unpaid after
        # 5 days of grace); its notice goes, the other plan's reminder of the day waits.
        mails = self._nightly_plans("2026-02-07")
        self.assertEqual(ending.state, "broken")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, f"Your payment plan {ending.name} has ended", "2026-02-07")],
        )
        self.assertIn(
            "The instalment reminder waits until tomorrow: Northwind Traders already received "
            f"“Your payment plan {ending.name} has ended” today.",
            self._notes(other)[-1],
        )
        # 8 February: the instalment of 7 February is in its grace days; its reminder goes,
        # with the 400.00 still due.
        mails = self._nightly_plans("2026-02-08")
        self.assertEqual(other.state, "running")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, "Instalment due on 02/07/2026", "2026-02-08")],
        )
        self.assertIn("$&nbsp;400.00", str(mails.body_html))
        self.assertFalse(self._nightly_plans("2026-02-09"))

    def test_a_proposal_goes_and_the_days_reminder_waits_for_it(self):
        self._create_invoice(self.customer, 90.0, "2026-01-20", "2026-01-26")
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, (self.invoice_a | self.invoice_b).ids)],
                "installment_count": 2,
                "first_date": "2026-02-15",
            }
        )
        plan.action_compute_schedule()
        with freeze_time("2026-01-29 09:00"), self.mock_mail_gateway():
            plan.with_user(self.collector).action_propose()
            mails = self._new_mails
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, f"Your payment plan {plan.name}", "2026-01-29")],
        )
        actions, mails = self._run("2026-01-29")
        self.assertFalse(self._customer_mails(mails))
        self.assertEqual(
            actions.error,
            f"Northwind Traders already received “Your payment plan {plan.name}” today: the "
            "reminder goes tomorrow.",
        )
        # A proposal pauses nothing: the next day, the reminder of the 29 days late items.
        actions, mails = self._run("2026-01-30")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, "Second reminder: overdue payment", "2026-01-30")],
        )
        self.assertEqual(actions.filtered(lambda a: a.channel == "email").amount_due, 1890.0)

    def test_the_days_message_is_per_company(self):
        branch = self.setup_other_company(name="Branch Office")["company"]
        branch.email = "ar@branch.example"
        self.env.user.company_ids |= branch
        self._create_invoice(self.customer, 90.0, "2026-01-20", "2026-01-26", company=branch)
        self._plan(
            self.invoice_a | self.invoice_b,
            installment_count=3,
            first_date="2026-02-01",
            reminder_days=3,
        )
        # The branch writes to the customer about its own invoice: Acme's instalment
        # reminder of the night still goes.
        _actions, mails = self._run("2026-01-29", companies=branch)
        self.assertEqual(
            self._customer_mails(mails), [(self.customer, "Payment reminder", "2026-01-29")]
        )
        self.assertEqual(mails.author_id, branch.partner_id)
        mails = self._nightly_plans("2026-01-29")
        self.assertEqual(
            self._customer_mails(mails),
            [(self.customer, "Instalment due on 02/01/2026", "2026-01-29")],
        )
