from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .test_roles import RolesCommon

# The roles, least privileged first (README, "Roles").
ROLES = ("public", "portal", "employee", "billing", "accountant", "collector", "manager")


@tagged("post_install", "-at_install")
class TestRolesMatrix(RolesCommon):
    """Each task of the README done by the least-privileged role that does it in real life, and
    each privileged change tried by every lesser role the way an RPC call would make it (the
    public method, ``create``, ``write`` or ``unlink`` on records browsed with the caller's uid):
    refused with AccessError or UserError, nothing changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contact = cls.env["res.partner"].create(
            {"name": "Nora Northwind", "parent_id": cls.customer.id, "email": "nora@example.com"}
        )
        cls.users = {
            "public": cls.env.ref("base.public_user"),
            "portal": new_test_user(
                cls.env, "roles_portal_nora", groups="base.group_portal", partner_id=contact.id
            ),
            "employee": cls.employee,
            "billing": cls.clerk,
            "accountant": cls.accountant,
            "collector": cls.collector,
            "manager": cls.manager,
        }
        cls.invoice = cls._create_invoice(cls.customer, 1000.0, "2026-01-01", "2026-01-01")
        cls.agency = cls.env["collection.agency"].create(
            {
                "partner_id": cls.env["res.partner"]
                .create({"name": "Recovery Partners", "is_company": True})
                .id,
                "commission_percent": 15.0,
                "min_days_overdue": 90,
                "min_amount": 500.0,
            }
        )

    def _refused(self, least_role, attempt, unchanged):
        """``attempt(user)`` fails for every role below ``least_role`` (None: every role), and
        ``unchanged()`` holds afterwards."""
        lesser = ROLES[: ROLES.index(least_role)] if least_role else ROLES
        # UserError covers AccessError (its subclass): refused either way.
        for role in lesser:
            with self.subTest(role=role), self.assertRaises(UserError):
                attempt(self.users[role])
        # What a refused call left in the cache is gone with its transaction: read the database.
        self.env.invalidate_all()
        unchanged()

    def _send_now(self, user, day, **channels):
        with freeze_time(day), self.mock_mail_gateway():
            wizard = Form(
                self.env["collection.followup.send"]
                .with_user(user)
                .with_context(default_partner_id=self.customer.id)
            )
            for name, value in channels.items():
                setattr(wizard, name, value)
            result = wizard.save().action_send()
        return self.env["collection.followup.action"].search(result["domain"])

    def _preview(self):
        """A preview of the run (the engine records it as a run that sends nothing)."""
        Run = self.env["collection.followup.run"]
        return Run.browse(Run.with_user(self.collector).action_preview()["res_id"])

    def _actions(self):
        return self.env["collection.followup.action"].search(
            [("partner_id", "=", self.customer.id)]
        )

    # ------------------------------------------------------------------
    # Reminders, letters, calls, letters before action: collectors
    # ------------------------------------------------------------------

    def test_reminder(self):
        def attempt(user):
            self._send_now(user, "2026-01-05")

        self._refused("collector", attempt, lambda: self.assertFalse(self._actions()))
        action = self._send_now(self.collector, "2026-01-05")
        self.assertRecordValues(
            action, [{"channel": "email", "state": "done", "level_id": self.gentle.id}]
        )

    def test_letters(self):
        self.gentle.write({"send_email": False, "send_letter": True})
        letters, _mails = self._run("2026-01-05")
        self.assertRecordValues(letters, [{"channel": "letter", "letter_printed": False}])
        self._refused(
            "collector",
            lambda user: self._as(user, letters).action_print_letters(),
            lambda: self.assertFalse(letters.letter_printed),
        )
        report = self._as(self.collector, letters).action_print_letters()
        self.assertEqual(report["context"]["active_ids"], letters.ids)
        self.assertTrue(letters.letter_printed)

    def test_call(self):
        self.customer.with_company(self.company).collection_responsible_id = self.collector
        call = self._send_now(self.collector, "2026-01-05", send_email=False, create_call=True)
        self.assertRecordValues(call, [{"channel": "call", "state": "done"}])
        self.assertEqual(call.activity_id.user_id, self.collector)
        self.assertEqual(call.activity_id.res_id, self.customer.id)
        self.assertEqual(call.activity_id.date_deadline, self._date("2026-01-05"))

    def test_letter_before_action(self):
        def attempt(user):
            with freeze_time("2026-02-02"):
                self._as(user, self.customer).action_collection_demand_letter()

        self._refused("collector", attempt, lambda: self.assertFalse(self._actions()))
        with freeze_time("2026-02-02"):
            self._as(self.collector, self.customer).action_collection_demand_letter()
        self.assertRecordValues(
            self._actions(), [{"channel": "demand", "state": "done", "amount_due": 1000.0}]
        )

    # ------------------------------------------------------------------
    # Approvals, holds, run now, the customer's follow-up state: managers
    # ------------------------------------------------------------------

    def test_approval(self):
        self.gentle.requires_approval = True
        prepared, _mails = self._run("2026-01-05")
        self.assertEqual(prepared.mapped("state"), ["to_approve"])
        for method in ("action_approve", "action_reject"):
            self._refused(
                "manager",
                lambda user, method=method: getattr(self._as(user, prepared), method)(),
                lambda: self.assertEqual(prepared.state, "to_approve"),
            )
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            self._as(self.manager, prepared).action_approve()
            mails = self._new_mails
        self.assertRecordValues(prepared, [{"state": "done", "approved_by_id": self.manager.id}])
        self.assertEqual(mails.recipient_ids, self.customer)

    def test_hold(self):
        customer = self.customer.with_company(self.company)
        # The engine's bookkeeping, as a level with a credit hold leaves it.
        customer.sudo().write({"collection_on_hold": True, "collection_hold_date": "2026-01-10"})
        for attempt in (
            lambda user: self._as(user, customer).action_collection_release_hold(),
            lambda user: self._as(user, customer).write({"collection_on_hold": False}),
        ):
            self._refused("manager", attempt, lambda: self.assertTrue(customer.collection_on_hold))
        self._as(self.manager, customer).action_collection_release_hold()
        self.assertRecordValues(
            customer, [{"collection_on_hold": False, "collection_hold_date": False}]
        )
        self.assertIn("Credit hold lifted by Mona Manager.", customer.message_ids.mapped("preview"))

    def test_run_now(self):
        def attempt(user):
            with freeze_time("2026-01-05"):
                self._preview().with_user(user).action_run_now()

        self._refused("manager", attempt, lambda: self.assertFalse(self._actions()))
        with freeze_time("2026-01-05"), self.mock_mail_gateway():
            self._preview().with_user(self.manager).action_run_now()
        self.assertRecordValues(self._actions(), [{"state": "done", "level_id": self.gentle.id}])

    def test_customer_follow_up_state(self):
        customer = self.customer.with_company(self.company)
        customer.sudo().write({"collection_last_level_id": self.firm.id})
        policy = self.env["collection.followup.policy"].create(
            {"name": "Key accounts", "company_id": self.company.id}
        )
        Link = self.env["collection.portal.link"]
        Link._mint(customer, self.company)
        link = Link.search([("partner_id", "=", customer.id)])

        def unchanged():
            customer.invalidate_recordset()
            self.assertRecordValues(
                customer,
                [
                    {
                        "collection_excluded": False,
                        "collection_policy_id": False,
                        "collection_last_level_id": self.firm.id,
                    }
                ],
            )
            self.assertFalse(link.revoked)

        for attempt in (
            lambda user: self._as(user, customer).write({"collection_excluded": True}),
            lambda user: self._as(user, customer).write({"collection_policy_id": policy.id}),
            lambda user: self._as(user, customer).action_collection_reset_level(),
            lambda user: self._as(user, customer).action_collection_revoke_link(),
        ):
            self._refused("manager", attempt, unchanged)
        as_manager = self._as(self.manager, customer)
        as_manager.write({"collection_excluded": True, "collection_policy_id": policy.id})
        as_manager.action_collection_reset_level()
        as_manager.action_collection_revoke_link()
        self.assertRecordValues(
            customer,
            [
                {
                    "collection_excluded": True,
                    "collection_policy_id": policy.id,
                    "collection_last_level_id": False,
                }
            ],
        )
        self.assertTrue(link.revoked)

    # ------------------------------------------------------------------
    # Promises, disputes, plans, milestones: collectors
    # ------------------------------------------------------------------

    def test_promise(self):
        Promise = self.env["collection.promise"]

        def attempt(user):
            with freeze_time("2026-01-10"):
                Promise.with_user(user).create(
                    {"partner_id": self.customer.id, "amount": 1000.0, "date": "2026-01-20"}
                )

        no_promise = lambda: self.assertFalse(  # noqa: E731
            Promise.search([("partner_id", "=", self.customer.id)])
        )
        self._refused("collector", attempt, no_promise)
        with freeze_time("2026-01-10"):
            promise = Promise.with_user(self.collector).create(
                {"partner_id": self.customer.id, "amount": 1000.0, "date": "2026-01-20"}
            )
        self.assertRecordValues(promise, [{"state": "open", "amount": 1000.0}])
        # The billing clerk's payment keeps it.
        with freeze_time("2026-01-18"):
            self.env["account.payment.register"].with_user(self.clerk).with_context(
                active_model="account.move", active_ids=self.invoice.ids
            ).create({"amount": 1000.0, "payment_date": "2026-01-18"})._create_payments()
        self.assertEqual(promise.state, "kept")

    def test_dispute(self):
        Dispute = self.env["collection.dispute"]
        vals = {"move_id": self.invoice.id, "reason": "wrong_amount", "message": "Not quoted"}
        self._refused(
            "collector",
            lambda user: Dispute.with_user(user).create(vals),
            lambda: self.assertFalse(Dispute.search([("move_id", "=", self.invoice.id)])),
        )
        dispute = Dispute.with_user(self.collector).create(vals)
        self.assertRecordValues(
            dispute, [{"state": "open", "partner_id": self.customer.id, "reason": "wrong_amount"}]
        )

    def test_plan(self):
        Plan = self.env["collection.payment.plan"]
        vals = {
            "partner_id": self.customer.id,
            "move_ids": [Command.set(self.invoice.ids)],
            "installment_count": 2,
            "first_date": "2026-02-01",
        }
        self._refused(
            "collector",
            lambda user: Plan.with_user(user).create(vals),
            lambda: self.assertFalse(Plan.search([("partner_id", "=", self.customer.id)])),
        )
        with freeze_time("2026-01-20"):
            plan = Plan.with_user(self.collector).create(vals)
            plan.action_compute_schedule()
            plan.action_accept()
        self.assertEqual(plan.state, "accepted")
        self.assertEqual(
            [(str(i.date), i.amount) for i in plan.installment_ids],
            [("2026-02-01", 500.0), ("2026-03-01", 500.0)],
        )
        # The accepted schedule is nobody's to edit; a collector reschedules it.
        self._refused(
            None,
            lambda user: self._as(user, plan.installment_ids[:1]).unlink(),
            lambda: self.assertEqual(len(plan.installment_ids), 2),
        )
        self._refused(
            "collector",
            lambda user: self._as(user, plan)._reschedule("Agreed", self._date("2026-03-01"), 4),
            lambda: self.assertEqual(plan.state, "accepted"),
        )

    def test_milestones(self):
        Plan = self.env["collection.billing.plan"]
        vals = {
            "name": "Website redesign",
            "partner_id": self.customer.id,
            "amount_total": 1000.0,
            "currency_id": self.company.currency_id.id,
            "payment_term_id": self.pay_terms_a.id,
            "milestone_ids": [
                Command.create(
                    {"name": "Deposit", "sequence": 0, "is_deposit": True, "percent": 30}
                ),
                Command.create({"name": "Launch", "sequence": 1, "percent": 70}),
            ],
        }
        self._refused(
            "collector",
            lambda user: Plan.with_user(user).create(vals),
            lambda: self.assertFalse(Plan.search([("partner_id", "=", self.customer.id)])),
        )
        plan = Plan.with_user(self.collector).create(vals)
        plan.action_confirm()
        deposit = plan.milestone_ids.sorted("sequence")[0]
        with freeze_time("2026-03-02"):
            deposit.action_create_invoice()
        self.assertRecordValues(deposit.invoice_id, [{"state": "posted", "amount_untaxed": 300.0}])

    # ------------------------------------------------------------------
    # Fees and waivers, discounts, factoring, agencies, settings, levels: managers
    # ------------------------------------------------------------------

    def test_fee_waiver(self):
        rule = self.env["collection.late.fee.rule"].create({"name": "Fee", "fixed_amount": 40.0})
        with freeze_time("2026-02-10"):
            fee = rule._charge(self.invoice, self._date("2026-02-10"), "2026-02-10")
        Waive = self.env["collection.late.fee.waive"]

        def unchanged():
            self.assertRecordValues(fee, [{"state": "posted", "amount": 40.0}])

        self._refused("manager", lambda user: self._as(user, fee)._waive("Please"), unchanged)
        self._refused(
            "manager",
            lambda user: Waive.with_user(user)
            .create({"fee_ids": [Command.set(fee.ids)], "reason": "Please"})
            .action_waive(),
            unchanged,
        )
        self._refused(None, lambda user: self._as(user, fee).write({"amount": 0.0}), unchanged)
        Waive.with_user(self.manager).create(
            {"fee_ids": [Command.set(fee.ids)], "reason": "Goodwill"}
        ).action_waive()
        self.assertRecordValues(fee, [{"state": "waived", "waive_reason": "Goodwill"}])

    def test_discount_rule(self):
        Rule = self.env["collection.discount.rule"]
        vals = {
            "name": "Pay in 10 days",
            "tier_ids": [Command.create({"days": 10, "percent": 2.0})],
        }
        self._refused(
            "manager",
            lambda user: Rule.with_user(user).create(vals),
            lambda: self.assertFalse(Rule.search([("name", "=", "Pay in 10 days")])),
        )
        rule = Rule.with_user(self.manager).create(vals)
        self.assertEqual(rule.tier_ids.mapped("percent"), [2.0])

    def test_factoring(self):
        accounts = self.env["account.account"].create(
            [
                {"code": code, "name": name, "account_type": "asset_current", "reconcile": True}
                for code, name in (("409100", "Factor receivable"), ("409200", "Holdback"))
            ]
        )
        factor = self.env["collection.factor"].create(
            {
                "name": "Factor Bank",
                "partner_id": self.env["res.partner"].create({"name": "Factor Bank"}).id,
                "advance_rate": 80.0,
                "fee_percent": 2.0,
                "holdback_percent": 10.0,
                "journal_id": self.company_data["default_journal_misc"].id,
                "bank_journal_id": self.company_data["default_journal_bank"].id,
                "receivable_account_id": accounts[0].id,
                "holdback_account_id": accounts[1].id,
                "fee_account_id": self.company_data["default_account_expense"].id,
            }
        )
        invoice = self._create_invoice(self.other_customer, 2500.0, "2026-03-02", "2026-04-01")
        Batch = self.env["collection.factoring.batch"]
        vals = {
            "name": "FACT/2026/0001",
            "factor_id": factor.id,
            "date": "2026-03-15",
            "line_ids": [Command.create({"move_id": invoice.id})],
        }
        self._refused(
            "manager",
            lambda user: Batch.with_user(user).create(vals),
            lambda: self.assertFalse(Batch.search([("factor_id", "=", factor.id)])),
        )
        batch = Batch.with_user(self.manager).create(vals)
        self.assertRecordValues(batch.line_ids, [{"move_id": invoice.id, "amount_total": 2500.0}])

    def test_agency(self):
        Agency = self.env["collection.agency"]
        partner = self.env["res.partner"].create({"name": "Debt Hunters", "is_company": True})
        self._refused(
            "manager",
            lambda user: Agency.with_user(user).create({"partner_id": partner.id}),
            lambda: self.assertFalse(Agency.search([("partner_id", "=", partner.id)])),
        )
        Agency.with_user(self.manager).create({"partner_id": partner.id})
        Case = self.env["collection.agency.case"]

        def handover(user):
            with freeze_time("2026-04-05"):
                wizard = Form(
                    self.env["collection.agency.handover"]
                    .with_user(user)
                    .with_context(default_partner_id=self.customer.id)
                )
                wizard.agency_id = self.agency
                return wizard.save().action_confirm()

        self._refused(
            "collector",
            handover,
            lambda: self.assertFalse(Case.search([("partner_id", "=", self.customer.id)])),
        )
        case = Case.browse(handover(self.collector)["res_id"])
        self.assertRecordValues(
            case, [{"state": "handed_over", "amount_handover": 1000.0, "agency_id": self.agency.id}]
        )
        self.assertRecordValues(self._actions(), [{"channel": "agency", "agency_case_id": case.id}])

    def test_settings_and_levels(self):
        self._refused(
            "manager",
            lambda user: self._as(user, self.company).write({"collection_min_days_between": 9}),
            lambda: self.assertEqual(self.company.collection_min_days_between, 0),
        )
        self._refused(
            "manager",
            lambda user: self._as(user, self.gentle).write({"delay": 5}),
            lambda: self.assertEqual(self.gentle.delay, 3),
        )
        self._as(self.manager, self.company).write({"collection_min_days_between": 9})
        self._as(self.manager, self.gentle).write({"delay": 5})
        self.assertEqual(self.company.collection_min_days_between, 9)
        self.assertEqual(self.gentle.delay, 5)

    # ------------------------------------------------------------------
    # The engine's bookkeeping: nobody's by hand
    # ------------------------------------------------------------------

    def test_engine_bookkeeping(self):
        actions, _mails = self._run("2026-01-05")
        customer = self.customer.with_company(self.company)
        Action = self.env["collection.followup.action"]
        Acceptance = self.env["collection.terms.acceptance"]

        def unchanged():
            self.assertRecordValues(actions, [{"state": "done"}])
            self.assertEqual(Action.search_count([("partner_id", "=", customer.id)]), 1)
            self.assertEqual(customer.collection_last_level_id, self.gentle)
            self.assertFalse(Acceptance.search([("partner_id", "=", customer.id)]))

        for attempt in (
            lambda user: Action.with_user(user).create(
                {"partner_id": customer.id, "channel": "email", "state": "failed"}
            ),
            lambda user: self._as(user, actions).write({"state": "failed"}),
            lambda user: self._as(user, actions).unlink(),
            lambda user: self._as(user, customer).write({"collection_last_level_id": False}),
            lambda user: self._as(user, customer).write({"collection_last_date": False}),
            lambda user: Acceptance.with_user(user).create(
                {"partner_id": customer.id, "accepted_by": "Forged"}
            ),
        ):
            self._refused(None, attempt, unchanged)
