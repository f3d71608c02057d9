from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestReminderRecipients(CollectionFollowupCommon):
    """A reminder goes to its recipient and nobody else, run after run, whoever follows the
    customer: another company sharing the customer, an internal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.setup_other_company(name="Branch Office")["company"]
        cls.branch.email = "collections@branch.example"
        cls.branch.partner_id.email = "collections@branch.example"
        cls.env.user.company_ids |= cls.branch
        cls.customer.write({"mobile": "0912 345 6789", "country_id": cls.env.ref("base.ir").id})
        cls.insider = new_test_user(
            cls.env,
            "ines_insider",
            name="Ines Insider",
            email="ines@acme.example",
            groups="account.group_account_invoice",
            notification_type="email",
        )
        # Followers as the old run left them: the other company's address, and an internal
        # user subscribed to everything, internal notes included.
        cls.customer.message_subscribe(partner_ids=cls.branch.partner_id.ids)
        cls.customer.message_subscribe(
            partner_ids=cls.insider.partner_id.ids,
            subtype_ids=(cls.env.ref("mail.mt_comment") | cls.env.ref("mail.mt_note")).ids,
        )
        cls.followers = cls.customer.message_partner_ids
        cls.acme_invoice = cls._create_invoice(
            cls.customer, 1000.0, "2025-12-01", due_date="2026-01-01"
        )
        cls.branch_invoice = cls._create_invoice(
            cls.customer, 400.0, "2025-12-01", due_date="2026-01-01", company=cls.branch
        )

    def _cron_run(self, day):
        """The run as the scheduler does it: as the inactive superuser, both companies."""
        root = self.env.ref("base.user_root")
        with freeze_time(day), self.mock_mail_gateway():
            actions = (
                self.env["collection.followup.engine"]
                .with_user(root)
                ._run_followup(self.company | self.branch)
            )
            mails = self._new_mails
        sms = self.env["sms.sms"].search([("mail_message_id", "in", actions.mail_message_id.ids)])
        return actions.with_user(self.env.user), mails, sms

    def test_every_mail_of_three_levels_goes_to_the_customer_only(self):
        runs = {
            "2026-01-05": ("Payment reminder", 2, 0),  # gentle (+3), email
            "2026-01-12": (None, 2, 2),  # firm (+10): email and SMS
            "2026-02-01": (None, 2, 2),  # formal (+30): email, SMS, letter
        }
        sent_by_company = {self.company: [], self.branch: []}
        for day, (subject, mail_count, sms_count) in runs.items():
            actions, mails, sms = self._cron_run(day)
            self.assertEqual(len(mails), mail_count, day)
            for mail in mails:
                # Nobody but the customer: not the branch, not the internal follower.
                self.assertEqual(mail.recipient_ids, self.customer, day)
                self.assertFalse(mail.email_to, day)
                self.assertFalse(mail.email_cc, day)
            if subject:
                self.assertEqual(set(mails.mapped("subject")), {subject})
            self.assertEqual(len(sms), sms_count, day)
            self.assertEqual(set(sms.mapped("number")), {"+989123456789"} if sms_count else set())
            if sms_count:
                self.assertEqual(sms.partner_id, self.customer)
            for action in actions.filtered(lambda a: a.channel == "email"):
                sent_by_company[action.company_id].append((day, action.amount_due))
                self.assertEqual(action.recipient_id, self.customer)
                self.assertEqual(action.state, "done")
                message = action.mail_message_id
                # Kept in the chatter like a note, addressed to the customer, notified to no one
                # else.
                self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
                self.assertEqual(message.partner_ids, self.customer)
                self.assertEqual(message.notification_ids.res_partner_id, self.customer)
            # Posting subscribed nobody: the followers are those the customer had.
            self.assertEqual(self.customer.message_partner_ids, self.followers, day)
        self.assertEqual(
            sent_by_company[self.company],
            [("2026-01-05", 1000.0), ("2026-01-12", 1000.0), ("2026-02-01", 1000.0)],
        )
        self.assertEqual(
            sent_by_company[self.branch],
            [("2026-01-05", 400.0), ("2026-01-12", 400.0), ("2026-02-01", 400.0)],
        )

    def test_each_company_sends_its_own_items_from_its_own_address(self):
        _actions, mails, _sms = self._cron_run("2026-01-05")
        acme = mails.filtered(lambda mail: "ar@acme.example" in mail.email_from)
        branch = mails.filtered(lambda mail: "collections@branch.example" in mail.email_from)
        self.assertEqual(len(acme), 1)
        self.assertEqual(len(branch), 1)
        # Both companies number their invoices from 1: the amounts tell them apart.
        self.assertIn("Total overdue: <strong>$&nbsp;1,000.00</strong>", str(acme.body_html))
        self.assertNotIn("400.00", str(acme.body_html))
        self.assertIn("Total overdue: <strong>$&nbsp;400.00</strong>", str(branch.body_html))
        self.assertNotIn("1,000.00", str(branch.body_html))
        self.assertEqual(acme.recipient_ids | branch.recipient_ids, self.customer)
