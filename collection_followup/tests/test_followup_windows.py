from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestSendingWindows(CollectionFollowupCommon):
    """With sending windows, the run's emails and SMS go within the company's working hours in
    the customer's time zone, never on a public holiday; outside, they are queued."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.collection_sending_window = True
        # Monday to Friday, 8:00-12:00 and 13:00-17:00 (the standard 40 hours).
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Office hours", "tz": "UTC", "company_id": cls.company.id}
        )
        cls.company.resource_calendar_id = cls.calendar
        cls.customer.write(
            {
                "tz": "Asia/Tehran",  # UTC+3:30
                "mobile": "0912 345 6789",
                "country_id": cls.env.ref("base.ir").id,
            }
        )
        cls._create_invoice(cls.customer, 700.0, "2025-12-01", "2026-01-01")

    def _send_queued(self, moment):
        with freeze_time(moment), self.mock_mail_gateway():
            actions = self.env["collection.window"]._send_queued(self.company)
            mails = self._new_mails
        return actions, mails

    def test_queued_at_night_sent_when_the_customers_office_opens(self):
        # Monday 2026-01-12 02:00 UTC is 05:30 in Tehran: the firm reminder (email + SMS) waits.
        actions, mails = self._run("2026-01-12 02:00:00")
        self.assertFalse(self._mails_to(mails, self.customer))
        self.assertEqual(
            sorted((a.channel, a.state, str(a.scheduled_at)) for a in actions),
            [
                ("email", "draft", "2026-01-12 04:30:00"),
                ("sms", "draft", "2026-01-12 04:30:00"),
            ],
        )
        self.assertEqual(self.customer.collection_last_level_id, self.firm)  # not sent twice
        self.assertFalse(self._run("2026-01-12 03:00:00")[0])
        self.assertFalse(self._send_queued("2026-01-12 04:29:00")[0])
        sent, mails = self._send_queued("2026-01-12 04:30:00")
        self.assertEqual(sent, actions)
        self.assertEqual(set(sent.mapped("state")), {"done"})
        self.assertEqual(
            self._mails_to(mails, self.customer).subject, "Second reminder: overdue payment"
        )
        self.assertEqual(sent.filtered(lambda a: a.channel == "sms").sms_number, "+989123456789")
        self.assertFalse(self._send_queued("2026-01-12 05:30:00")[0])

    def test_public_holiday_and_weekend_are_skipped(self):
        # Friday 2026-01-09 is a public holiday of the company; the run of Thursday evening
        # (20:00 in Tehran) waits for Monday 08:00 in Tehran.
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "company_id": self.company.id,
                "date_from": "2026-01-08 20:30:00",  # Friday 00:00 in Tehran
                "date_to": "2026-01-09 20:29:59",
            }
        )
        self.company.collection_skip_levels = True
        actions, _mails = self._run("2026-01-08 16:30:00")
        self.assertEqual(actions.channel, "email")  # gentle level: email only
        self.assertEqual(str(actions.scheduled_at), "2026-01-12 04:30:00")

    def test_inside_the_window_it_goes_at_once(self):
        actions, mails = self._run("2026-01-12 06:00:00")  # 09:30 in Tehran
        self.assertEqual(set(actions.mapped("state")), {"done"})
        self.assertFalse(actions.mapped("scheduled_at")[0])
        self.assertEqual(len(self._mails_to(mails, self.customer)), 1)

    def test_a_queued_reminder_waits_a_day_for_the_days_instalment_reminder(self):
        invoice = self._create_invoice(self.customer, 300.0, "2026-01-01", "2026-01-20")
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, invoice.ids)],
                "installment_count": 2,
                "frequency": "monthly",
                "first_date": "2026-01-15",
                "reminder_days": 3,
            }
        )
        plan.action_compute_schedule()
        with freeze_time("2026-01-10"):
            plan.action_accept()
        # Monday 02:00 UTC: the firm reminder of the 700.00 is queued for 08:00 in Tehran.
        actions, _mails = self._run("2026-01-12 02:00:00")
        self.assertEqual(set(actions.mapped("scheduled_at")), {self._dt("2026-01-12 04:30")})
        # 03:00 UTC: the plans' cron reminds the customer of its instalment of 15 January.
        cron = self.env.ref("collection_followup.ir_cron_collection_plans")
        with freeze_time("2026-01-12 03:00:00"), self.mock_mail_gateway():
            cron.ir_actions_server_id.with_user(self.env.ref("base.user_root")).run()
            mails = self._mails_to(self._new_mails, self.customer)
        self.assertEqual(
            (mails.subject, mails.author_id, str(mails.date)),
            ("Instalment due on 01/15/2026", self.company.partner_id, "2026-01-12 03:00:00"),
        )
        self.assertIn("$&nbsp;150.00", str(mails.body_html))
        # 04:30 UTC, the window opens: the reminder waits for tomorrow's window, and says why.
        sent, mails = self._send_queued("2026-01-12 04:30:00")
        self.assertFalse(sent)
        self.assertFalse(self._mails_to(mails, self.customer))
        self.assertRecordValues(
            actions,
            [
                {
                    "state": "draft",
                    "scheduled_at": self._dt("2026-01-13 04:30"),
                    "error": "Northwind Traders already received “Instalment due on "
                    "01/15/2026” today: the reminder goes tomorrow.",
                }
            ]
            * 2,
        )
        self.assertFalse(self._send_queued("2026-01-12 10:00:00")[0])
        # Tuesday 04:30 UTC: the firm reminder goes (email and SMS), for the 700.00.
        sent, mails = self._send_queued("2026-01-13 04:30:00")
        self.assertEqual(sent, actions)
        self.assertEqual(set(sent.mapped("state")), {"done"})
        mail = self._mails_to(mails, self.customer)
        self.assertEqual(
            (mail.subject, str(mail.date)),
            ("Second reminder: overdue payment", "2026-01-13 04:30:00"),
        )
        self.assertIn("Total overdue: <strong>$&nbsp;700.00</strong>", str(mail.body_html))
        self.assertEqual(sent.filtered(lambda a: a.channel == "sms").sms_number, "+989123456789")

    @staticmethod
    def _dt(value):
        return fields.Datetime.to_datetime(value)
