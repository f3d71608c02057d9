from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestFailedChannels(CollectionFollowupCommon):
    """A failed channel is tried again after 1, 2, 4... days, then handed to the collector;
    a customer without email or mobile gets the level's fallback instead."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env,
            "collector_rita",
            name="Rita Retry",
            groups="collection_followup.group_collection_user",
        )
        cls.company.collection_responsible_id = cls.collector
        cls.iran = cls.env.ref("base.ir")

    def _states(self, actions):
        return sorted((a.channel, a.state) for a in actions)

    def _todos(self, partner):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )

    def test_failed_sms_of_a_sent_level_is_retried_with_back_off_then_delivered(self):
        self.customer.write({"mobile": "12345", "country_id": self.iran.id})
        self._create_invoice(self.customer, 500.0, "2025-12-01", "2026-01-01")
        actions, mails = self._run("2026-01-11")  # firm: email and SMS
        self.assertEqual(self._states(actions), [("email", "done"), ("sms", "failed")])
        self.assertEqual(len(self._mails_to(mails, self.customer)), 1)
        actions, mails = self._run("2026-01-12")  # 1 day after the first failure
        self.assertEqual(self._states(actions), [("sms", "failed")])
        self.assertFalse(mails)  # the email is not sent again
        self.assertFalse(self._run("2026-01-13")[0])  # 2 days after the second failure
        self.customer.mobile = "0912 345 6789"
        actions, _mails = self._run("2026-01-14")
        self.assertEqual(self._states(actions), [("sms", "done")])
        self.assertEqual(actions.sms_number, "+989123456789")
        self.assertIn("500.00", actions.sms_id.body)
        self.assertFalse(self._run("2026-01-15")[0])
        self.assertFalse(self._run("2026-01-20")[0])

    def test_after_three_failures_the_collector_takes_over_once(self):
        silent = self._create_customer("No Mail Co", False)
        self._create_invoice(silent, 100.0, "2025-12-01", "2026-01-01")
        days = {
            "2026-01-05": [("email", "failed")],
            "2026-01-06": [("email", "failed")],  # 1 day later
            "2026-01-07": [],
            # 2 days later, the third failure: it stops there, said once.
            "2026-01-08": [("email", "failed"), ("email", "skipped")],
            "2026-01-09": [],
            "2026-01-10": [],  # (the firm level, reached on the 11th, is tried on its own)
        }
        for day, expected in days.items():
            actions, mails = self._run(day)
            self.assertEqual(self._states(actions), expected, day)
            self.assertFalse(self._mails_to(mails, silent), day)
            if day == "2026-01-08":
                stop = actions.filtered(lambda a: a.state == "skipped")
        self.assertEqual(
            stop.error,
            f"Email of “{self.gentle.name}” failed 3 times in a row, the last time: No Mail Co "
            "has no email address for invoices. It is not tried again.",
        )
        todo = self._todos(silent)
        self.assertRecordValues(
            todo,
            [
                {
                    "user_id": self.collector.id,
                    "summary": "Reminder not delivered to No Mail Co",
                    "date_deadline": self._date("2026-01-08"),
                }
            ],
        )
        self.assertEqual(stop.activity_id, todo)

    def test_fallback_letter_or_call_instead_of_email_and_sms(self):
        silent = self._create_customer("No Mail Co", False)
        self._create_invoice(silent, 300.0, "2025-12-01", "2026-01-01")
        self.gentle.fallback_channel = "letter"
        self.firm.fallback_channel = "call"
        self.company.collection_skip_levels = False
        actions, _mails = self._run("2026-01-05")
        self.assertEqual(self._states(actions), [("letter", "done")])
        self.assertTrue(actions.attachment_id)
        self.assertEqual(actions.level_id, self.gentle)
        self.assertFalse(self._run("2026-01-06")[0])
        # The firm level's email and SMS both become one call for the collector.
        actions, _mails = self._run("2026-01-11")
        self.assertEqual(self._states(actions), [("call", "done")])
        self.assertEqual(actions.activity_id.user_id, self.collector)
        self.assertEqual(silent.collection_last_level_id, self.firm)

    def test_attempts_at_least_one(self):
        with self.assertRaisesRegex(ValidationError, "at least once"):
            self.company.collection_max_failures = 0
