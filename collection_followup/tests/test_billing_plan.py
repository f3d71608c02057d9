from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestBillingPlan(CollectionFollowupCommon):
    """Deposit first, then stages invoiced and collected one after the other."""

    def _plan(self, total=1234.56, shares=(30, 23.33, 23.33, 23.34), currency=None, **values):
        names = ["Deposit", "Design", "Build", "Launch"]
        return self.env["collection.billing.plan"].create(
            {
                "name": "Website redesign",
                "partner_id": self.customer.id,
                "amount_total": total,
                "currency_id": (currency or self.company.currency_id).id,
                "payment_term_id": self.pay_terms_a.id,
                "milestone_ids": [
                    Command.create(
                        {"name": names[i], "sequence": i, "is_deposit": i == 0, "percent": share}
                    )
                    for i, share in enumerate(shares)
                ],
                **values,
            }
        )

    def _milestones(self, plan):
        return plan.milestone_ids.sorted("sequence")

    def test_split_with_the_last_milestone_absorbing_rounding(self):
        plan = self._plan()
        plan.action_confirm()
        self.assertEqual(self._milestones(plan).mapped("amount"), [370.37, 288.02, 288.02, 288.15])
        self.assertEqual(plan.state, "running")

    def test_split_in_a_currency_without_decimals(self):
        yen = self.setup_other_currency("JPY", rounding=1.0, rates=[("2025-01-01", 150.0)])
        self.assertEqual(yen.decimal_places, 0)
        plan = self._plan(total=100000, shares=(33.33, 33.33, 33.34), currency=yen)
        plan.action_confirm()
        self.assertEqual(self._milestones(plan).mapped("amount"), [33330.0, 33330.0, 33340.0])

    def test_shares_must_add_up(self):
        plan = self._plan(shares=(30, 20, 40))
        with self.assertRaisesRegex(UserError, "add up to 90 %, not 100 %"):
            plan.action_confirm()
        self.assertEqual(plan.state, "draft")

    def test_deposit_first_then_each_stage_invoiced_and_paid(self):
        plan = self._plan()
        plan.action_confirm()
        deposit, design, build, launch = self._milestones(plan)
        with self.assertRaisesRegex(UserError, r"Design cannot start: the deposit \(Deposit\)"):
            design.action_mark_reached()

        with freeze_time("2026-03-02"):
            deposit.action_create_invoice()
        invoice = deposit.invoice_id
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "partner_id": self.customer.id,
                    "amount_total": 370.37,
                    "invoice_payment_term_id": self.pay_terms_a.id,
                    "collection_billing_plan_id": plan.id,
                    "collection_billing_milestone_id": deposit.id,
                    "collection_is_deposit": True,
                    "invoice_origin": "Website redesign",
                }
            ],
        )
        self.assertEqual(invoice.invoice_line_ids.name, "Website redesign – Deposit")
        self.assertEqual(deposit.state, "invoiced")
        self.assertEqual(plan.amount_invoiced, 370.37)
        self.assertEqual(plan.amount_paid, 0.0)

        self._pay(invoice, 370.37, "2026-03-05")
        self.assertEqual(deposit.state, "paid")
        self.assertEqual(plan.amount_paid, 370.37)
        self.assertEqual(plan.amount_remaining, 864.19)

        design.action_mark_reached()
        self.assertEqual(design.state, "ready")
        design.action_create_invoice()
        self.assertEqual(design.invoice_id.amount_total, 288.02)
        with self.assertRaisesRegex(
            UserError, r"Build cannot start: the previous stage \(Design\)"
        ):
            build.action_mark_reached()
        # A partial payment shows in the plan's progress but does not open the next stage.
        self._pay(design.invoice_id, 100.0, "2026-04-01")
        self.assertEqual(plan.amount_paid, 470.37)
        self.assertEqual(design.state, "invoiced")
        with self.assertRaises(UserError):
            build.action_mark_reached()

    def test_warn_gate_lets_the_stage_start_and_says_so(self):
        plan = self._plan(gate="warn")
        plan.action_confirm()
        deposit, design, *_rest = self._milestones(plan)
        deposit.action_create_invoice()
        design.action_mark_reached()
        self.assertEqual(design.state, "ready")
        self.assertIn(
            "Design started although the deposit (Deposit) is not paid yet",
            plan.message_ids[0].body,
        )

    def test_cancel_keeps_what_was_invoiced(self):
        plan = self._plan()
        plan.action_confirm()
        deposit, design, build, launch = self._milestones(plan)
        deposit.action_create_invoice()
        plan.action_cancel()
        self.assertEqual(plan.state, "cancel")
        self.assertEqual(deposit.state, "invoiced")
        self.assertEqual(deposit.invoice_id.state, "posted")
        self.assertEqual((design | build | launch).mapped("state"), ["cancel"] * 3)

    def test_dated_milestones_invoiced_by_the_scheduler_once_the_previous_is_paid(self):
        plan = self._plan(shares=(50, 50))
        milestones = self._milestones(plan)
        milestones.write({"trigger": "date"})
        milestones[0].planned_date = "2026-05-01"
        milestones[1].planned_date = "2026-06-01"
        plan.action_confirm()
        with freeze_time("2026-06-02"):
            self.env["collection.billing.plan"]._cron_invoice_dated_milestones()
        self.assertEqual(milestones[0].state, "invoiced")
        self.assertEqual(milestones[1].state, "planned", "waits: the deposit is unpaid")
        self._pay(milestones[0].invoice_id, milestones[0].amount, "2026-06-03")
        with freeze_time("2026-06-04"):
            self.env["collection.billing.plan"]._cron_invoice_dated_milestones()
        self.assertEqual(milestones[1].state, "invoiced")
        self.assertEqual(milestones[1].invoice_id.amount_total, 617.28)

    def test_one_failing_milestone_does_not_stop_the_others(self):
        failing = self._plan(shares=(50, 50))
        other = self._plan(shares=(50, 50), partner_id=self.other_customer.id)
        for plan in failing | other:
            milestones = self._milestones(plan)
            milestones.write({"trigger": "date"})
            milestones[0].planned_date = "2026-05-01"
            milestones[1].planned_date = "2026-07-01"
            plan.action_confirm()
        Milestone = type(self.env["collection.billing.milestone"])
        original = Milestone._invoice_when_due

        def invoice_when_due(milestone):
            if milestone.plan_id == failing:
                raise ZeroDivisionError("division by zero")
            return original(milestone)

        with (
            patch.object(Milestone, "_invoice_when_due", invoice_when_due),
            freeze_time("2026-06-02"),
            mute_logger("odoo.addons.collection_followup.models.collection_followup_engine"),
        ):
            self.env["collection.billing.plan"]._cron_invoice_dated_milestones()
        self.assertEqual(self._milestones(other)[0].state, "invoiced")
        self.assertEqual(self._milestones(failing)[0].state, "planned")
        self.assertTrue(
            any(
                "Milestone Deposit not invoiced: division by zero" in str(message.body)
                for message in failing.message_ids
            )
        )

    def test_customer_is_told_of_the_coming_stage(self):
        plan = self._plan(shares=(50, 50), reminder_days=7)
        milestones = self._milestones(plan)
        milestones[1].write({"trigger": "date", "planned_date": "2026-06-10"})
        plan.action_confirm()
        with freeze_time("2026-06-02"), self.mock_mail_gateway():
            self.env["collection.billing.plan"]._cron_remind_upcoming_milestones()
            self.assertFalse(self._new_mails)
        with freeze_time("2026-06-03"), self.mock_mail_gateway():
            self.env["collection.billing.plan"]._cron_remind_upcoming_milestones()
            self.env["collection.billing.plan"]._cron_remind_upcoming_milestones()
            mails = self._new_mails
        self.assertEqual(len(mails), 1, "told once")
        self.assertEqual(mails.subject, "Website redesign: next stage coming up")
        self.assertIn("Design", str(mails.body_html))
        self.assertIn("$&nbsp;617.28", str(mails.body_html))
        self.assertTrue(milestones[1].reminder_sent)


