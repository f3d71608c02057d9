from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestSenseOfProportion(CollectionFollowupCommon):
    """A level's minimum overdue amount, a minimum for letters and legal steps, and the
    credits the reminder deducts shown to the customer."""

    def _customer_mails(self, mails):
        return mails.filtered(lambda mail: not mail.recipient_ids.user_ids)

    def test_a_level_waits_until_its_minimum_is_overdue(self):
        self.firm.min_overdue = 500.0
        first = self._create_invoice(self.customer, 1000.0, "2025-12-01", "2026-01-01")
        self._create_invoice(self.customer, 400.0, "2025-12-15", "2026-01-12")
        actions, mails = self._run("2026-01-05")
        self.assertEqual((actions.level_id, actions.amount_due), (self.gentle, 1000.0))
        self._pay(first, 700.0, "2026-01-08")

        actions, mails = self._run("2026-01-11")  # firm due; only 300.00 overdue
        self.assertFalse(self._customer_mails(mails))
        self.assertRecordValues(
            actions,
            [
                {
                    "level_id": self.firm.id,
                    "state": "skipped",
                    "amount_due": 300.0,
                    "error": "$\xa0300.00 is overdue, below the level's minimum ($\xa0500.00): "
                    f"“{self.firm.name}” waits.",
                }
            ],
        )
        self.assertFalse(self._run("2026-01-12")[0])  # said once
        with self._freeze("2026-01-12"):
            self.assertEqual(self.customer.collection_last_level_id, self.gentle)

        # The second invoice falls due: 700.00 overdue, the firm reminder goes.
        actions, mails = self._run("2026-01-16")
        email = actions.filtered(lambda a: a.channel == "email")
        self.assertEqual(
            (email.level_id, email.state, email.amount_due), (self.firm, "done", 700.0)
        )
        self.assertIn(
            "Total overdue: <strong>$&nbsp;700.00</strong>",
            str(self._mails_to(mails, self.customer).body_html),
        )

    def test_no_letter_for_a_small_amount_the_email_still_goes(self):
        self.assertEqual(self.company.collection_min_legal_amount, 20.0)
        self._create_invoice(self.customer, 1.65, "2025-12-01", "2026-01-01")
        self._create_invoice(self.other_customer, 20.0, "2025-12-01", "2026-01-01")
        actions, mails = self._run("2026-02-01")  # 31 days late: the formal level
        small = actions.filtered(lambda a: a.partner_id == self.customer)
        self.assertEqual(
            sorted((a.channel, a.state) for a in small),
            [("email", "done"), ("letter", "skipped"), ("sms", "failed")],
        )
        letter = small.filtered(lambda a: a.channel == "letter")
        self.assertEqual(
            letter.error,
            "$\xa01.65 is overdue, below the minimum for letters and legal steps ($\xa020.00).",
        )
        self.assertFalse(letter.attachment_id)
        self.assertIn("$&nbsp;1.65", str(self._mails_to(mails, self.customer).body_html))
        # 20.00 is worth a letter.
        big = actions.filtered(
            lambda a: a.partner_id == self.other_customer and a.channel == "letter"
        )
        self.assertEqual(big.state, "done")
        self.assertTrue(big.attachment_id)
        with self._freeze("2026-02-01"):
            self.assertEqual(self.customer.collection_last_level_id, self.formal)

    def test_a_level_of_letters_only_waits_below_the_minimum(self):
        self.formal.write({"send_email": False, "send_sms": False})
        self._create_invoice(self.customer, 1.65, "2025-12-01", "2026-01-01")
        actions, _mails = self._run("2026-02-01")
        self.assertEqual((actions.channel, actions.state), ("letter", "skipped"))
        self.assertEqual(
            actions.error,
            "$\xa01.65 is overdue, below the minimum for letters and legal steps "
            f"($\xa020.00): “{self.formal.name}” waits.",
        )
        self.assertFalse(actions.attachment_id)
        self.assertFalse(self._run("2026-02-02")[0])

    def test_the_reminder_shows_credit_notes_and_unmatched_payments(self):
        self._create_invoice(self.customer, 1000.0, "2025-12-01", "2026-01-01")
        credit_note = self._create_invoice(
            self.customer, 150.0, "2026-01-03", move_type="out_refund"
        )
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 100.0,
                "date": "2025-12-20",
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        actions, mails = self._run("2026-01-05")
        self.assertEqual(actions.amount_due, 750.0)
        body = str(self._mails_to(mails, self.customer).body_html)
        self.assertIn("Already deducted from what you owe:", body)
        self.assertRegex(
            body,
            rf"Credit note <bdi>{credit_note.name}</bdi></td>\s*<td[^>]*>01/03/2026</td>\s*"
            r'<td[^>]*><bdi dir="ltr">-\$&nbsp;150.00</bdi></td>',
        )
        self.assertRegex(
            body,
            rf"Payment <bdi>{payment.move_id.name}</bdi></td>\s*<td[^>]*>12/20/2025</td>\s*"
            r'<td[^>]*><bdi dir="ltr">-\$&nbsp;100.00</bdi></td>',
        )
        self.assertIn("Total overdue: <strong>$&nbsp;750.00</strong>", body)

    def test_only_a_manager_sets_a_levels_minimum(self):
        collector = new_test_user(
            self.env, "collector_min", groups="collection_followup.group_collection_user"
        )
        manager = new_test_user(
            self.env, "manager_min", groups="collection_followup.group_collection_manager"
        )
        with self.assertRaises(AccessError):
            self.firm.with_user(collector).min_overdue = 100.0
        self.assertEqual(self.firm.min_overdue, 0.0)
        self.firm.with_user(manager).min_overdue = 100.0
        self.assertEqual(self.firm.min_overdue, 100.0)

    def test_minimums_cannot_be_negative(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.firm.min_overdue = -0.01
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.company.collection_min_legal_amount = -1.0

    def _freeze(self, day):
        from freezegun import freeze_time

        self.customer.invalidate_recordset()
        return freeze_time(day)
