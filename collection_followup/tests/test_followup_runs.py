from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import errors as pgerrors

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.collection_followup.tools.followup_decision import Budget

from .common import CollectionFollowupCommon

ENGINE_LOGGER = "odoo.addons.collection_followup.models.collection_followup_engine"
# Queries of the decision phase of one company, whatever its number of customers: 9 for the
# items and the follow-up state, 5 for what may hold a reminder back (collection.arrival and
# collection.proportion; the invoices' names are read only when a bank line or an online
# payment may name or pay them).
DECISION_QUERIES = 14


@tagged("post_install", "-at_install")
class TestFollowupRunRecord(CollectionFollowupCommon):
    """Every run is a record: who, when, what it considered and did, and its errors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env, "run_collector", groups="collection_followup.group_collection_user"
        )
        cls.manager = new_test_user(
            cls.env, "run_manager", groups="collection_followup.group_collection_manager"
        )
        cls.silent = cls._create_customer("No Mail Co", False)
        cls.policy.level_ids.write({"send_sms": False, "send_letter": False})

    def _preview_then_run_now(self, day):
        Run = self.env["collection.followup.run"]
        with freeze_time(day), self.mock_mail_gateway():
            preview = Run.browse(Run.with_user(self.collector).action_preview()["res_id"])
            result = preview.with_user(self.manager).action_run_now()
            mails = self._new_mails
        return preview, Run.browse(result["res_id"]), mails

    def test_run_now_from_the_preview_is_recorded(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.silent, 250.0, "2026-01-01", due_date="2026-01-01")
        preview, run, mails = self._preview_then_run_now("2026-01-05")

        self.assertRecordValues(
            preview,
            [
                {
                    "trigger": "preview",
                    "user_id": self.collector.id,
                    "state": "done",
                    "planned_count": 2,
                    "reminded_count": 0,
                    "overdue_total": 1250.0,
                }
            ],
        )
        self.assertFalse(preview.action_ids, "a preview sends nothing")
        self.assertRecordValues(
            run,
            [
                {
                    "trigger": "run_now",
                    "user_id": self.manager.id,
                    "company_id": self.company.id,
                    "date": self._date("2026-01-05"),
                    "state": "done",
                    "considered_count": 2,
                    "reminded_count": 1,
                    "skipped_count": 0,
                    "failed_count": 1,
                    "deferred_count": 0,
                    "overdue_total": 1000.0,
                    "call_count": 1,
                }
            ],
        )
        self.assertTrue(run.started_at and run.finished_at)
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Payment reminder")
        self.assertEqual(
            sorted((a.partner_id.name, a.channel, a.state) for a in run.action_ids),
            [("No Mail Co", "email", "failed"), ("Northwind Traders", "email", "done")],
        )
        self.assertIn("Email", run.action_summary)
        self.assertIn("Failed", run.action_summary)
        self.assertRecordValues(
            run.problem_line_ids,
            [
                {
                    "partner_id": self.silent.id,
                    "outcome": "failed",
                    "reason": "No Mail Co has no email address for invoices.",
                    "level_id": self.gentle.id,
                    "amount_due": 250.0,
                    "attempts": 1,
                }
            ],
        )

    def test_only_managers_run_now(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        Run = self.env["collection.followup.run"]
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            preview = Run.browse(Run.with_user(self.collector).action_preview()["res_id"])
            runs_before = Run.search_count([])
            with self.assertRaises(AccessError):
                preview.with_user(self.collector).action_run_now()
            mails = self._new_mails
        self.assertEqual(Run.search_count([]), runs_before)
        self.assertFalse(mails)
        self.assertFalse(self.customer.collection_last_level_id)

    def test_retry_failed_customers(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.silent, 250.0, "2026-01-01", due_date="2026-01-01")
        _preview, run, _mails = self._preview_then_run_now("2026-01-05")
        self.silent.email = "finally@nomail.example"
        # The run of the day would not try the failed customer again before tomorrow.
        actions, _mails = self._run("2026-01-05")
        self.assertFalse(actions)
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            # A collector may not retry; nothing is sent.
            with self.assertRaises(AccessError):
                run.with_user(self.collector).action_retry_failed()
            self.assertFalse(self._new_mails)
            result = run.with_user(self.manager).action_retry_failed()
            mails = self._new_mails
        retry = self.env["collection.followup.run"].browse(result["res_id"])
        self.assertRecordValues(
            retry,
            [
                {
                    "trigger": "retry",
                    "retry_of_id": run.id,
                    "user_id": self.manager.id,
                    "considered_count": 1,
                    "reminded_count": 1,
                    "failed_count": 0,
                }
            ],
        )
        self.assertEqual(retry.line_ids.partner_id, self.silent)
        self.assertEqual(self._mails_to(mails, self.silent).subject, "Payment reminder")
        self.assertFalse(self._mails_to(mails, self.customer), "reminded once, not again")
        self.assertEqual(self.silent.collection_last_level_id, self.gentle)

    def test_send_now_by_a_collector_is_a_run(self):
        self._create_invoice(self.customer, 700.0, "2026-01-01", due_date="2026-01-01")
        with freeze_time("2026-01-13"), self.mock_mail_gateway():
            wizard = Form(
                self.env["collection.followup.send"]
                .with_user(self.collector)
                .with_context(default_partner_id=self.customer.id)
            )
            wizard.send_sms = False
            result = wizard.save().action_send()
            mails = self._new_mails
        actions = self.env["collection.followup.action"].search(result["domain"])
        self.assertEqual(
            self._mails_to(mails, self.customer).subject, "Second reminder: overdue payment"
        )
        self.assertRecordValues(
            actions.run_id,
            [
                {
                    "trigger": "send_now",
                    "user_id": self.collector.id,
                    "considered_count": 1,
                    "reminded_count": 1,
                    "state": "done",
                }
            ],
        )
        self.assertEqual(actions.run_id.action_ids, actions)

    def test_runs_are_read_only_for_everybody(self):
        self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        _preview, run, _mails = self._preview_then_run_now("2026-01-05")
        for user in (self.collector, self.manager):
            self.assertEqual(run.with_user(user).reminded_count, 1)
            with self.assertRaises(AccessError):
                run.with_user(user).write({"reminded_count": 5})
            with self.assertRaises(AccessError):
                run.line_ids.with_user(user).write({"outcome": "failed"})
            with self.assertRaises(AccessError):
                self.env["collection.followup.run"].with_user(user).create(
                    {"company_id": self.company.id, "trigger": "run_now", "date": "2026-01-05"}
                )
            with self.assertRaises(AccessError):
                run.with_user(user).unlink()
        self.assertEqual(run.reminded_count, 1)
        self.assertEqual(run.line_ids.outcome, "reminded")
        clerk = new_test_user(self.env, "run_clerk", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            run.with_user(clerk).read(["reminded_count"])
        runs_before = self.env["collection.followup.run"].search_count([])
        with self.assertRaises(AccessError):
            self.env["collection.followup.run"].with_user(clerk).action_preview()
        self.assertEqual(self.env["collection.followup.run"].search_count([]), runs_before)

    def test_runs_of_another_company_are_not_visible(self):
        other = self.setup_other_company(name="Branch Office")["company"]
        self._create_invoice(
            self.customer, 400.0, "2026-01-01", due_date="2026-01-01", company=other
        )
        self.env.user.company_ids |= other
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            actions = self.env["collection.followup.engine"]._run_followup(other)
        run = actions.run_id
        self.assertEqual(run.company_id, other)
        Run = self.env["collection.followup.run"].with_user(self.manager)
        self.assertNotIn(run, Run.search([]))
        with self.assertRaises(AccessError):
            run.with_user(self.manager).read(["reminded_count"])
        with self.assertRaises(AccessError):
            run.line_ids.with_user(self.manager).read(["outcome"])


@tagged("post_install", "-at_install")
class TestFollowupIsolation(CollectionFollowupCommon):
    """One customer, one company or one locked row never stops the others."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.level_ids.write({"send_sms": False, "send_letter": False})
        cls.other_company = cls.setup_other_company(name="Branch Office")["company"]
        cls.other_company.email = "ar@branch.example"
        cls.other_company.collection_policy_id.level_ids.write(
            {"send_sms": False, "send_letter": False}
        )
        cls.env.user.company_ids |= cls.other_company

    def test_bad_customers_of_two_companies_do_not_stop_the_others(self):
        promiser = self._create_customer("Far Future Ltd", "ap@farfuture.example")
        wrong_policy = self._create_customer("Wrong Policy SA", "ap@wrongpolicy.example")
        branch_customer = self._create_customer("Branch Buyer", "ap@branchbuyer.example")
        for partner in (self.customer, promiser):
            self._create_invoice(partner, 300.0, "2026-01-01", due_date="2026-01-01")
        for partner in (wrong_policy, branch_customer):
            self._create_invoice(
                partner, 500.0, "2026-01-01", due_date="2026-01-01", company=self.other_company
            )
        with freeze_time("2026-01-02"):
            promise = self.env["collection.promise"].create(
                {"partner_id": promiser.id, "amount": 300.0, "date": "2026-01-10"}
            )
        # Data as an old import or a bug left it: a promise to the end of time, and a customer
        # of the branch under the head office's policy.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE collection_promise SET date = '9999-12-28', pause_until = '9999-12-31' "
            "WHERE id = %s",
            [promise.id],
        )
        promise.invalidate_recordset()
        # Data from before the policy had to be the company's own (the constraint refuses it
        # now): written in the database directly.
        self.env.cr.execute(
            "UPDATE res_partner SET collection_policy_id = jsonb_build_object(%s::text, %s) "
            "WHERE id = %s",
            (str(self.other_company.id), self.policy.id, wrong_policy.id),
        )
        wrong_policy.invalidate_recordset(["collection_policy_id"])
        with mute_logger(ENGINE_LOGGER):
            actions, mails = self._run("2026-01-05", companies=self.company | self.other_company)

        Run = self.env["collection.followup.run"]
        head_run = Run.search([("company_id", "=", self.company.id)])
        branch_run = Run.search([("company_id", "=", self.other_company.id)])
        self.assertRecordValues(
            head_run | branch_run,
            [
                {"error": False, "considered_count": 2, "reminded_count": 1, "failed_count": 1},
                {"error": False, "considered_count": 2, "reminded_count": 1, "failed_count": 1},
            ],
        )
        self.assertEqual(actions.run_id, head_run | branch_run)
        failed = head_run.problem_line_ids
        self.assertEqual(failed.partner_id, promiser)
        self.assertIn("date value out of range", failed.reason)
        failed = branch_run.problem_line_ids
        self.assertEqual(failed.partner_id, wrong_policy)
        self.assertIn("Incompatible companies", failed.reason)
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Payment reminder")
        self.assertEqual(self._mails_to(mails, branch_customer).subject, "Payment reminder")
        self.assertIn("ar@branch.example", self._mails_to(mails, branch_customer).email_from)
        self.assertFalse(self._mails_to(mails, promiser | wrong_policy))
        # Nothing half-done is left of the failed customers: their savepoints were rolled back.
        self.assertFalse(actions.filtered(lambda a: a.partner_id in promiser | wrong_policy))
        self.assertFalse(wrong_policy.with_company(self.other_company).collection_last_level_id)
        self.assertEqual(self.customer.collection_last_level_id, self.gentle)

    def test_locked_customer_is_deferred_then_retried(self):
        # A customer row committed before the test, locked by another transaction the way an
        # update of the row locks it (a portal visit, an accountant's edit, a payment lifting a
        # hold) while the night's first call runs. Any committed contact with an email that
        # this test's transaction has not touched will do.
        self._create_invoice(self.customer, 300.0, "2026-01-01", due_date="2026-01-01")
        with self.registry.cursor() as other_cr:
            other_cr.execute(
                """SELECT id FROM res_partner partner
                    WHERE NOT EXISTS (SELECT 1 FROM res_company company
                                       WHERE company.partner_id = partner.id)
                 ORDER BY id
                      FOR NO KEY UPDATE SKIP LOCKED
                    LIMIT 1"""
            )
            row = other_cr.fetchone()
            if not row:
                self.skipTest("no committed contact free to lock in this database")
            locked = self.env["res.partner"].browse(row[0])
            # Its reminders go to its invoice address (a new contact: the locked row itself is
            # not written).
            self.env["res.partner"].create(
                {
                    "name": "Locked Accounts",
                    "type": "invoice",
                    "parent_id": locked.id,
                    "email": "accounts@locked.example",
                }
            )
            self._create_invoice(locked, 200.0, "2026-01-01", due_date="2026-01-01")
            with freeze_time("2026-01-05"), self.mock_mail_gateway(), mute_logger(ENGINE_LOGGER):
                first = self.env["collection.followup.engine"]._run_followup(
                    self.company, trigger="scheduled", budget=Budget()
                )
                first_mails = self._new_mails
            other_cr.rollback()
        run = first.run_id
        self.assertRecordValues(
            run, [{"state": "running", "reminded_count": 1, "deferred_count": 1, "call_count": 1}]
        )
        self.assertRecordValues(
            run.problem_line_ids, [{"partner_id": locked.id, "outcome": "deferred", "attempts": 2}]
        )
        self.assertIn("locked by another transaction", run.problem_line_ids.reason)
        self.assertEqual(self._mails_to(first_mails, self.customer).subject, "Payment reminder")
        self.assertFalse(self._mails_to(first_mails, locked.child_ids))
        self.assertFalse(locked.collection_last_level_id)
        # The next call of the same night, the lock released: retried, reminded once.
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            second = self.env["collection.followup.engine"]._run_followup(
                self.company, trigger="scheduled", budget=Budget()
            )
            second_mails = self._new_mails
        self.assertEqual(second.run_id, run)
        self.assertRecordValues(
            run,
            [
                {
                    "state": "done",
                    "considered_count": 2,
                    "reminded_count": 2,
                    "deferred_count": 0,
                    "call_count": 2,
                }
            ],
        )
        self.assertEqual(run.line_ids.filtered(lambda line: line.partner_id == locked).attempts, 3)
        self.assertEqual(self._mails_to(second_mails, locked.child_ids).subject, "Payment reminder")
        self.assertFalse(self._mails_to(second_mails, self.customer))
        self.assertEqual(locked.collection_last_level_id, self.gentle)

    def test_serialization_failure_is_deferred_to_the_next_call(self):
        self._create_invoice(self.customer, 300.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.other_customer, 200.0, "2026-01-01", due_date="2026-01-01")
        Engine = type(self.env["collection.followup.engine"])
        original = Engine._process_customer
        calls = []

        def process_customer(engine, run, company, partner_id, *args):
            calls.append(partner_id)
            if partner_id == self.customer.id and calls.count(partner_id) == 1:
                # What PostgreSQL raises when another transaction changed the row since this
                # one's snapshot: pointless to retry in the same transaction.
                raise pgerrors.SerializationFailure("could not serialize access")
            return original(engine, run, company, partner_id, *args)

        def night_call():
            with freeze_time("2026-01-05"), self.mock_mail_gateway():
                self.env["collection.followup.engine"]._run_followup(
                    self.company, trigger="scheduled", budget=Budget()
                )
                return self._new_mails

        with (
            patch.object(Engine, "_process_customer", process_customer),
            mute_logger(ENGINE_LOGGER),
        ):
            first_mails = night_call()
            run = self.env["collection.followup.run"].search(
                [("company_id", "=", self.company.id), ("trigger", "=", "scheduled")]
            )
            self.assertRecordValues(
                run.problem_line_ids,
                [{"partner_id": self.customer.id, "outcome": "deferred", "attempts": 1}],
            )
            self.assertEqual(calls.count(self.customer.id), 1, "not retried in the same call")
            self.assertFalse(self._mails_to(first_mails, self.customer))
            second_mails = night_call()
        self.assertEqual(self._mails_to(second_mails, self.customer).subject, "Payment reminder")
        self.assertRecordValues(
            run, [{"state": "done", "reminded_count": 2, "deferred_count": 0, "call_count": 2}]
        )


