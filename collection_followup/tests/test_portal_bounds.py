import ast
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import CollectionsPortalCommon


@tagged("post_install", "-at_install")
class TestCollectionsPortalBounds(CollectionsPortalCommon, MockEmail):
    """The customer's voice has bounds: strict input, bounded promises, one dispute per
    invoice, an append-only terms log, checked uploads, a throttle; and someone owns it."""

    def setUp(self):
        super().setUp()
        self.today = fields.Date.context_today(self.customer)
        self.in_30 = (self.today + timedelta(days=30)).isoformat()

    def _promise(self, date, amount, page="/collections"):
        return self._post(
            "promise", {"company_id": self.company.id, "date": date, "amount": amount}, page=page
        )

    def _reset_throttle(self):
        self.env["collection.portal.throttle"].sudo().search([]).unlink()

    def _refused(self, response):
        self.assertEqual(response.status_code, 400, response.text[:300])
        return (self._error(response) or "").replace("\xa0", " ")

    def _decision(self):
        return self.env["collection.followup.engine"]._decisions(self.company, self.customer.ids)[
            self.customer.id
        ]

    # ------------------------------------------------------------------
    # Promises
    # ------------------------------------------------------------------

    def test_promise_within_the_bounds_pauses_the_reminders(self):
        self._visit()
        page = self.url_open("/collections").text
        self.assertIn(f'max="{self.today + timedelta(days=60)}"', page)
        self.assertIn('min="625.0"', page, "half of the 1,250.00 overdue")
        response = self._promise(self.in_30, "625")
        self.assertEqual(response.status_code, 303)
        promise = self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(
            promise,
            [{"amount": 625.0, "source": "portal", "state": "open", "company_id": self.company.id}],
        )
        self.assertEqual(promise.date.isoformat(), self.in_30)
        self.assertEqual(self._message(), "Thank you: we will not send you reminders until then.")
        self.assertIsNone(self._message(), "said once")
        self.assertEqual(self._decision().action, "wait")

    def test_promise_out_of_bounds_gets_a_400_page_and_nothing(self):
        self._visit()
        last = self.today + timedelta(days=60)
        dates = f"Choose a date from {self.today:%m/%d/%Y} to {last:%m/%d/%Y}."
        amount = "Give the amount as a number, for example 1250.00."
        cases = [
            ("9999-12-28", "1250", dates),
            ((self.today - timedelta(days=1)).isoformat(), "1250", dates),
            ((last + timedelta(days=1)).isoformat(), "1250", dates),
            ("2099-12-31", "0.01", dates),
            ("2026-13-01", "1250", "Give the date as year-month-day, for example 2026-12-31."),
            ("31/12/2026", "1250", "Give the date as year-month-day, for example 2026-12-31."),
            (self.in_30, "nan", amount),
            (self.in_30, "inf", amount),
            (self.in_30, "1e400", amount),
            (self.in_30, "-5", amount),
            (self.in_30, "12.345", amount),
            (self.in_30, "1,250.00", amount),
            (self.in_30, "", amount),
            (self.in_30, "0.01", "Promise at least $ 625.00: 50 % of the $ 1,250.00 overdue."),
            (self.in_30, "1550.01", "You owe us $ 1,550.00: a promise cannot be for more."),
        ]
        for date, value, message in cases:
            with self.subTest(date=date, amount=value):
                self._reset_throttle()
                self.assertEqual(self._refused(self._promise(date, value)), message)
        self.assertFalse(self.env["collection.promise"].search([]))
        self._reset_throttle()
        self.assertEqual(self._promise(last.isoformat(), "1550").status_code, 303, "the bounds")

    def test_one_promise_at_a_time(self):
        self._visit()
        self.assertEqual(self._promise(self.in_30, "1250").status_code, 303)
        self.assertNotIn('action="/collections/promise"', self.url_open("/collections").text)
        self.assertEqual(
            self._refused(self._promise(self.in_30, "1250")),
            "Northwind Traders already has a promise to pay in progress.",
        )
        self.assertEqual(len(self.env["collection.promise"].search([])), 1)

    def test_after_broken_promises_a_portal_promise_waits_for_a_collector(self):
        self.customer.collection_responsible_id = self.collector
        Promise = self.env["collection.promise"]
        for days in (20, 10):
            day = self.today - timedelta(days=days)
            with freeze_time(day):
                promise = Promise.create(
                    {"partner_id": self.customer.id, "amount": 100.0, "date": day}
                )
            promise.state = "broken"
        self._visit()
        self.assertEqual(self._promise(self.in_30, "1250").status_code, 303)
        self.assertEqual(
            self._message(),
            "Thank you: we will look at your promise and tell you whether we can wait.",
        )
        promise = Promise.search([("state", "=", "to_approve")])
        self.assertEqual(promise.amount, 1250.0)
        self.assertEqual(self._decision().action, "send", "nothing paused before approval")
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        self.assertIn("(2 broken promises)", promise.activity_ids.summary)
        with self.assertRaises(AccessError):
            promise.with_user(self.clerk).action_approve()
        self.assertEqual(promise.state, "to_approve")
        promise.with_user(self.collector).action_approve()
        self.assertEqual(promise.state, "open")
        self.assertFalse(promise.activity_ids)
        self.assertEqual(self._decision().action, "wait")

    def test_backend_promise_is_bounded_by_the_horizon_too(self):
        with self.assertRaises(ValidationError) as caught:
            self.env["collection.promise"].create(
                {"partner_id": self.customer.id, "amount": 100.0, "date": "9999-12-28"}
            )
        self.assertEqual(
            str(caught.exception), "A promise to pay is for a date at most 60 days ahead."
        )
        self.assertFalse(self.env["collection.promise"].search([]))
        decisions = self.env["collection.followup.engine"]._decisions(self.company)
        self.assertEqual(decisions[self.customer.id].action, "send")

    # ------------------------------------------------------------------
    # Disputes
    # ------------------------------------------------------------------

    def test_one_open_dispute_per_invoice_and_only_own_invoices(self):
        self._visit()
        dispute = {"move_id": self.invoice.id, "reason": "wrong_amount", "message": "8, not 9"}
        self.assertEqual(self._post("dispute", dispute).status_code, 303)
        self.assertEqual(
            self._refused(self._post("dispute", dispute)),
            f"Invoice {self.invoice.name} is already disputed: we are looking into it.",
        )
        for move_id in ("abc", "-5", "99999999999", "0", str(self.other_invoice.id)):
            with self.subTest(move_id=move_id):
                self._reset_throttle()
                response = self._post("dispute", {"move_id": move_id, "reason": "other"})
                self.assertEqual(self._refused(response), "Choose one of your invoices.")
        self._reset_throttle()
        response = self._post("dispute", {"move_id": self.not_due.id, "reason": "bogus"})
        self.assertEqual(self._refused(response), "Choose a reason.")
        self.assertEqual(self.env["collection.dispute"].search([]).move_id, self.invoice)

    def test_never_received_sends_the_invoice_again_at_most_once_a_day(self):
        Dispute = self.env["collection.dispute"]
        with self.mock_mail_gateway():
            first = Dispute.create({"move_id": self.invoice.id, "reason": "not_received"})
            first.action_resume()
            Dispute.create({"move_id": self.invoice.id, "reason": "not_received"}).action_resume()
            sent = self._new_mails.filtered(lambda m: self.customer in m.recipient_ids)
        self.assertEqual(len(sent), 1, "once today")
        self.assertEqual(first.resent_on, self.today)
        self.assertIn(
            "was already sent again today: not sent a second time",
            str(self.invoice.message_ids.mapped("body")),
        )
        with freeze_time(self.today + timedelta(days=1)), self.mock_mail_gateway():
            Dispute.create({"move_id": self.invoice.id, "reason": "not_received"})
            sent = self._new_mails.filtered(lambda m: self.customer in m.recipient_ids)
        self.assertEqual(len(sent), 1, "the next day: sent again")

    # ------------------------------------------------------------------
    # Who owns what the customer says
    # ------------------------------------------------------------------

    def test_disputes_and_plan_requests_go_to_the_collector_else_the_managers(self):
        self._visit()
        self._post("dispute", {"move_id": self.invoice.id, "reason": "other"})
        dispute = self.env["collection.dispute"].search([])
        owners = dispute.activity_ids.user_id
        self.assertIn(self.manager, owners, "no collector set: the managers")
        public = self.env.ref("base.public_user")
        self.assertNotIn(public, owners)
        self.assertFalse(owners.filtered("share"), "never a portal or public user")
        manager_group = self.env.ref("collection_followup.group_collection_manager")
        self.assertTrue(all(manager_group in user.groups_id for user in owners))

        self.company.collection_responsible_id = self.collector
        self._post("plan", {"company_id": self.company.id, "installments": "3"})
        plan = self.env["collection.payment.plan"].search([("source", "=", "portal")])
        self.assertEqual(plan.activity_ids.user_id, self.collector, "the default collector")

        other_collector = new_test_user(
            self.env, "collector2", groups="collection_followup.group_collection_user"
        )
        self.customer.collection_responsible_id = other_collector
        self._post("dispute", {"move_id": self.not_due.id, "reason": "other"})
        second = self.env["collection.dispute"].search([("move_id", "=", self.not_due.id)])
        self.assertEqual(second.activity_ids.user_id, other_collector, "the customer's collector")
        desk = self.env.ref("collection_followup.action_collection_customer_requests")
        mine = (
            self.env["mail.activity"]
            .with_user(other_collector)
            .search([*ast.literal_eval(desk.domain), ("user_id", "=", other_collector.id)])
        )
        self.assertEqual(mine, second.activity_ids)

    def test_plan_request_is_a_draft_plan_for_the_collector_once(self):
        self.customer.collection_responsible_id = self.collector
        self._visit()
        self.assertEqual(
            self._post("plan", {"company_id": self.company.id, "installments": "3"}).status_code,
            303,
        )
        plan = self.env["collection.payment.plan"].search([])
        self.assertRecordValues(
            plan,
            [
                {
                    "partner_id": self.customer.id,
                    "state": "draft",
                    "source": "portal",
                    "installment_count": 3,
                    "amount_total": 1550.0,
                }
            ],
        )
        self.assertEqual(plan.move_ids, self.invoice | self.not_due)
        self.assertEqual(
            plan.activity_ids.summary, "Northwind Traders asks for a payment plan in 3 instalments"
        )
        self.assertIn("We have your request for a payment plan", self.url_open("/collections").text)
        again = self._post("plan", {"company_id": self.company.id, "installments": "4"})
        self.assertEqual(
            self._refused(again),
            "We already have your request for a payment plan: we will get back to you.",
        )
        for value in ("abc", "1", "25", "3.5"):
            with self.subTest(installments=value):
                self._reset_throttle()
                response = self._post(
                    "plan", {"company_id": self.company.id, "installments": value}
                )
                self.assertEqual(self._refused(response), "Choose between 2 and 24 instalments.")
        for company_id in ("x", "0", "-1"):
            with self.subTest(company_id=company_id):
                self._reset_throttle()
                response = self._post("plan", {"company_id": company_id, "installments": "3"})
                self.assertEqual(self._refused(response), "There is nothing owed to this company.")
        self.assertEqual(len(self.env["collection.payment.plan"].search([])), 1)

    def test_portal_user_accepts_the_plan_proposed_to_it(self):
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, self.invoice.ids)],
                "installment_count": 2,
                "first_date": self.today + timedelta(days=10),
            }
        )
        plan.action_compute_schedule()
        plan.action_propose()
        self.authenticate("northwind_portal", "northwind_portal")
        page = self.url_open("/my/collections").text
        self.assertIn(plan.name, page)
        self.assertIn("625.00", page)
        response = self._post("plan/accept", {"plan_id": "abc"}, page="/my/collections")
        self.assertEqual(
            self._refused(response), "This payment plan is not waiting for your answer."
        )
        self.assertEqual(plan.state, "proposed")
        self._post("plan/accept", {"plan_id": plan.id}, page="/my/collections")
        self.assertEqual(plan.state, "accepted")
        self.assertIn(
            "Accepted in the portal by Nora Northwind.", str(plan.message_ids.mapped("body"))
        )

    # ------------------------------------------------------------------
    # Terms
    # ------------------------------------------------------------------

    def test_terms_acceptance_is_a_log_the_first_never_overwritten(self):
        policy = self.company.collection_policy_id
        policy.invoice_terms = "<p>Payment within 30 days by bank transfer.</p>"
        self.authenticate("northwind_portal", "northwind_portal")
        page = self.url_open("/my/collections").text
        self.assertIn("Payment within 30 days by bank transfer.", page)
        version = re.search(r'name="version" value="(\w+)"', page).group(1)
        terms = {"company_id": self.company.id, "version": version}
        with freeze_time("2026-11-02 10:00:00"):
            self.assertEqual(self._post("terms", terms, page="/my/collections").status_code, 303)
        with freeze_time("2026-11-03 10:00:00"):
            self.assertEqual(self._post("terms", terms, page="/my/collections").status_code, 303)
        acceptance = self.env["collection.terms.acceptance"].search([])
        self.assertRecordValues(
            acceptance,
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "accepted_by": "Nora Northwind",
                    "ip_address": "127.0.0.1",
                    "user_id": self.customer_user.id,
                    "terms_version": version,
                    "terms_text": "Payment within 30 days by bank transfer.",
                }
            ],
        )
        self.assertEqual(str(acceptance.date), "2026-11-02 10:00:00", "the first is kept")
        self.assertEqual(self.customer.collection_terms_accepted_on, acceptance.date)
        self.assertEqual(self.customer.collection_terms_accepted_by, "Nora Northwind")
        for user in (self.manager, self.env.user):
            with self.assertRaises(UserError):
                acceptance.with_user(user).write({"ip_address": "10.0.0.1"})
            with self.assertRaises(UserError):
                acceptance.with_user(user).unlink()
        with self.assertRaises(AccessError):
            self.env["collection.terms.acceptance"].with_user(self.collector).create(
                {
                    "partner_id": self.other.id,
                    "company_id": self.company.id,
                    "date": fields.Datetime.now(),
                    "terms_version": "forged",
                    "terms_text": "forged",
                }
            )
        self.customer.sudo().write({"collection_terms_accepted_on": False})
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.collection_terms_accepted_on, acceptance.date, "computed")

        policy.invoice_terms = "<p>Payment within 15 days.</p>"
        response = self._post("terms", terms, page="/my/collections")
        self.assertEqual(
            self._refused(response),
            "The terms changed since you opened the page: please read them again.",
        )

    # ------------------------------------------------------------------
    # Uploads
    # ------------------------------------------------------------------

    def test_proof_files_are_checked_by_content_and_size(self):
        self._visit()
        dispute = {"move_id": self.invoice.id, "reason": "already_paid"}
        disguised = self._post(
            "dispute", dispute, files={"proof": ("proof.pdf", b"<html><script>", "application/pdf")}
        )
        self.assertIn("A proof file must be one of: PDF, PNG", self._refused(disguised))
        files = [("proof", ("x.pdf", b"%PDF-1.4 " + b"0" * 10, "application/pdf"))] * 6
        self.assertEqual(
            self._refused(self._post("dispute", dispute, files=files)),
            "Send at most 5 proof files, 10 MB together.",
        )
        big = b"%PDF-1.4 " + b"0" * (6 * 1024 * 1024)
        files = [
            ("proof", ("a.pdf", big, "application/pdf")),
            ("proof", ("b.pdf", big, "application/pdf")),
        ]
        self.assertEqual(
            self._refused(self._post("dispute", dispute, files=files)),
            "Send at most 5 proof files, 10 MB together.",
        )
        self.assertFalse(self.env["collection.dispute"].search([]))
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
        files = [
            ("proof", ("transfer.pdf", b"%PDF-1.4 proof", "application/pdf")),
            ("proof", ("../../receipt.jpeg", png, "image/jpeg")),
        ]
        self.assertEqual(self._post("dispute", dispute, files=files).status_code, 303)
        proofs = self.env["collection.dispute"].search([]).attachment_ids.sorted("name")
        self.assertEqual(proofs.mapped("name"), ["receipt.png", "transfer.pdf"])
        self.assertEqual(proofs.mapped("mimetype"), ["image/png", "application/pdf"])
        self.assertEqual(proofs[1].raw, b"%PDF-1.4 proof")

    # ------------------------------------------------------------------
    # Throttle
    # ------------------------------------------------------------------

    def test_refused_input_counts_against_the_throttle(self):
        self._visit()
        for _attempt in range(10):
            self.assertEqual(self._promise(self.in_30, "nan").status_code, 400)
        response = self._promise(self.in_30, "1250")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(
            self._error(response), "Too many requests: please try again in a few minutes."
        )
        self.assertFalse(self.env["collection.promise"].search([]))
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            self.assertEqual(self._promise(self.in_30, "1250").status_code, 303)

    def test_pages_and_statements_are_throttled_too(self):
        self._visit()  # the link and the page: two views
        statement = f"/collections/statement/{self.company.id}"
        statuses = {self.url_open("/collections").status_code for _view in range(57)}
        self.assertEqual(statuses, {200})
        self.assertEqual(self.url_open(statement).status_code, 200, "the 60th view")
        self.assertEqual(self.url_open(statement).status_code, 429)
        self.assertEqual(self.url_open("/collections").status_code, 429)
        self.assertEqual(self.url_open(f"/collections/pay/{self.company.id}").status_code, 429)

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------

    def test_portal_settings_are_bounded(self):
        settings = self.env["res.config.settings"]
        for field, value in (
            ("collection_link_validity_days", 0),
            ("collection_link_validity_days", -1),
            ("collection_link_validity_days", 366),
            ("collection_link_validity_days", 2**31),
            ("collection_promise_horizon_days", 0),
            ("collection_promise_horizon_days", 100000),
            ("collection_promise_min_percent", 0.0),
            ("collection_promise_min_percent", 100.5),
            ("collection_promise_max_broken", 0),
            ("collection_promise_max_broken", -3),
        ):
            with self.subTest(field=field, value=value), self.assertRaises(ValidationError):
                settings.create({field: value}).execute()
        self.assertEqual(self.company.collection_link_validity_days, 30)
        settings.create({"collection_promise_horizon_days": 90}).execute()
        self.assertEqual(self.company.collection_promise_horizon_days, 90)
