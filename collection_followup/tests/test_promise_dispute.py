from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestPromises(CollectionFollowupCommon):
    """A promise to pay pauses the reminders; kept on payment, broken and counted otherwise."""

    def _promise(self, amount, date, **values):
        return self.env["collection.promise"].create(
            {"partner_id": self.customer.id, "amount": amount, "date": date, **values}
        )

    def test_promise_pauses_until_date_and_grace_then_follow_up_resumes(self):
        invoice = self._create_invoice(self.customer, 500.0, "2026-01-01", "2026-01-01")
        with freeze_time("2026-01-04"):
            promise = self._promise(500.0, "2026-01-10", grace_days=3)
        self.assertEqual(promise.move_ids, invoice)
        self.assertEqual(promise.residual_at_start, 500.0)
        self.assertEqual(str(promise.pause_until), "2026-01-13")
        for day in ("2026-01-05", "2026-01-11", "2026-01-13"):
            actions, _mails = self._run(day)
            self.assertFalse(actions, f"paused on {day}")
        with freeze_time("2026-01-11"):
            self.customer.invalidate_recordset()
            self.assertEqual(str(self.customer.collection_next_action_date), "2026-01-14")
        with freeze_time("2026-01-14"), self.mock_mail_gateway():
            self.env["collection.followup.policy"]._cron_run_followup()
            mails = self._new_mails
        self.assertEqual(promise.state, "broken")
        self.assertEqual(self.customer.collection_broken_promise_count, 1)
        self.assertIn(
            "Promise to pay $&nbsp;500.00 by 01/10/2026 broken: follow-up resumes.",
            str(self.customer.message_ids.mapped("body")),
        )
        self.assertEqual(
            self._mails_to(mails, self.customer).subject, "Second reminder: overdue payment"
        )

    def test_promise_kept_when_paid(self):
        invoice = self._create_invoice(self.customer, 800.0, "2026-01-01", "2026-01-01")
        with freeze_time("2026-01-04"):
            promise = self._promise(300.0, "2026-01-10")
        self._pay(invoice, 200.0, "2026-01-08")
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.amount_paid, 200.0)
        self._pay(invoice, 100.0, "2026-01-09")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(self.customer.collection_broken_promise_count, 0)

    def test_promise_must_be_positive_and_not_in_the_past(self):
        with freeze_time("2026-01-04"):
            with self.assertRaisesRegex(ValidationError, "positive amount"):
                self._promise(0.0, "2026-01-10")
            with self.assertRaisesRegex(ValidationError, "today or a later date"):
                self._promise(100.0, "2026-01-03")


@tagged("post_install", "-at_install")
class TestDisputes(CollectionFollowupCommon):
    """A disputed invoice gets no reminders until the accountant resolves the dispute."""

    def _dispute(self, invoice, reason, **values):
        return self.env["collection.dispute"].create(
            {"move_id": invoice.id, "reason": reason, **values}
        )

    def test_never_received_sends_the_invoice_again_at_once(self):
        invoice = self._create_invoice(self.customer, 640.0, "2026-01-01", "2026-01-01")
        with self.mock_mail_gateway():
            dispute = self._dispute(invoice, "not_received", message="Nothing in our mailbox")
            mail = self._new_mails
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(mail.subject, f"Invoice {invoice.name}")
        self.assertEqual(
            mail.attachment_ids.mapped("name"), [f"{invoice.name.replace('/', '_')}.html"]
        )
        self.assertEqual(dispute.partner_id, self.customer)
        self.assertEqual(dispute.activity_ids.summary, f"Resolve the dispute on {invoice.name}")
        self.assertEqual(self.customer.collection_open_dispute_count, 1)

    def test_disputed_invoice_paused_others_followed_up_then_resumed(self):
        disputed = self._create_invoice(self.customer, 900.0, "2026-01-01", "2026-01-01")
        other = self._create_invoice(self.customer, 100.0, "2026-01-01", "2026-01-01")
        dispute = self._dispute(disputed, "wrong_amount", message="We ordered 8, not 9")
        actions, mails = self._run("2026-01-05")
        body = str(self._mails_to(mails, self.customer).body_html)
        self.assertIn(other.name, body)
        self.assertNotIn(disputed.name, body)
        self.assertEqual(actions.amount_due, 100.0)
        dispute.action_resume()
        self.assertEqual((dispute.state, dispute.resolution), ("resolved", "resume"))
        self.assertFalse(dispute.activity_ids)
        actions, mails = self._run("2026-01-12")
        self.assertIn(disputed.name, str(self._mails_to(mails, self.customer).body_html))
        self.assertEqual(actions.filtered(lambda a: a.channel == "email").amount_due, 1000.0)

    def test_credit_note_resolution_opens_the_reversal(self):
        invoice = self._create_invoice(self.customer, 900.0, "2026-01-01", "2026-01-01")
        dispute = self._dispute(invoice, "not_satisfied")
        action = dispute.action_credit_note()
        self.assertEqual(action["res_model"], "account.move.reversal")
        self.assertEqual(action["context"]["active_ids"], invoice.ids)
        self.assertEqual(dispute.resolution, "credit_note")
        with self.assertRaisesRegex(UserError, "already resolved"):
            dispute.action_resume()

    def test_cancel_the_invoice_unless_partly_paid(self):
        invoice = self._create_invoice(self.customer, 300.0, "2026-01-01", "2026-01-01")
        self._dispute(invoice, "already_paid").action_cancel_invoice()
        self.assertEqual(invoice.state, "cancel")
        paid = self._create_invoice(self.customer, 300.0, "2026-01-01", "2026-01-01")
        self._pay(paid, 50.0, "2026-01-02")
        with self.assertRaisesRegex(UserError, "partly paid: issue a credit note"):
            self._dispute(paid, "wrong_amount").action_cancel_invoice()