@tagged("post_install", "-at_install")
class TestFollowupTimeBudget(CollectionFollowupCommon):
    """A scheduled run takes customers until its time budget is spent, reports the rest to the
    scheduler and continues in the same run record at the next call."""

    def test_each_call_within_the_budget_one_run_per_night(self):
        self.policy.level_ids.write({"send_sms": False, "send_letter": False})
        third = self._create_customer("Fabrikam", "ap@fabrikam.example")
        for partner in (self.customer, self.other_customer, third):
            self._create_invoice(partner, 100.0, "2026-01-01", due_date="2026-01-01")
        # No time at all: every call takes one customer (each call always makes progress).
        self.env["ir.config_parameter"].set_param("collection_followup.run_time_budget", "0")
        cron = self.env.ref("collection_followup.ir_cron_collection_followup")
        progress = []
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            for _call in range(4):
                record = self.env["ir.cron.progress"].create({"cron_id": cron.id})
                self.env["collection.followup.policy"].with_context(
                    ir_cron_progress_id=record.id
                )._cron_run_followup()
                progress.append((record.done, record.remaining))
            mails = self._new_mails
        self.assertEqual(progress, [(1, 2), (1, 1), (1, 0), (0, 0)])
        self.assertEqual(len(mails), 3)
        run = self.env["collection.followup.run"].search(
            [("trigger", "=", "scheduled"), ("company_id", "=", self.company.id)]
        )
        self.assertRecordValues(
            run, [{"state": "done", "call_count": 3, "considered_count": 3, "reminded_count": 3}]
        )
        self.assertEqual(run.action_ids.partner_id, self.customer | self.other_customer | third)

    def test_invoices_rendered_ahead_fit_in_what_is_left_of_the_budget(self):
        """A call renders ahead no more invoices than half of what is left of its budget
        renders at the pace it measured: 1.2 s left at 0.3 s per invoice, 2 invoices, so the
        first chunk is the first customer alone (its 2 invoices); without a time limit the
        chunk is every customer, with all 6 invoices."""
        third = self._create_customer("Fabrikam", "ap@fabrikam.example")
        customers = self.customer | self.other_customer | third
        invoices = {}
        for partner in customers:
            invoices[partner] = self.env["account.move"].union(
                *(
                    self._create_invoice(partner, 100.0 + n, "2026-01-01", due_date="2026-01-01")
                    for n in range(2)
                )
            )
        Report = type(self.env["ir.actions.report"])
        rendered = []

        def prepare(report, moves):
            rendered.append(moves)
            return True

        Engine = self.env["collection.followup.engine"]
        now = [0.0]
        with (
            freeze_time("2026-01-05"),
            patch.object(Report, "_collection_renders_pdfs", lambda report: True),
            patch.object(Report, "_collection_prepare_invoice_pdfs", prepare),
        ):
            budget = Budget(seconds=1.2, clock=lambda: now[0])
            decisions = Engine._decisions(self.company, customers.ids)
            chunk = Engine._prepare_chunk(
                self.company, customers.ids, budget, {"per_document": 0.3}, decisions
            )
            self.assertEqual(chunk, {self.customer.id})
            self.assertEqual(rendered, [invoices[self.customer]])
            rendered.clear()
            chunk = Engine._prepare_chunk(self.company, customers.ids, Budget(), {}, decisions)
            self.assertEqual(chunk, set(customers.ids))
            self.assertEqual(len(rendered), 1)
            self.assertEqual(rendered[0], invoices[self.customer].union(*invoices.values()))