@tagged("post_install", "-at_install")
class TestBillingPlanOneMessageADay(CollectionFollowupCommon):
    """The notice of a coming milestone is a reminder-like message: when the customer already
    had a collections message that day, it waits and the nightly cron sends it the next day."""

    def _nightly_plans(self, day):
        cron = self.env.ref("collection_followup.ir_cron_collection_plans")
        with freeze_time(f"{day} 04:30"), self.mock_mail_gateway():
            cron.ir_actions_server_id.with_user(self.env.ref("base.user_root")).run()
            mails = self._new_mails
        return [
            (mail.recipient_ids, mail.subject, str(mail.date.date()))
            for mail in mails.sorted("id")
            if not mail.recipient_ids.user_ids
        ], mails

    def test_the_milestone_notice_waits_for_the_instalment_reminder(self):
        billing = self.env["collection.billing.plan"].create(
            {
                "name": "Website redesign",
                "partner_id": self.customer.id,
                "amount_total": 1234.56,
                "currency_id": self.company.currency_id.id,
                "payment_term_id": self.pay_terms_a.id,
                "reminder_days": 7,
                "milestone_ids": [
                    Command.create({"name": "Deposit", "sequence": 0, "is_deposit": True,
                                    "percent": 50}),
                    Command.create({"name": "Design", "sequence": 1, "percent": 50,
                                    "trigger": "date", "planned_date": "2026-06-10"}),
                ],
            }
        )  # fmt: skip
        billing.action_confirm()
        design = billing.milestone_ids.filtered(lambda m: m.name == "Design")
        invoice = self._create_invoice(self.customer, 900.0, "2026-05-01", "2026-05-01")
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "installment_count": 2,
                "frequency": "monthly",
                "first_date": "2026-06-06",
                "reminder_days": 3,
            }
        )
        plan.action_compute_schedule()
        with freeze_time("2026-05-20"):
            plan.action_accept()

        self.assertEqual(self._nightly_plans("2026-06-02")[0], [])
        # 3 June: the instalment reminder (payment plans first), the milestone notice waits.
        sent, mails = self._nightly_plans("2026-06-03")
        self.assertEqual(sent, [(self.customer, "Instalment due on 06/06/2026", "2026-06-03")])
        self.assertIn("$&nbsp;450.00", str(mails.body_html))
        self.assertEqual((design.reminder_sent, design.reminder_held), (False, True))
        self.assertIn(
            "The notice of the coming milestone waits until tomorrow: Northwind Traders "
            "already received “Instalment due on 06/06/2026” today.",
            str(billing.message_ids.sorted("id")[-1].body),
        )
        # 4 June: the notice goes, with the stage's amount; 5 June: nothing more.
        sent, mails = self._nightly_plans("2026-06-04")
        self.assertEqual(
            sent, [(self.customer, "Website redesign: next stage coming up", "2026-06-04")]
        )
        self.assertIn("$&nbsp;617.28", str(mails.body_html))
        self.assertTrue(design.reminder_sent)
        self.assertEqual(self._nightly_plans("2026-06-05")[0], [])
