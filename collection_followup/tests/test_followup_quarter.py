import logging
from collections import defaultdict
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import float_compare

from .common import CollectionFollowupCommon

_logger = logging.getLogger(__name__)

START = date(2026, 1, 1)
END = date(2026, 3, 31)
# Nights without any run (the server was down): the levels that fell due go once after.
MISSED = {date(2026, 1, 26), date(2026, 1, 27), date(2026, 1, 28)}
# Days the scheduled run is started twice (a second worker, a manual restart).
TWICE = {date(2026, 1, 8), date(2026, 1, 15), date(2026, 1, 29), date(2026, 2, 4), date(2026, 3, 2)}
REMINDER_CHANNELS = ("email", "sms", "letter", "call")


def d(value):
    return date.fromisoformat(value)


@tagged("post_install", "-at_install")
class TestFollowupQuarter(CollectionFollowupCommon):
    """A quarter of nightly runs, day by day, over two companies: instalments, new invoices,
    part and full payments, promises, a dispute, plans, fees, a customer without email, one of
    both companies, one with an internal follower, an unmatched bank line, missed nights and
    re-runs; the invariants are checked on every day's actions, mails and SMS."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        us = env.ref("base.us")
        cls.branch = cls.setup_other_company(name="Branch Office")["company"]
        cls.branch.write({"email": "ar@branch.example"})
        cls.branch.partner_id.email = "ar@branch.example"
        env.user.company_ids |= cls.branch
        cls.euro = cls.setup_other_currency("EUR", rates=[("2025-01-01", 0.92)])
        cls.clerk = new_test_user(
            env, "q_clerk", groups="account.group_account_invoice", company_ids=cls.company.ids
        )
        cls.collector = new_test_user(
            env, "q_collector", groups="collection_followup.group_collection_user"
        )
        cls.insider = new_test_user(
            env,
            "q_insider",
            name="Ines Insider",
            email="ines@acme.example",
            groups="account.group_account_invoice",
            notification_type="email",
        )
        cls.fee_rule = env["collection.late.fee.rule"].create(
            {"name": "Firm level fee", "fixed_amount": 25.0, "percent": 1.5}
        )
        cls.firm.late_fee_rule_id = cls.fee_rule
        # The branch charges interest at the end of every month (12 % a year, actual/365).
        cls.branch.collection_policy_id.late_fee_rule_id = (
            env["collection.late.fee.rule"]
            .with_company(cls.branch)
            .create({"name": "Monthly interest", "interest": "fixed", "annual_rate": 12.0})
        )
        cls.term = env["account.payment.term"].create(
            {
                "name": "Half at 15, half at 45 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 15}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 45}),
                ],
            }
        )
        cls.customers = env["res.partner"]
        counter = iter(range(100, 200))

        def customer(name, email=True, **values):
            n = next(counter)
            partner = cls._create_customer(
                name,
                email and f"ap{n}@{name.split()[0].lower()}.example",
                mobile=f"(617) 555-0{n}",
                country_id=us.id,
                **values,
            )
            cls.customers |= partner
            return partner

        inv = cls._create_invoice
        c = cls.c = {}
        # Acme (USD)
        c["simple"] = customer("Simple Co")
        cls.inv_simple = inv(c["simple"], 1000.0, "2025-12-06", "2026-01-05")
        c["instal"] = customer("Instalment Co")
        cls.inv_instal = inv(c["instal"], 1200.0, "2026-01-01", payment_term=cls.term)
        c["partial"] = customer("Partial Co")
        cls.inv_partial = inv(c["partial"], 2000.0, "2025-12-10", "2026-01-10")
        c["full"] = customer("Full Co")
        cls.inv_full = inv(c["full"], 800.0, "2025-12-05", "2026-01-05")
        c["new"] = customer("Newer Co")
        cls.inv_new = inv(c["new"], 500.0, "2025-12-10", "2026-01-10")
        c["kept"] = customer("Kept Promise Co")
        cls.inv_kept = inv(c["kept"], 600.0, "2025-12-05", "2026-01-05")
        c["broken"] = customer("Broken Promise Co")
        cls.inv_broken = inv(c["broken"], 700.0, "2025-12-05", "2026-01-05")
        c["dispute"] = customer("Dispute Co")
        cls.inv_disputed = inv(c["dispute"], 900.0, "2025-12-05", "2026-01-05")
        cls.inv_undisputed = inv(c["dispute"], 100.0, "2025-12-05", "2026-01-05")
        c["plan_ok"] = customer("Plan Kept Co")
        cls.inv_plan_ok = inv(c["plan_ok"], 1500.0, "2025-12-05", "2026-01-05")
        c["plan_broken"] = customer("Plan Broken Co")
        cls.inv_plan_broken = inv(c["plan_broken"], 900.0, "2025-12-05", "2026-01-05")
        c["nomail"] = customer("No Mail Co", email=False)
        inv(c["nomail"], 300.0, "2025-12-05", "2026-01-05")
        c["both"] = customer("Both Companies Co")
        cls.inv_both = inv(c["both"], 400.0, "2025-12-05", "2026-01-05")
        c["follower"] = customer("Followed Co")
        cls.invoice_contact = env["res.partner"].create(
            {
                "name": "Followed AP",
                "type": "invoice",
                "parent_id": c["follower"].id,
                "email": "invoices@followed.example",
            }
        )
        c["follower"].message_subscribe(
            partner_ids=(cls.insider.partner_id | cls.branch.partner_id).ids,
            subtype_ids=(env.ref("mail.mt_comment") | env.ref("mail.mt_note")).ids,
        )
        cls.inv_follower = inv(c["follower"], 650.0, "2025-12-05", "2026-01-05")
        c["bank"] = customer("Bank Line Co")
        cls.inv_bank = inv(c["bank"], 1100.0, "2025-12-05", "2026-01-05")
        cls.fillers = {}
        # Fillers: due dates spread over the quarter, the missed nights included.
        for n, (amount, due, paid) in enumerate(
            [
                (250.0, "2026-01-16", None),  # firm falls on a missed night (01-26)
                (330.0, "2026-01-24", None),  # gentle falls on a missed night (01-27)
                (410.0, "2026-02-01", "2026-02-20"),
                (275.5, "2026-02-15", None),
                (199.99, "2026-03-01", None),
                (1234.56, "2026-01-20", "2026-03-10"),
                (88.0, "2026-03-15", None),
            ]
        ):
            partner = c[f"Filler{n}"] = customer(f"Filler{n} Co")
            move = cls.fillers[n] = inv(partner, amount, "2025-12-01", due)
            if paid:
                cls.filler_payments = getattr(cls, "filler_payments", []) + [(move, paid)]
        # Branch Office: a EUR customer, the customer of both companies, two fillers.
        c["eur"] = customer("Euro GmbH")
        cls.inv_eur = inv(
            c["eur"], 1000.0, "2025-12-05", "2026-01-05", currency=cls.euro, company=cls.branch
        )
        cls.inv_both_branch = inv(c["both"], 400.0, "2025-12-10", "2026-01-10", company=cls.branch)
        for n, due in enumerate(("2026-01-20", "2026-02-10")):
            partner = customer(f"Branch Filler{n} Co")
            inv(partner, 150.0 + n, "2025-12-01", due, company=cls.branch)
        cls.root = env.ref("base.user_root")
        cls.bank_journal = cls.company_data["default_journal_bank"]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _pay(self, invoice, amount, day):
        """The billing clerk registers a payment on ``invoice``."""
        with freeze_time(day):
            return (
                self.env["account.payment.register"]
                .with_user(self.clerk)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"amount": amount, "payment_date": day})
                ._create_payments()
            )

    def _night(self, day):
        """The crons of one night, as the scheduler's user, in the order of their hours."""
        env = self.env(user=self.root)
        if day.day == 1:
            env["collection.late.fee.rule"]._cron_accrue_monthly()
        env["collection.payment.plan"]._cron_check_payment_plans()
        env["collection.billing.plan"]._cron_invoice_dated_milestones()
        env["collection.billing.plan"]._cron_remind_upcoming_milestones()
        env["collection.followup.policy"]._cron_run_followup()
        env["collection.window"]._cron_send_queued()

    def _day_actions(self, day):
        return self.env["collection.followup.action"].search(
            [("partner_id", "in", self.customers.ids), ("date", "=", day)]
        )

    def _sent(self, actions):
        return actions.filtered(
            lambda a: a.channel in REMINDER_CHANNELS and a.state in ("done", "planned")
        )

    # ------------------------------------------------------------------
    # The quarter
    # ------------------------------------------------------------------

    def _daytime(self, day):
        """What users do during ``day`` (after the night's run)."""
        c = self.c
        Promise = self.env["collection.promise"].with_user(self.collector)
        if day == d("2026-01-06"):
            self.dispute = (
                self.env["collection.dispute"]
                .with_user(self.collector)
                .create(
                    {
                        "move_id": self.inv_disputed.id,
                        "reason": "wrong_amount",
                        "message": "We ordered 8, not 9",
                    }
                )
            )
        if day == d("2026-01-09"):
            self.promise_kept = Promise.create(
                {"partner_id": c["kept"].id, "amount": 600.0, "date": "2026-01-20"}
            )
            self.promise_broken = Promise.create(
                {"partner_id": c["broken"].id, "amount": 700.0, "date": "2026-01-16"}
            )
        if day == d("2026-01-10"):
            Plan = self.env["collection.payment.plan"].with_user(self.collector)
            self.plan_ok = Plan.create(
                {
                    "partner_id": c["plan_ok"].id,
                    "move_ids": [Command.set(self.inv_plan_ok.ids)],
                    "installment_count": 3,
                    "frequency": "monthly",
                    "first_date": "2026-01-25",
                }
            )
            self.plan_broken = Plan.create(
                {
                    "partner_id": c["plan_broken"].id,
                    "move_ids": [Command.set(self.inv_plan_broken.ids)],
                    "installment_count": 3,
                    "frequency": "monthly",
                    "first_date": "2026-01-25",
                }
            )
            for plan in self.plan_ok | self.plan_broken:
                plan.action_compute_schedule()
                plan.action_accept()
        if day == d("2026-01-12"):
            self._pay(self.inv_full, 800.0, "2026-01-12")
        if day == d("2026-01-14"):
            self.bank_line = self.env["account.bank.statement.line"].create(
                {
                    "journal_id": self.bank_journal.id,
                    "date": "2026-01-14",
                    "amount": 1100.0,
                    "partner_id": c["bank"].id,
                    "payment_ref": "Transfer",
                }
            )
        if day == d("2026-01-18"):
            self._pay(self.inv_kept, 600.0, "2026-01-18")
        if day == d("2026-01-20"):
            self._pay(self.inv_partial, 500.0, "2026-01-20")
        if day in (d("2026-01-25"), d("2026-02-25"), d("2026-03-25")):
            self._pay(self.inv_plan_ok, 500.0, day.isoformat())
        if day == d("2026-01-25"):
            self._pay(self.inv_plan_broken, 300.0, "2026-01-25")
        if day == d("2026-02-01"):
            self.inv_new_2 = self._create_invoice(c["new"], 450.0, "2026-02-01", "2026-02-15")
        if day == d("2026-02-10"):
            self.dispute.with_user(self.collector).action_resume()
        if day == d("2026-02-20"):
            self._pay(self.inv_partial, 1500.0, "2026-02-20")
        for move, paid in getattr(self, "filler_payments", []):
            if day == d(paid):
                self._pay(move, move.amount_residual, paid)

    def _holds(self, day):
        """Per customer, the items that must not be reminded on ``day`` (None: the customer
        as a whole)."""
        held = {}
        if getattr(self, "promise_kept", None) and day >= d("2026-01-09"):
            held[self.c["kept"]] = None  # paused, then paid in full
        if getattr(self, "promise_broken", None) and d("2026-01-09") <= day <= d("2026-01-19"):
            held[self.c["broken"]] = None
        if d("2026-01-06") < day < d("2026-02-10"):
            held[self.c["dispute"]] = self.inv_disputed.line_ids
        if getattr(self, "plan_ok", None):
            held[self.c["plan_ok"]] = self.inv_plan_ok.line_ids
        if getattr(self, "plan_broken", None) and self.plan_broken.state in ("accepted", "running"):
            held[self.c["plan_broken"]] = self.inv_plan_broken.line_ids
        if d("2026-01-14") <= day <= d("2026-01-16"):
            held[self.c["bank"]] = None
        if day > d("2026-01-12"):
            held[self.c["full"]] = None
        return held

    def _simulate(self):
        """Every day of the quarter: the night's crons (twice on some days, none on the missed
        nights), then what the users do; each day's actions, mails and SMS are checked as they
        come. Returns what was found wrong and, per customer, the reminders it received."""
        self.problems = []
        self.reminded = defaultdict(list)  # (item, level, channel) -> days
        self.days_sent = defaultdict(list)  # customer -> [(day, level, company, items)]
        self.eur_texts = []
        self.bodies = {}  # (customer, day) -> body of the reminder email
        self.reminder_mails = 0
        day = START
        while day <= END:
            with freeze_time(f"{day} 05:00:00"), self.mock_mail_gateway():
                if day not in MISSED:
                    holds = self._holds(day)
                    self._night(day)
                    first = self._day_actions(day)
                    if day in TWICE:
                        self._night(day)
                        again = self._day_actions(day) - first
                        if again:
                            self.problems.append(
                                f"{day}: the second run added {again.mapped('display_name')}"
                            )
                    self._check_day(day, self._day_actions(day), holds)
                    self._check_messages(day, self._new_mails)
            with freeze_time(f"{day} 10:00:00"), self.mock_mail_gateway():
                self._daytime(day)
                # What users do during the day sends nothing that counts as a collections
                # message (payments, a promise, a dispute on a wrong amount, plans accepted).
                self._check_messages(day, self._new_mails, daytime=True)
            day += timedelta(days=1)

    def _sent_days(self, partner, moves, company=None):
        """The days and levels of the reminders of ``partner`` that move an item of ``moves``
        (the fee documents of the customer escalate on their own days with per-item levels)."""
        return [
            (str(day), level.name)
            for day, level, sender, items in self.days_sent[partner]
            if items & moves.line_ids and (not company or sender == company)
        ]

    def test_a_quarter_of_nights(self):
        """A quarter of nights: no item reminded twice at a level, nothing sent while a promise,
        a dispute, a plan or money on its way holds it, one message a day per company, mails to
        the invoice address only, fees once and to the cent, amounts in the invoice currency."""
        self._simulate()
        self.assertEqual(self.problems, [])
        # Every reminder email was seen and checked.
        self.assertEqual(
            self.reminder_mails,
            sum(len(sent) for sent in self.days_sent.values()),
        )
        self._check_end()

    def test_items_reminded_on_their_own_days(self):
        """Each item escalates on its own days: Newer Co's invoice of 450.00, posted on
        1 February (due 15 February) after the customer had the formal demand, gets its own
        gentle, firm and formal reminders (no heads-up: the customer owes overdue items) and
        the firm level's fee; Dispute Co's 900.00 invoice, resumed on 10 February, is chased
        the next night, charged the fee of the firm level it passed on its way."""
        self._simulate()
        c = self.c
        new_items = self.inv_new_2.line_ids.filtered(lambda line: line.date_maturity)
        self.assertEqual(
            [
                (str(day), level.name)
                for day, level, _company, items in self.days_sent[c["new"]]
                if items & new_items
            ],
            [
                ("2026-02-18", self.gentle.name),
                ("2026-02-25", self.firm.name),
                ("2026-03-17", self.formal.name),
            ],
        )
        disputed = [
            str(day)
            for day, _level, _company, items in self.days_sent[c["dispute"]]
            if items & self.inv_disputed.line_ids and day > d("2026-02-10")
        ]
        self.assertEqual(disputed[:1], ["2026-02-11"])
        Fee = self.env["collection.late.fee"]
        # The firm level's fee on the new invoice: 25.00 + 1.5 % x 450.00 = 31.75; on the
        # resumed invoice, passed on its way to the formal demand: 25.00 + 1.5 % x 900 = 38.50.
        self.assertEqual(
            sum(Fee.search([("move_id", "=", self.inv_new_2.id)]).mapped("amount")), 31.75
        )
        self.assertEqual(
            sum(Fee.search([("move_id", "=", self.inv_disputed.id)]).mapped("amount")), 38.5
        )

    @staticmethod
    def _moved(action, day):
        """The items ``action`` reminds at a level, ``{line id: level}``: with escalation per
        item (``collection_level_id`` on the journal item), those whose level the run marked
        today, at their own level; otherwise every item it lists, at the action's level."""
        lines = action.line_ids
        if "collection_level_date" in lines._fields:
            return {
                line.id: line.collection_level_id
                for line in lines
                if line.collection_level_date == day
            }
        return dict.fromkeys(lines.ids, action.level_id)

    def _check_day(self, day, actions, holds):
        problems, reminded, days_sent, eur_texts = (
            self.problems,
            self.reminded,
            self.days_sent,
            self.eur_texts,
        )
        for a in actions:
            _logger.debug(  # the quarter day by day, at DEBUG
                "%s %s %s %s %s %s %s %s",
                day,
                a.partner_id.name,
                a.company_id.name,
                a.level_id.name,
                a.channel,
                a.state,
                a.line_ids.mapped(lambda line: f"{line.move_id.name}/{line.date_maturity}"),
                (a.error or "")[:80],
            )
        for action in self._sent(actions):
            partner = action.partner_id
            moved = self._moved(action, day)
            if action.channel == "email":
                self.bodies[(partner, str(day))] = str(action.mail_message_id.body)
                days_sent[partner].append(
                    (day, action.level_id, action.company_id, action.line_ids.browse(moved))
                )
                if not moved:
                    problems.append(f"{day}: {partner.name} reminded with no item moving up")
            if action.line_ids.company_id - action.company_id:
                problems.append(f"{day}: {partner.name} reminded of another company's items")
            if partner in holds:
                lines = holds[partner]
                if lines is None or lines & action.line_ids:
                    problems.append(f"{day}: {partner.name} reminded while held ({action.channel})")
            for line_id, level in moved.items():
                key = (line_id, level.id, action.channel)
                if reminded[key]:
                    line = action.line_ids.browse(line_id)
                    problems.append(
                        f"{day}: {line.move_id.name}/{line.date_maturity} reminded again at "
                        f"{level.name} by {action.channel} (first on {reminded[key][0]})"
                    )
                reminded[key].append(day)
            if partner == self.c["eur"] and action.channel in ("email", "sms"):
                text = (
                    action.sms_id.body if action.channel == "sms" else action.mail_message_id.body
                )
                eur_texts.append((str(day), action.channel, str(text).replace("\xa0", " ")))
        per_level = defaultdict(int)
        for action in self._sent(actions).filtered(lambda a: a.channel == "email"):
            per_level[(action.partner_id, action.company_id)] += 1
        for (partner, company), count in per_level.items():
            if count > 1:
                problems.append(f"{day}: {partner.name} got {count} reminders from {company.name}")

    def _check_messages(self, day, mails, daytime=False):
        problems = self.problems
        counted = defaultdict(set)
        for mail in mails:
            if mail.model == "res.partner" and mail.res_id in self.customers.ids:
                outsiders = mail.recipient_ids - self.env["res.partner"].browse(mail.res_id)
                outsiders -= outsiders.filtered(lambda p: p.commercial_partner_id in self.customers)
                if outsiders:
                    problems.append(f"{day}: {outsiders.mapped('name')} got “{mail.subject}”")
            customers = mail.recipient_ids.commercial_partner_id & self.customers
            if not customers:
                continue
            if mail.model == "account.move":
                continue  # invoices neither count nor wait
            if daytime:
                problems.append(f"{day}: {customers.mapped('name')} got “{mail.subject}” by day")
            for customer in customers:
                counted[(customer, mail.author_id)].add(mail.mail_message_id.id)
            action = self.env["collection.followup.action"].search(
                [("mail_message_id", "=", mail.mail_message_id.id)], limit=1
            )
            if action:
                self.reminder_mails += 1
                expected = action.partner_id.address_get(["invoice"])["invoice"]
                if mail.recipient_ids.ids != [expected] or mail.email_to or mail.email_cc:
                    problems.append(
                        f"{day}: reminder to {mail.recipient_ids.mapped('name')} "
                        f"{mail.email_to or ''} for {action.partner_id.name}"
                    )
                if mail.author_id != action.company_id.partner_id:
                    problems.append(
                        f"{day}: reminder of {action.company_id.name} from {mail.author_id.name}"
                    )
        for (customer, author), messages in counted.items():
            if len(messages) > 1:
                problems.append(
                    f"{day}: {customer.name} got {len(messages)} messages from {author.name}"
                )
        sms = self.env["sms.sms"].search([("partner_id", "in", self.customers.ids)])
        per_partner = defaultdict(int)
        for record in sms.filtered(lambda s: s.id not in self._seen_sms):
            per_partner[record.partner_id] += 1
            self._seen_sms.add(record.id)
        for partner, count in per_partner.items():
            companies = len(self._companies_of(partner))
            if count > companies:
                problems.append(f"{day}: {partner.name} got {count} SMS")

    def _companies_of(self, partner):
        return (
            self.env["account.move.line"]
            .search([("partner_id", "=", partner.id), ("account_type", "=", "asset_receivable")])
            .company_id
        )

    def setUp(self):
        super().setUp()
        self._seen_sms = set()

    def _check_end(self):
        c = self.c
        Fee = self.env["collection.late.fee"]
        # Fees: a rule charged once per invoice and level, whatever the re-runs and missed nights.
        seen = defaultdict(int)
        for fee in Fee.search([("partner_id", "in", self.customers.ids)]):
            for item in fee.action_id.line_ids & fee.move_id.line_ids:
                seen[(item.move_id.name, str(item.date_maturity), fee.action_id.level_id.name)] += 1
        self.assertTrue(seen)
        self.assertEqual([key for key, count in seen.items() if count > 1], [])
        # By hand: 25.00 + 1.5 % of the item.
        for move, expected in (
            (self.inv_simple, 40.0),  # 25.00 + 15.00, at the firm level on 15 January
            (self.inv_bank, 41.5),  # 25.00 + 16.50, on 17 January once the bank line's wait ended
            (self.inv_partial, 55.0),  # 25.00 + 30.00 on 20 January, before the part payment
            (self.inv_full, 0.0),  # paid on 12 January, before the firm level
            (self.inv_plan_ok, 0.0),  # in a plan from 10 January to its end
        ):
            fees = Fee.search([("move_id", "=", move.id)])
            self.assertEqual(len(fees), 1 if expected else 0, move.name)
            self.assertEqual(
                float_compare(sum(fees.mapped("amount")), expected, precision_digits=2),
                0,
                f"{move.name}: {fees.mapped('amount')}",
            )
        # The branch's monthly interest, booked on the 1st for the month before, in the
        # invoice's currency: January from the day after the due date, then February.
        for move, expected in (
            # 1,000.00 EUR x 12 % x 26/365 = 8.547945; x 54/365 = 17.753425, less 8.55
            (self.inv_eur, [("2026-01", 8.55), ("2026-02", 9.2)]),
            # 400.00 x 12 % x 21/365 = 2.761644; x 49/365 = 6.443836, less 2.76
            (self.inv_both_branch, [("2026-01", 2.76), ("2026-02", 3.68)]),
        ):
            fees = Fee.search([("move_id", "=", move.id)], order="period_key")
            self.assertEqual(fees.mapped("period_key"), [key for key, _amount in expected])
            for fee, (key, amount) in zip(fees, expected, strict=True):
                self.assertEqual(
                    float_compare(fee.amount, amount, precision_digits=2), 0, f"{key} {fee.amount}"
                )
            self.assertEqual(fees.currency_id, move.currency_id)
        # What the emails state: the invoice alone, then with the firm level's fee (overdue
        # since 15 January); the EUR customer's with January's interest, in euros.
        for partner, day, total in (
            (c["simple"], "2026-01-15", "$&nbsp;1,000.00"),
            (c["simple"], "2026-02-04", "$&nbsp;1,040.00"),
            (c["bank"], "2026-01-17", "$&nbsp;1,100.00"),
            # 2,000.00 less the 500.00 paid on 20 January, and the fee of 55.00
            (c["partial"], "2026-02-09", "$&nbsp;1,555.00"),
            (c["eur"], "2026-01-15", "1,000.00&nbsp;€"),
            (c["eur"], "2026-02-04", "1,008.55&nbsp;€"),
        ):
            self.assertIn(f"Total overdue: <strong>{total}</strong>", self.bodies[(partner, day)])
        # Each level once, on its day: the heads-up 3 days before the due date, then +3,
        # +10, +30.
        self.assertEqual(
            self._sent_days(c["simple"], self.inv_simple),
            [
                ("2026-01-02", self.heads_up.name),
                ("2026-01-08", self.gentle.name),
                ("2026-01-15", self.firm.name),
                ("2026-02-04", self.formal.name),
            ],
        )
        # The missed nights (26-28 January): the levels that fell due go once, on the 29th.
        self.assertEqual(
            self._sent_days(c["Filler0"], self.fillers[0])[2:3], [("2026-01-29", self.firm.name)]
        )  # due 16 January: the firm level was due on the 26th
        self.assertEqual(
            self._sent_days(c["Filler1"], self.fillers[1])[:2],
            [("2026-01-21", self.heads_up.name), ("2026-01-29", self.gentle.name)],
        )  # due 24 January: the gentle reminder was due on the 27th
        # Fully paid: nothing after the payment, the level starts over.
        self.assertEqual(
            self._sent_days(c["full"], self.inv_full),
            [("2026-01-02", self.heads_up.name), ("2026-01-08", self.gentle.name)],
        )
        for partner in (c["full"], c["kept"], c["plan_ok"]):
            partner.invalidate_recordset()
            self.assertFalse(
                partner.with_company(self.company).collection_last_level_id, partner.name
            )
        # Promises: the kept one silenced the customer to its payment, the broken one resumed
        # the follow-up at the level reached the night it broke.
        self.assertEqual(self.promise_kept.state, "kept")
        self.assertEqual(self.promise_broken.state, "broken")
        self.assertEqual(
            self._sent_days(c["kept"], self.inv_kept),
            [("2026-01-02", self.heads_up.name), ("2026-01-08", self.gentle.name)],
        )
        self.assertEqual(
            self._sent_days(c["broken"], self.inv_broken)[2:],
            [("2026-01-20", self.firm.name), ("2026-02-04", self.formal.name)],
        )
        # Plans: paid to the cent is completed; the missed instalment of 25 February breaks the
        # other after its 5 grace days, and the follow-up resumes the next day (the plan's notice
        # was the day's message).
        self.assertEqual(self.plan_ok.state, "completed")
        self.assertEqual(self.plan_broken.state, "broken")
        self.assertEqual(str(self.plan_broken.broken_due_date), "2026-02-25")
        self.assertEqual(
            self._sent_days(c["plan_ok"], self.inv_plan_ok),
            self._sent_days(c["plan_broken"], self.inv_plan_broken)[:2],
        )
        self.assertEqual(
            self._sent_days(c["plan_broken"], self.inv_plan_broken)[2:],
            [("2026-03-04", self.formal.name)],
        )
        # The dispute: the other invoice was chased alone while it was open.
        self.assertEqual(self.dispute.state, "resolved")
        during = [
            items.move_id
            for day, _level, _company, items in self.days_sent[c["dispute"]]
            if d("2026-01-06") < day < d("2026-02-10")
        ]
        self.assertTrue(during)
        self.assertTrue(all(self.inv_disputed not in moves for moves in during))
        # The bank line of 14 January held the firm level 3 days.
        self.assertEqual(
            self._sent_days(c["bank"], self.inv_bank)[2:],
            [("2026-01-17", self.firm.name), ("2026-02-04", self.formal.name)],
        )
        # The EUR customer: amounts in euros only, in the email and the SMS.
        # The SMS of the firm level: the invoice; of the formal demand: the invoice and
        # January's interest (8.55 EUR), both overdue.
        sms = {day: text for day, channel, text in self.eur_texts if channel == "sms"}
        self.assertIn("1,000.00 €", sms["2026-01-15"])
        self.assertIn("formal demand to pay 1,008.55 € within 7 days", sms["2026-02-04"])
        self.assertIn("email", {channel for _day, channel, _text in self.eur_texts})
        for day, channel, text in self.eur_texts:
            self.assertIn("€", text, f"{day} {channel}")
            self.assertNotIn("$", text, f"{day} {channel}")
        # The customer of both companies: each company's levels on its own days.
        self.assertEqual(
            self._sent_days(c["both"], self.inv_both, self.company),
            [
                ("2026-01-02", self.heads_up.name),
                ("2026-01-08", self.gentle.name),
                ("2026-01-15", self.firm.name),
                ("2026-02-04", self.formal.name),
            ],
        )
        self.assertEqual(
            self._sent_days(c["both"], self.inv_both_branch, self.branch),
            [
                ("2026-01-07", self.heads_up.name),
                ("2026-01-13", self.gentle.name),
                ("2026-01-20", self.firm.name),
                ("2026-02-09", self.formal.name),
            ],
        )
        # The internal follower and the branch, followers of Followed Co, were never written to.
        self.assertEqual(len(self._sent_days(c["follower"], self.inv_follower)), 4)