@tagged("post_install", "-at_install")
class TestCollectionEligibility(CollectionFollowupCommon):
    """One rule says which items may be chased, charged, sold, handed over or paid."""

    def test_a_dispute_holds_the_item_for_every_use(self):
        disputed = self._create_invoice(self.customer, 400.0, "2026-01-01", due_date="2026-01-01")
        kept = self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        self.env["collection.dispute"].create(
            {"move_id": disputed.id, "reason": "wrong_amount", "message": "Wrong"}
        )
        Eligibility = self.env["collection.eligibility"]
        moves = disputed | kept
        for purpose in ("chase", "charge", "sell", "hand_over", "pay"):
            self.assertEqual(
                Eligibility._collection_reasons(purpose, moves), {disputed.id: "disputed"}, purpose
            )
        with freeze_time("2026-01-20"):
            lines = self.env["collection.followup.engine"]._open_lines(self.company)
            self.assertEqual(
                {row[0] for row in lines[self.customer.id]},
                set(kept.line_ids.filtered("date_maturity").ids),
            )
            self.assertEqual(
                self.env["collection.late.fee.rule"]._exempt_reason(disputed), "disputed"
            )
            self.assertFalse(self.env["collection.late.fee.rule"]._exempt_reason(kept))
            Move = self.env["account.move"]
            payable = Move.search(
                Move._collection_portal_overdue_domain(self.customer, self.company)
            )
            self.assertEqual(payable, kept)

    def test_blocked_payment_is_left_out_except_for_the_customer_paying(self):
        blocked = self._create_invoice(self.customer, 400.0, "2026-01-01", due_date="2026-01-01")
        blocked.action_toggle_block_payment()
        Eligibility = self.env["collection.eligibility"]
        for purpose in ("chase", "charge", "sell", "hand_over"):
            self.assertEqual(
                Eligibility._collection_reasons(purpose, blocked), {blocked.id: "blocked"}
            )
        self.assertEqual(Eligibility._collection_reasons("pay", blocked), {})
        self.assertEqual(
            self.env["collection.late.fee.rule"]._exempt_reason(blocked), "payment blocked"
        )

    def test_a_feature_hook_reaches_every_use(self):
        held = self._create_invoice(self.customer, 400.0, "2026-01-01", due_date="2026-01-01")
        free = self._create_invoice(self.customer, 100.0, "2026-01-01", due_date="2026-01-01")
        Eligibility = type(self.env["collection.eligibility"])
        original = Eligibility._collection_pauses

        def pauses(model, purpose):
            return original(model, purpose) + [("held", SQL("move.id = %s", held.id))]

        with patch.object(Eligibility, "_collection_pauses", pauses), freeze_time("2026-01-20"):
            lines = self.env["collection.followup.engine"]._open_lines(self.company)
            self.assertEqual(
                {row[0] for row in lines[self.customer.id]},
                set(free.line_ids.filtered("date_maturity").ids),
            )
            self.assertEqual(self.env["collection.late.fee.rule"]._exempt_reason(held), "held")
            Move = self.env["account.move"]
            self.assertEqual(
                Move.search(Move._collection_portal_overdue_domain(self.customer, self.company)),
                free,
            )
            actions, mails = self._run("2026-01-20")
        self.assertEqual(actions.filtered(lambda a: a.channel == "email").line_ids.move_id, free)


@tagged("post_install", "-at_install", "is_query_count")
class TestFollowupDecisionQueries(CollectionFollowupCommon):
    """The decision phase, every feature's eligibility rule included, costs the same number
    of queries for 10 or 50 customers."""

    def _customers(self, count, prefix):
        partners = self.env["res.partner"].create(
            [{"name": f"{prefix} {i}", "email": f"{prefix}{i}@example.com"} for i in range(count)]
        )
        for partner in partners:
            self._create_invoice(partner, 10.0, "2026-01-01", due_date="2026-01-01")
        return partners

    def _decision_queries(self, expected):
        self.env.invalidate_all()
        with freeze_time("2026-01-20"), self.assertQueryCount(expected):
            return self.env["collection.followup.engine"]._decisions(self.company)

    def test_decision_phase_constant_query_count(self):
        self._customers(10, "small")
        for _warm in range(2):  # the caches of what does not depend on customers
            self.env.invalidate_all()
            with freeze_time("2026-01-20"):
                self.env["collection.followup.engine"]._decisions(self.company)
        self.assertEqual(len(self._decision_queries(DECISION_QUERIES)), 10)
        self._customers(40, "large")
        self.assertEqual(len(self._decision_queries(DECISION_QUERIES)), 50)


@tagged("post_install", "-at_install")
class TestNightlyCronIsolation(CollectionFollowupCommon):
    """The payment plan cron takes each plan on its own: one that raises is noted on it, the
    others go on."""

    def _accepted_plan(self, partner, invoice):
        plan = self.env["collection.payment.plan"].create(
            {
                "partner_id": partner.id,
                "move_ids": [(6, 0, invoice.ids)],
                "installment_count": 2,
                "frequency": "monthly",
                "first_date": "2026-02-01",
            }
        )
        plan.action_compute_schedule()
        with freeze_time("2026-01-10"):
            plan.action_accept()
        return plan

    def test_one_broken_plan_does_not_stop_the_others(self):
        broken_invoice = self._create_invoice(self.customer, 600.0, "2026-01-01", "2026-01-20")
        good_invoice = self._create_invoice(self.other_customer, 400.0, "2026-01-01", "2026-01-20")
        broken = self._accepted_plan(self.customer, broken_invoice)
        good = self._accepted_plan(self.other_customer, good_invoice)
        Plan = type(self.env["collection.payment.plan"])
        original = Plan._check_progress

        def check_progress(plan, today):
            if plan == broken:
                raise OverflowError("date value out of range")
            return original(plan, today)

        with (
            patch.object(Plan, "_check_progress", check_progress),
            freeze_time("2026-02-01"),
            self.mock_mail_gateway(),
            mute_logger(ENGINE_LOGGER),
        ):
            self.env["collection.payment.plan"]._cron_check_payment_plans()
        self.assertEqual(good.state, "running", "the other plan started on its first date")
        self.assertEqual(broken.state, "accepted", "nothing half-done on the failing plan")
        self.assertTrue(
            any(
                "Payment plan not checked: date value out of range" in str(message.body)
                for message in broken.message_ids
            )
        )


@tagged("post_install", "-at_install")
class TestRunWorkPerCustomer(CollectionFollowupCommon):
    """What the run does for each customer costs the same whoever came before it in the run,
    and the pay link's token leaves the invoice as it was."""

    def _customers(self, count, prefix):
        partners = self.env["res.partner"].create(
            [
                {"name": f"{prefix} {i}", "email": f"{prefix}{i}@example.com", "lang": "en_US"}
                for i in range(count)
            ]
        )
        for partner in partners:
            self._create_invoice(partner, 100.0, "2026-01-01", due_date="2026-01-01")
        return partners

    def _run_queries(self, partners):
        Engine = self.env["collection.followup.engine"]
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        with freeze_time("2026-01-05"):
            run = Engine._run_partners(self.company, partners.ids, "run_now")
        self.assertEqual(run.reminded_count, len(partners))
        return self.env.cr.sql_log_count - before

    def test_queries_per_customer_do_not_grow_with_the_run(self):
        self.policy.level_ids.write({"send_sms": False, "send_letter": False})
        self._run_queries(self._customers(2, "warm"))  # what does not depend on customers
        few = self._run_queries(self._customers(3, "few"))
        more = self._run_queries(self._customers(9, "more"))
        most = self._run_queries(self._customers(15, "most"))
        # Measured 2026-11-30: 56 queries per customer reminded by email (its actions, the
        # message, the mail and its notification, the portal link, the item levels, the
        # customer's follow-up state, the run's line and counts); deciding again under the
        # lock added 8 more.
        self.assertLessEqual((more - few) / 6, 58)
        # Each customer costs the same, whatever the number before it in the run.
        self.assertEqual(most - more, more - few)

    def test_pay_link_token_leaves_the_invoice_as_it_was(self):
        invoice = self._create_invoice(self.customer, 420.0, "2026-01-01", due_date="2026-01-01")
        invoice.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET access_token = NULL, write_date = %s WHERE id = %s",
                "2026-01-02 08:00:00",
                invoice.id,
            )
        )
        invoice.invalidate_recordset()
        lines_edited = invoice.line_ids.mapped("write_date")
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            self.env["collection.followup.engine"]._run_followup(self.company)
            email = self._new_mails.filtered(lambda mail: mail.recipient_ids == self.customer)
        invoice.invalidate_recordset()
        self.assertRegex(invoice.access_token, r"^[0-9a-f-]{36}$")
        self.assertIn(f"/my/invoices/{invoice.id}?access_token={invoice.access_token}", email.body)
        self.assertEqual(str(invoice.write_date), "2026-01-02 08:00:00")
        self.assertEqual(invoice.line_ids.mapped("write_date"), lines_edited)
        # A token already given is kept.
        token = invoice.access_token
        invoice._collection_ensure_portal_tokens()
        self.assertEqual(invoice.access_token, token)
