import logging
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import partial

from psycopg2 import errors as pgerrors

from odoo import api, fields, models, tools
from odoo.tools import SQL, mute_logger

from ..const import AGENCY_OPEN_STATES, CHANNELS, ELIGIBILITY_CHASE
from ..tools.followup_decision import (
    DEFERRED,
    FAILED,
    MAX_ATTEMPTS,
    PLANNED,
    SKIPPED,
    Budget,
    hold_back,
    listed_keys,
    send_outcome,
)
from ..tools.followup_logic import Item, build_situation, decide_items
from ..tools.gc_pause import gc_paused
from ..tools.qr import qr_png_data_uri
from .collection_discount_rule import format_percent

_logger = logging.getLogger(__name__)

# Another transaction holds or changed the customer's row: tried again later, not failed.
CONCURRENCY_ERRORS = (pgerrors.LockNotAvailable, pgerrors.SerializationFailure)

DEFAULT_TIME_BUDGET = 45.0  # seconds per cron call, well under limit_time_real_cron (120 s)
# Customers whose PDFs are rendered together (their invoices ahead, their letters after them).
CHUNK_CUSTOMERS = 100
# Seconds per invoice PDF assumed by a cron call before it has measured its own.
PDF_SECONDS_GUESS = 0.3
# What the decision phase and its holds read of each customer (see _decisions).
DECISION_PARTNER_FIELDS = (
    "commercial_partner_id",
    "collection_policy_id",
    "collection_excluded",
    "collection_on_hold",
    "collection_last_level_id",
    "collection_last_date",
    "collection_contact_date",
    "collection_contact_message_id",
)


@dataclass
class FollowupDecision:
    """What the follow-up run does for one customer of one company, and why."""

    partner: models.Model
    company: models.Model
    policy: models.Model
    situation: object  # followup_logic.Situation
    action: str  # "send", "reset" or "wait" (see followup_logic.decide_items)
    level: models.Model  # the level to send, or the level the customer is at
    next_date: object  # datetime.date or None
    lines: models.Model  # account.move.line listed in the reminder
    at_agency: bool = False  # an open collection agency case: the agency chases, we wait
    # edges: money on its way, a reply or proportion holds the reminder (collection.arrival)
    holds: list = field(default_factory=list)  # arrival_logic.Signal that make it wait
    held_level: object = None  # the level that waits
    # Each item escalates on its own days: {line_id: level} of the items that move up today
    # (to the level the reminder names them at), {line_id: levels} of the levels each of them
    # reaches or passes on the way (their fees are charged), {line_id: level} of the level
    # each open item reached before today.
    moves: dict = field(default_factory=dict)
    passed: dict = field(default_factory=dict)
    item_levels: dict = field(default_factory=dict)
    # The values of the templates that do not depend on the link (see render_context).
    _render_base: dict = field(default=None, repr=False, compare=False)

    def render_context(self, collections_url="", link_withheld=False):
        """Values for the level's templates, with the items table rendered in the customer's
        language. ``collections_url``: the link to the customer's collections page this
        reminder carries (its QR code is inlined); ``link_withheld``: the copy kept in the
        chatter, which says a link was sent without giving it.

        What does not depend on the link is computed once per decision: the email, its kept
        copy and the SMS of one reminder share it."""
        if self._render_base is None:
            self._render_base = self._render_values()
        values = {
            **self._render_base,
            "collections_url": collections_url,
            "collections_qr": qr_png_data_uri(collections_url) if collections_url else "",
            "collections_link_withheld": link_withheld,
        }
        env = self.partner.env
        lang_env = env(context=dict(env.context, lang=self.partner.lang or env.lang))
        values["items_table"] = lang_env["ir.qweb"]._render(
            "collection_followup.followup_items_table",
            {
                **values,
                "format_date": lambda value: tools.format_date(lang_env, value),
                "format_amount": lambda amount, currency: tools.format_amount(
                    lang_env, amount, currency
                ),
            },
        )
        return values

    def _render_values(self):
        env = self.partner.env
        today = fields.Date.context_today(self.partner)
        open_amounts = {item.key: amount for item, amount in self.situation.open_items}
        lines = self.lines.sorted(lambda line: (line.date_maturity or line.date, line.id))
        oldest = lines[:1].move_id
        oldest._collection_ensure_portal_tokens()
        values = {
            "company": self.company,
            "level": self.level,
            "items": [
                {
                    "move": line.move_id,
                    "due_date": line.date_maturity or line.date,
                    "days_late": (today - (line.date_maturity or line.date)).days,
                    "amount_currency": line.amount_residual_currency,
                    "currency": line.currency_id,
                    "amount": open_amounts[line.id],
                    # the level the reminder names the item at: where it moves up to, or
                    # the level it already reached (empty: none yet)
                    "level": self.moves.get(line.id) or self.item_levels.get(line.id),
                }
                for line in lines
            ],
            "overdue": self.situation.overdue,
            "total_due": self.situation.total_due,
            "currency": self.company.currency_id,
            "pay_url": oldest and oldest.get_base_url() + oldest.get_portal_url() or "",
        }
        lang = self.partner.lang or env.lang
        lang_env = env(context=dict(env.context, lang=lang))
        values["overdue_formatted"] = tools.format_amount(
            lang_env, self.situation.overdue, self.company.currency_id
        )
        values.update(self._discount_values(lang_env, lines.move_id, today))
        # edges: totals in the currencies owed (the company-currency figure is the action's).
        values.update(lang_env["collection.amounts"]._currency_values(self, today))
        # edges: the open credit notes and unmatched payments deducted from what is owed.
        values.update(lang_env["collection.proportion"]._credit_values(self))
        return values

    @staticmethod
    def _discount_values(lang_env, moves, today):
        """The early-payment discounts the customer still gets on the invoices of the reminder:
        ``discount_offers`` for the email (each offer of account.move._collection_discount_offer
        with its invoice and texts) and ``discount_text`` for the SMS, in the customer's
        language."""
        offers = []
        for move in moves:
            offer = move._collection_discount_offer(today)
            if not offer:
                continue
            offer = {
                **offer,
                "move": move,
                "percent_text": format_percent(lang_env, offer["percent"]),
                "amount_text": tools.format_amount(lang_env, offer["amount"], offer["currency"]),
                "amount_full_text": tools.format_amount(
                    lang_env, offer["amount_full"], offer["currency"]
                ),
                "deadline_text": tools.format_date(lang_env, offer["deadline"]),
            }
            offer["text"] = lang_env._(
                "Invoice %(invoice)s: pay %(amount)s by %(date)s instead of %(full)s "
                "(%(percent)s %% early-payment discount).",
                invoice=move.name,
                amount=offer["amount_text"],
                date=offer["deadline_text"],
                full=offer["amount_full_text"],
                percent=offer["percent_text"],
            )
            offers.append(offer)
        return {
            "discount_offers": offers,
            "discount_text": " ".join(offer["text"] for offer in offers),
        }


class CollectionFollowupEngine(models.AbstractModel):
    """The follow-up run: decide what each customer gets today, then do it, customer by
    customer, recording everything on a collection.followup.run."""

    _name = "collection.followup.engine"
    _description = "Collection Follow-up Engine"

    # ------------------------------------------------------------------
    # Decision phase: what each customer gets today, without sending anything
    # ------------------------------------------------------------------

    @api.model
    def _flush_receivables(self):
        """Write pending changes the raw receivable queries read."""
        self.env["account.move.line"].flush_model(
            [
                "account_id",
                "parent_state",
                "reconciled",
                "amount_residual",
                "date_maturity",
                "company_id",
                "partner_id",
                "move_id",
                "collection_level_id",
            ]
        )
        self.env["account.move"].flush_model(["collection_late_fee_origin_id"])
        self.env["collection.followup.level"].flush_model(["delay"])
        self.env["account.account"].flush_model(["account_type"])
        self.env["collection.eligibility"]._collection_flush()
        self.env["collection.agency.case"].flush_model(["state", "partner_id", "company_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])

    @api.model
    def _open_lines(self, company, partner_ids=None):
        """Open receivable lines of the company, per commercial partner, in one query.

        Returns ``{commercial_partner_id: [(line_id, due_date, amount_residual, at_agency,
        level_id, level_delay, due_on_issue), ...]}``, amounts in company currency;
        ``at_agency``: the customer has an open collection agency case in the company;
        ``level_id`` and ``level_delay``: the follow-up level the item last reached (None: none
        yet); ``due_on_issue``: the item was due the day it was booked, or is a fee document.
        Lines of invoices that may not be chased (see collection.eligibility: payment blocked,
        disputed, in a payment plan in force...) are left out, in the same query.
        """
        if partner_ids is not None and not partner_ids:
            return {}
        self._flush_receivables()
        # The customers' partners first, on their own (a CTE the planner does not merge): for
        # a few customers, their lines are then found through the index on the lines' partner
        # whatever the statistics say (stale, they once made one customer's lines a scan of
        # every receivable line); for the whole company, the partners are hashed once rather
        # than looked up line by line.
        customers = (
            SQL("WHERE commercial_partner_id IN %s", tuple(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                WITH partner AS MATERIALIZED (
                    SELECT id, commercial_partner_id FROM res_partner %(customers)s
                )
                SELECT partner.commercial_partner_id, line.id,
                       COALESCE(line.date_maturity, line.date), line.amount_residual,
                       partner.commercial_partner_id IN (
                        SELECT agency_case.partner_id
                          FROM collection_agency_case agency_case
                         WHERE agency_case.company_id = %(company)s
                           AND agency_case.state IN %(agency_open_states)s),
                       line.collection_level_id, item_level.delay,
                       (COALESCE(line.date_maturity, line.date) <= line.date
                        OR move.collection_late_fee_origin_id IS NOT NULL),
                       line.move_id, move.collection_late_fee_origin_id
                  FROM account_move_line line
                  JOIN partner ON partner.id = line.partner_id
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_move move ON move.id = line.move_id
             LEFT JOIN collection_followup_level item_level
                    ON item_level.id = line.collection_level_id
                 WHERE line.company_id = %(company)s
                   AND account.account_type = 'asset_receivable'
                   AND line.parent_state = 'posted'
                   AND NOT line.reconciled
                   AND line.amount_residual != 0
                   AND %(eligible)s
                """,
                customers=customers,
                company=company.id,
                eligible=self.env["collection.eligibility"]._collection_eligible_sql(
                    ELIGIBILITY_CHASE
                ),
                agency_open_states=AGENCY_OPEN_STATES,
            )
        )
        lines = defaultdict(list)
        for row in self.env.cr.fetchall():
            lines[row[0]].append(row[1:])
        return lines

    @api.model
    def _decisions(self, company, partner_ids=None, today=None, errors=None):
        """Decide, for every customer of ``company`` owing something, what the run does today.

        The number of queries does not depend on the number of customers: one query for the
        open lines, one for every customer's follow-up state (past the 1,000 records the ORM
        reads at a time: a test counts 10 and 1,050 customers), the rest per company.
        Returns ``{commercial_partner_id: FollowupDecision}``. With ``errors`` (a dict), a
        customer whose decision raises is left out and its error put there under its id;
        without, the error is raised.
        """
        today = today or fields.Date.context_today(self)
        # An item per open line, a decision per customer: no cycles, freed by their references
        # (see gc_paused; 5,000 customers decided a quarter to a third faster).
        with gc_paused():
            return self._decisions_of(company, partner_ids, today, errors)

    @api.model
    def _decisions_of(self, company, partner_ids, today, errors):
        """:meth:`_decisions` itself."""
        Partner = self.env["res.partner"]
        lines_by_partner = self._open_lines(company, partner_ids)
        if partner_ids is None:
            # Customers who paid everything still have a level to reset or a hold to lift.
            partners = Partner.browse(list(lines_by_partner)).with_company(company)
            partners |= Partner.with_company(company).search(
                ["|", ("collection_last_level_id", "!=", False), ("collection_on_hold", "=", True)]
            )
        else:
            partners = Partner.browse(partner_ids).with_company(company)
        # What the decision and its holds read of the customers, in one query: read customer
        # by customer, the ORM would fetch it 1,000 customers at a time.
        partners.fetch(DECISION_PARTNER_FIELDS)
        default_policy = company.sudo().collection_policy_id
        currency = company.currency_id
        situation_of = partial(
            build_situation,
            today=today,
            tolerance=max(currency.rounding / 2, company.collection_tolerance),
            digits=currency.decimal_places,
        )
        settings = {
            "step_by_step": not company.collection_skip_levels,
            "min_gap_days": company.collection_min_days_between,
        }
        paused = {
            promise_partner.id: pause_until
            for promise_partner, pause_until in self.env["collection.promise"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "open"),
                    ("pause_until", ">=", today),
                ],
                ["partner_id"],
                ["pause_until:max"],
            )
        }
        Line = self.env["account.move.line"]
        tables = {}  # policy -> (levels in escalation order, their delays, each level, by id)
        decisions = {}
        for partner in partners:
            try:
                decisions[partner.id] = self._decide(
                    partner,
                    company,
                    partner.collection_policy_id or default_policy,
                    lines_by_partner.get(partner.id, []),
                    paused.get(partner.id),
                    today,
                    situation_of,
                    settings,
                    tables,
                    Line,
                )
            except Exception as error:
                if errors is None:
                    raise
                errors[partner.id] = self._error_text(error)
        # edges: reminders wait while money is on its way, the customer replied, or the amount
        # or the day is out of proportion.
        return self.env["collection.arrival"]._hold_decisions(company, decisions, today)

    @api.model
    def _decide(self, partner, company, policy, rows, paused_until, today, situation_of,
                settings, tables, Line):  # fmt: skip
        """One customer's decision, from the rows of :meth:`_open_lines` (no query);
        ``situation_of``: :func:`build_situation` with the day and the company's amounts."""
        if policy not in tables:
            levels = policy._get_levels() if policy else policy.level_ids
            tables[policy] = (levels, levels.mapped("delay"), list(levels), {}, {}, levels.browse())
        # each level alone, the levels an item reached by id, the levels items pass by indexes,
        # no level: the same recordsets for every customer of the policy
        levels, delays, level_list, by_id, by_indexes, Level = tables[policy]
        at_agency = False
        reached = {}  # line: the id of the level it reached
        open_moves, fees, owed = set(), [], []
        for key, due_date, amount, agency, level_id, delay, on_issue, move_id, origin in rows:
            # An item due the day it was booked (an invoice due at once, a fee document or
            # interest note) has no due date ahead to warn of: no heads-up.
            item = Item(key, due_date, amount, delay, not on_issue)
            owed.append(item)
            if agency:
                at_agency = True
            if level_id:
                reached[key] = level_id
            if origin:
                fees.append((item, origin))
            else:
                open_moves.add(move_id)
        # A fee document or interest note rides with its late invoice while that is still
        # owed: listed in the invoice's reminders, it moves no level of its own (no second
        # round of reminders, no gentle reminder the day after a formal demand, for the fees).
        for item, origin in fees:
            item.rides = origin in open_moves
        situation = situation_of(owed)
        last = partner.collection_last_level_id
        items = decide_items(
            delays,
            [item for item, _amount in situation.open_items],
            last.delay if last else None,
            today,
            last_sent_date=partner.collection_last_date,
            **settings,
        )
        action, index, next_date = items.action, items.level, items.date
        action, next_date, held = hold_back(action, next_date, at_agency, paused_until)
        if held:
            index = levels.ids.index(last.id) if last in levels else None
        if action != "send":
            items.targets, items.passed = {}, {}
        item_levels = {}
        for key in items.sent:
            level_id = reached.get(key)
            if level_id:
                # the level an item reached may be another policy's: one record per level
                if level_id not in by_id:
                    by_id[level_id] = Level.browse(level_id)
                item_levels[key] = by_id[level_id]
        passed = {}
        for key, indexes in items.passed.items():
            indexes = tuple(indexes)
            if indexes not in by_indexes:
                by_indexes[indexes] = Level.browse([level_list[i].id for i in indexes])
            passed[key] = by_indexes[indexes]
        return FollowupDecision(
            partner=partner,
            company=company,
            policy=policy,
            situation=situation,
            action=action,
            level=level_list[index] if index is not None else Level,
            next_date=next_date,
            lines=Line.browse(listed_keys(situation.open_items, delays, today)),
            at_agency=at_agency,
            moves={key: level_list[target] for key, target in items.targets.items()},
            passed=passed,
            item_levels=item_levels,
        )

    @api.model
    def _failed_today(self, company):
        """``{(partner_id, level)}`` that failed on every channel and are not to be tried
        again today (back-off, or stopped after too many failures: see collection.retry)."""
        # edges: retries with a back-off.
        return self.env["collection.retry"]._levels_resting(
            company, fields.Date.context_today(self)
        )

    @api.model
    def _pending(self, company, run):
        """The customers the run has to process now: ``({partner_id: FollowupDecision},
        {partner_id: error})``; a customer the run already finished with is not taken again."""
        failed_today = self._failed_today(company)
        errors = {}
        decisions = self.with_company(company)._decisions(company, errors=errors)
        done = {line.partner_id.id for line in run.line_ids if not line._to_retry()}
        pending = {
            partner_id: decision
            for partner_id, decision in decisions.items()
            if partner_id not in done
            and (
                decision.action == "reset"
                or decision.partner.collection_on_hold
                and not decision.situation.overdue
                or (decision.action == "send" and (partner_id, decision.level) not in failed_today)
                or decision.holds  # edges: record why the reminder waits
            )
        }
        return pending, {pid: error for pid, error in errors.items() if pid not in done}

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------

    @api.model
    def _cron_run_followup(self, batch_size=None):
        """One call of the scheduled run, for every company: takes customers until the time
        budget (system parameter ``collection_followup.run_time_budget``, seconds) is spent,
        at most ``batch_size`` of them, and reports the rest to the scheduler, which commits
        and calls again. Promises are checked first, so that a broken one resumes the
        follow-up tonight."""
        self.env["collection.promise"]._cron_check_promises()
        seconds = float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("collection_followup.run_time_budget", DEFAULT_TIME_BUDGET)
        )
        budget = Budget(seconds=seconds, limit=batch_size)
        companies = self.env["collection.followup.policy"]._run_companies()
        return self._run_followup(companies, trigger="scheduled", budget=budget)

    @api.model
    def _run_followup(self, companies, trigger="run_now", budget=None):
        """Run the follow-up for ``companies``, one run record per company; return the actions.

        Safe to run twice: a customer is processed only after its row is locked (without
        waiting); a worker that holds it, or that sent the customer a reminder after this
        transaction began, makes this one defer the customer (see :meth:`_process_customer`),
        so a level already sent by another worker or an earlier run is never sent again.
        Each company runs in its own try and each customer in its own savepoint: whatever one
        raises is rolled back for it alone and recorded on the run (and, when the run had
        decided the level to send, on a failed action at that level), and the others go on. A
        scheduled run stops taking customers when ``budget`` is spent and reports the rest to
        the scheduler; the next call continues the same run record.
        """
        budget = budget or Budget()
        actions = self.env["collection.followup.action"]
        done = remaining = 0
        for company in companies:
            taken = budget.taken
            try:
                with self.env.cr.savepoint():
                    company_actions, left = self.with_company(company)._run_company(
                        company, trigger, budget
                    )
            except Exception as error:  # noqa: BLE001 - one company must not stop the others
                _logger.exception("Follow-up run of company %s failed", company.id)
                self._record_company_error(company, trigger, error)
                continue
            actions |= company_actions
            done += budget.taken - taken
            remaining += left
        if trigger == "scheduled":
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return actions

    @api.model
    def _current_run(self, company, trigger):
        """The scheduled run of tonight still under way for ``company`` (an empty recordset
        otherwise); one left running by an earlier day is closed."""
        if trigger != "scheduled":
            return self.env["collection.followup.run"]
        # The run records are the engine's bookkeeping (users only read them).
        runs = (
            self.env["collection.followup.run"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("trigger", "=", "scheduled"),
                    ("state", "=", "running"),
                ]
            )
        )
        today = fields.Date.context_today(self)
        stale = runs.filtered(lambda run: run.date != today)
        stale.write({"state": "done", "finished_at": fields.Datetime.now()})
        return (runs - stale)[:1]

    @api.model
    def _new_run(self, company, trigger, **values):
        # The run records are the engine's bookkeeping, whoever triggers it.
        return (
            self.env["collection.followup.run"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "trigger": trigger,
                    "user_id": self.env.user.id,
                    "date": fields.Date.context_today(self),
                    "started_at": fields.Datetime.now(),
                    **values,
                }
            )
        )

    @api.model
    def _run_company(self, company, trigger, budget):
        """Process the customers of ``company`` within ``budget``: returns the actions and
        how many customers are left for a later call of the same run."""
        started = time.monotonic()
        # edges: queued emails and SMS whose sending window has come.
        queued = self.env["collection.window"]._send_queued(company)
        run = self._current_run(company, trigger)
        pending, errors = self._pending(company, run)
        if not (pending or errors or run) and trigger == "scheduled":
            # edges: failed channels of sent levels are tried again after a back-off.
            return queued | self.env["collection.retry"]._retry_channels(company), 0
        run = run or self._new_run(company, trigger)
        for partner_id, error in errors.items():
            self._record(run, partner_id, FAILED, reason=error)
        actions, left = self._process(run, company, pending, budget)
        # edges: failed channels of sent levels are tried again after a back-off.
        actions |= queued | self.env["collection.retry"]._retry_channels(company)
        self._close_call(run, started, finished=not left or trigger != "scheduled")
        return actions, left if trigger == "scheduled" else 0

    @api.model
    def _run_partners(self, company, partner_ids, trigger, retry_of=None):
        """Run the follow-up now for these customers of ``company`` only; return the run."""
        self = self.with_company(company)  # noqa: PLW0642 - the company whose run it is
        started = time.monotonic()
        run = self._new_run(company, trigger, retry_of_id=retry_of and retry_of.id)
        # Decided together; a customer whose decision fails is decided again alone, under its
        # lock, and fails there with the reason.
        decisions = self._decisions(company, list(partner_ids), errors={})
        self._process(run, company, {pid: decisions.get(pid) for pid in partner_ids}, Budget())
        self._close_call(run, started, finished=True)
        return run

    @api.model
    def _close_call(self, run, started, finished):
        values = {
            "duration": run.duration + time.monotonic() - started,
            "call_count": run.call_count + 1,
        }
        if finished:
            values.update(state="done", finished_at=fields.Datetime.now())
        run.write(values)

    @api.model
    def _record_company_error(self, company, trigger, error):
        run = self._current_run(company, trigger) or self._new_run(company, trigger)
        run.write(
            {
                "error": self._error_text(error),
                "state": "done",
                "finished_at": fields.Datetime.now(),
            }
        )

    @api.model
    def _process(self, run, company, pending, budget):
        """Process the ``pending`` customers (``{partner_id: FollowupDecision}``, decided in
        this transaction; None: decided when processed), each in its own savepoint. Returns
        the actions and how many customers are left: not reached within ``budget``, or
        deferred with attempts left."""
        queue = deque(pending)
        attempts = {line.partner_id.id: line.attempts for line in run.line_ids}
        requeued = set()
        actions = self.env["collection.followup.action"]
        # The PDFs are rendered for a chunk of customers at once (see _prepare_chunk): the
        # invoice PDFs before its customers are processed, their letters after.
        engine = self.with_context(collection_defer_letters=True)
        prepared, letters, pace = set(), actions, {}
        while queue and budget.allows_another():
            partner_id = queue.popleft()
            if partner_id not in prepared:
                self._render_chunk_letters(run, letters, attempts)
                letters = actions.browse()
                prepared |= self._prepare_chunk(
                    company, [partner_id, *queue], budget, pace, pending
                )
            budget.take()
            tries = attempts[partner_id] = attempts.get(partner_id, 0) + 1
            try:
                with self.env.cr.savepoint():
                    outcome, reason, decision, customer_actions = engine._process_customer(
                        run, company, partner_id, pending.get(partner_id)
                    )
            except CONCURRENCY_ERRORS as error:
                if (
                    isinstance(error, pgerrors.LockNotAvailable)
                    and partner_id not in requeued
                    and tries < MAX_ATTEMPTS
                ):
                    # Locked by another transaction: tried again after the others.
                    requeued.add(partner_id)
                    queue.append(partner_id)
                    continue
                _logger.info("Follow-up of customer %s deferred: %s", partner_id, error)
                self._record(
                    run,
                    partner_id,
                    DEFERRED,
                    reason=self.env._(
                        "Changed or locked by another transaction at the same moment: "
                        "tried again later (%(error)s)",
                        error=self._error_text(error),
                    ),
                    attempts=tries,
                )
                continue
            except Exception as error:  # noqa: BLE001 - one customer must not stop the run
                _logger.info("Follow-up of customer %s failed: %s", partner_id, error)
                reason = self._error_text(error)
                self._record(run, partner_id, FAILED, reason=reason, attempts=tries)
                decision = pending.get(partner_id)
                actions |= self._record_failed_action(
                    run, company, partner_id, decision.level if decision else None, reason
                )
                continue
            actions |= customer_actions.with_env(self.env)
            letters |= customer_actions.filtered(
                lambda action: action.channel == "letter" and action.state == "done"
            )
            self._record(run, partner_id, outcome, reason=reason, attempts=tries, decision=decision)
        self._render_chunk_letters(run, letters, attempts)
        left = set(queue) | {
            line.partner_id.id
            for line in run.line_ids
            if line._to_retry() and line.partner_id.id in pending
        }
        return actions, len(left)

    @api.model
    def _prepare_chunk(self, company, candidates, budget, pace, decisions):
        """Render ahead the invoice PDFs that the reminder emails of the next customers of
        ``candidates`` (``decisions``: theirs, see :meth:`_process`) attach and that cannot be
        reused, in batches of ``PDF_BATCH_SIZE``
        documents across customers; returns the ids of those customers (the chunk: at least
        the first candidate), whose letters are then rendered together after them.

        A chunk holds at most ``CHUNK_CUSTOMERS`` customers and, within a time ``budget``, no
        more invoices to render than half of what is left of it renders (``pace``: seconds per
        document measured in this cron call), so that a call stays within its budget. When the
        reports are not rendered by wkhtmltopdf (HTML under test), or the chunk's PDFs cannot
        be rendered together, each email renders what it needs, one customer at a time."""
        left = budget.customers_left()
        window = candidates[: CHUNK_CUSTOMERS if left is None else max(1, left)]
        Report = self.env["ir.actions.report"]
        if not Report._collection_renders_pdfs():
            return set(window)
        try:
            with self.env.cr.savepoint():
                to_render, needs = self._chunk_invoices(company, window, decisions)
        except Exception:  # noqa: BLE001 - each customer then renders its own, alone
            _logger.info("Invoice PDFs of %s customers not prepared", len(window), exc_info=True)
            return set(window)
        seconds = budget.seconds_left()
        limit = None
        if seconds is not None:
            limit = max(1, int(seconds / 2 / pace.get("per_document", PDF_SECONDS_GUESS)))
        chunk, chosen = [], self.env["account.move"]
        for partner_id in window:
            new = needs.get(partner_id, chosen.browse()) & to_render
            if chunk and limit is not None and len(chosen | new) > limit:
                break
            chunk.append(partner_id)
            chosen |= new
        if chosen:
            started = time.monotonic()
            if Report._collection_prepare_invoice_pdfs(chosen):
                pace["per_document"] = (time.monotonic() - started) / len(chosen)
        return set(chunk)

    @api.model
    def _chunk_invoices(self, company, partner_ids, decisions):
        """``(invoices to render, {partner_id: invoices its email attaches})`` for the
        customers ``partner_ids`` reminded by email with their invoices today (``decisions``:
        theirs, see :meth:`_process`)."""
        Report = self.env["ir.actions.report"]
        needs = {}
        for partner_id in partner_ids:
            decision = decisions.get(partner_id)
            level = decision and decision.level
            if (
                decision
                and decision.action == "send"
                and level.attach_invoices
                and level.send_email
                and not level.requires_approval
                and not decision.at_agency
                and not decision.partner.collection_excluded
            ):
                needs[partner_id] = decision.lines.move_id
        moves = self.env["account.move"].union(*needs.values())
        to_render = Report._collection_invoices_to_render(moves)
        return to_render, needs

    @api.model
    def _render_chunk_letters(self, run, letters, attempts):
        """Render the letters of a chunk of customers at once (one wkhtmltopdf call, see
        ``collection.followup.action._render_letters``). A letter that cannot be rendered, even
        alone, is a failed channel of its customer's reminder: said on its run line, tried
        again with the other failed channels (collection.retry)."""
        # The actions are the engine's ledger: their letters are kept as superuser.
        letters = letters.sudo().exists()
        if not letters:
            return
        try:
            with self.env.cr.savepoint():
                letters._render_letters()
        except Exception as error:  # noqa: BLE001 - the customers' reminders stay done
            _logger.warning("Letters of follow-up run %s not rendered", run.id, exc_info=True)
            letters.write(
                {"state": "failed", "error": self.env._("Unexpected error: %(error)s", error=error)}
            )
        for letter in letters.filtered(lambda letter: letter.state == "failed"):
            partner_id = letter.partner_id.id
            customer_actions = letters.search(
                [("run_id", "=", run.id), ("partner_id", "=", partner_id)]
            )
            self._record(
                run,
                partner_id,
                send_outcome(
                    customer_actions.mapped("state"), letter.partner_id.collection_excluded
                ),
                reason="\n".join(action.error for action in customer_actions if action.error),
                attempts=attempts.get(partner_id, 1),
            )

    @api.model
    def _process_customer(self, run, company, partner_id, decision=None):
        """Lock the customer's row (without waiting) and carry ``decision`` out (taken now
        when None). Returns ``(outcome, reason, decision, actions)``.

        The decision was taken in this transaction, which sees the database as it was when
        the transaction began (Odoo's transactions are REPEATABLE READ): deciding again here
        would read the same. What makes a second worker safe is the lock: a worker holding
        the row makes this one defer the customer (lock not available), and a worker that
        reminded the customer and committed after this transaction began changed the row, so
        PostgreSQL refuses this transaction the lock (serialization failure: deferred to the
        next call, which sees the reminder sent)."""
        # NO KEY UPDATE: the lock an update of the row takes, so a concurrent edit, portal
        # visit or payment on the customer defers it, while a new invoice or message that
        # only references the customer does not.
        with mute_logger("odoo.sql_db"):  # a lock not available is an outcome, not an error
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                    partner_id,
                )
            )
        partner = self.env["res.partner"].browse(partner_id).with_company(company)
        actions = self.env["collection.followup.action"]
        decision = decision or self._decisions(company, [partner_id]).get(partner_id)
        reasons = []
        if partner.collection_on_hold and not decision.situation.overdue:
            partner._collection_release_hold(
                self.env._("Credit hold lifted: nothing is overdue any more.")
            )
            reasons.append(self.env._("Credit hold lifted."))
        if decision.action == "reset":
            partner.sudo().write({"collection_last_level_id": decision.level.id})
            reasons.append(self.env._("Nothing overdue any more: the escalation starts over."))
        elif decision.action == "send":
            actions = self._send(decision, run=run)
            outcome = send_outcome(actions.mapped("state"), partner.collection_excluded)
            problems = [action.error for action in actions if action.error]
            return outcome, "\n".join(problems), decision, actions
        elif decision.holds:  # edges: say once why the reminder waits
            actions = self.env["collection.arrival"]._record_holds(decision, run=run)
            reasons.append(self.env._("The reminder waits."))
        else:
            reasons.append(self.env._("Nothing to send today."))
        return SKIPPED, " ".join(reasons), decision, actions

    @api.model
    def _send(self, decision, channels=None, run=None):
        """Carry out (or prepare, for approval) the level of ``decision`` on its channels.

        The level counts as sent unless every channel failed: each item that moves up (up to
        the level sent) is then at its new level, and the customer at the highest level of its
        items. Before the reminder, each item that moves up is charged the late fees of the
        levels it reaches or passes on the way, one fee action per level (see
        :meth:`_fee_values`). A customer excluded from follow-up gets one skipped action per
        level, so the skip is recorded once.
        """
        level, partner = decision.level, decision.partner
        # The follow-up history is the engine's ledger, read-only for people: recorded as
        # superuser whoever triggered the reminder (the buttons check their group first).
        Action = self.env["collection.followup.action"].sudo()
        base = {
            "partner_id": partner.id,
            "company_id": decision.company.id,
            "level_id": level.id,
            "line_ids": [fields.Command.set(decision.lines.ids)],
            "amount_due": decision.situation.overdue,
            "run_id": run.id if run else False,
        }
        skipped = Action
        if not channels:
            # edges: a fallback for missing email/mobile; letters and legal steps only for
            # amounts worth them.
            channels, skipped = self.env["collection.proportion"]._split_channels(
                decision, self.env["collection.retry"]._substitute(decision, level._get_channels())
            )
            skipped.run_id = run
        # The fees are those of every level an item moves up to or past, not only the level
        # sent's (see _fee_values); the items move up to the level sent at most.
        channels = [channel for channel in channels if channel != "fee"]
        moves = {key: item for key, item in decision.moves.items() if item.delay <= level.delay}
        fees = self._fee_values(decision, moves, base)
        if partner.collection_excluded or not (channels or fees):
            reason = (
                self.env._("The customer is excluded from follow-up.")
                if partner.collection_excluded
                else self.env._("The level has no action.")
            )
            actions = Action.create(
                {
                    **base,
                    "channel": channels[0] if channels else "fee" if fees else "email",
                    "state": "skipped",
                    "error": reason,
                }
            )
        elif level.requires_approval:
            actions = Action.create(
                [
                    {**values, "state": "to_approve"}
                    for values in fees + [{**base, "channel": channel} for channel in channels]
                ]
            )
        else:
            # edges: emails and SMS outside the customer's sending window are queued.
            now_channels, queued_until = self.env["collection.window"]._split(decision, channels)
            actions = Action.create(
                fees + [{**base, "channel": channel} for channel in now_channels]
            )
            actions._execute({partner.id: decision})
            if queued_until:
                actions |= Action.create(
                    [
                        {**base, "channel": channel, "scheduled_at": queued_until}
                        for channel in channels
                        if channel not in now_channels
                    ]
                )
            if all(state == "failed" for state in actions.mapped("state")):
                return actions | skipped
        actions |= skipped
        self._mark_items(moves)
        last = partner.collection_last_level_id
        values = {"collection_last_date": fields.Date.context_today(self)}
        item_levels = [*{**decision.item_levels, **moves}.values()]
        if item_levels:
            values["collection_last_level_id"] = max(item_levels, key=lambda lv: lv.delay).id
        elif not last or level.delay > last.delay:
            values["collection_last_level_id"] = level.id
        # Follow-up state of the customer: the engine's bookkeeping, whoever triggered it.
        partner.sudo().write(values)
        return actions

    @api.model
    def _fee_values(self, decision, moves, base):
        """The fee actions of a reminder: for each level with a late fee rule that an item of
        ``moves`` (fee documents aside) reaches or passes on its way up, one action charging the
        rule on the invoices of those items (values for ``collection.followup.action``, lowest
        level first)."""
        by_level = defaultdict(list)
        # a fee document bears no fee (see collection.late.fee.rule); read for all items at once
        fee_documents = {
            line.id
            for line in decision.lines.browse(list(moves))
            if line.move_id.collection_late_fee_origin_id
        }
        for key in moves:
            if key in fee_documents:
                continue
            for level in decision.passed.get(key, ()):
                if level.late_fee_rule_id:
                    by_level[level].append(key)
        return [
            {**base, "level_id": level.id, "channel": "fee", "line_ids": [fields.Command.set(keys)]}
            for level, keys in sorted(by_level.items(), key=lambda pair: pair[0].delay)
        ]

    @api.model
    def _mark_items(self, moves):
        """Record the level each item of ``moves`` (``{line_id: level}``) reached today."""
        if not moves:
            return
        today = fields.Date.context_today(self)
        by_level = defaultdict(list)
        for key, level in moves.items():
            by_level[level.id].append(key)
        # The engine's bookkeeping on the receivable lines, whoever triggered the reminder: in
        # SQL, as the ORM's write of a journal item re-checks and re-syncs its whole entry.
        for level_id, keys in by_level.items():
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move_line SET collection_level_id = %s, "
                    "collection_level_date = %s WHERE id IN %s",
                    level_id,
                    today,
                    tuple(keys),
                )
            )
        self.env["account.move.line"].browse(list(moves)).invalidate_recordset(
            ["collection_level_id", "collection_level_date"]
        )

    @api.model
    def _reset_items(self, partner, company):
        """The open receivable items of ``partner`` (a commercial partner) in ``company`` start
        from the first level again (a manager's reset of the customer's level)."""
        self.env["account.move.line"].flush_model(["collection_level_id", "reconciled"])
        # The engine's bookkeeping on the receivable lines (see _mark_items).
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move_line
                   SET collection_level_id = NULL, collection_level_date = NULL
                 WHERE company_id = %s
                   AND collection_level_id IS NOT NULL
                   AND NOT reconciled
                   AND partner_id IN (
                        SELECT id FROM res_partner WHERE commercial_partner_id = %s)
                """,
                company.id,
                partner.id,
            )
        )
        self.env["account.move.line"].invalidate_model(
            ["collection_level_id", "collection_level_date"]
        )

    @api.model
    def _record(self, run, partner_id, outcome, reason="", attempts=1, decision=None):
        """Write the customer's line of ``run`` (one per customer: a retry updates it)."""
        values = {"outcome": outcome, "reason": reason or False, "attempts": attempts}
        if decision:
            values.update(self._line_values(decision))
        # Engine bookkeeping: run lines are written by the engine only. Looked up by customer
        # (indexed), not among the run's lines: a night's run has thousands.
        Line = self.env["collection.followup.run.line"].sudo()
        line = Line.search([("run_id", "=", run.id), ("partner_id", "=", partner_id)], limit=1)
        if line:
            line.write(values)
        else:
            Line.create({**values, "run_id": run.id, "partner_id": partner_id})

    @api.model
    def _line_values(self, decision):
        labels = dict(CHANNELS)
        level = decision.level
        return {
            "level_id": level.id,
            "channels": level and ", ".join(labels[channel] for channel in level._get_channels()),
            "requires_approval": level.requires_approval,
            "excluded": decision.partner.collection_excluded,
            "amount_due": decision.situation.overdue,
            "item_count": len(decision.lines),
            "due_since": decision.next_date,
        }

    @api.model
    def _record_failed_action(self, run, company, partner_id, level, reason):
        """A failed action at the ``level`` the run meant to send (None: the customer's level),
        so that the history shows the failure and the customer is tried again tomorrow rather
        than at every call."""
        Action = self.env["collection.followup.action"].sudo()  # the engine's ledger
        if level is None:
            level = self.env["res.partner"].browse(partner_id).collection_level_id
        # Read whatever the level's company: the customer may point at another company's.
        level_sudo = (level or Action.level_id).sudo()
        if not level_sudo or level_sudo.company_id != company:
            return Action
        try:
            with self.env.cr.savepoint():
                return Action.create(
                    {
                        "partner_id": partner_id,
                        "company_id": company.id,
                        "level_id": level_sudo.id,
                        "channel": (level_sudo._get_channels() or ["email"])[0],
                        "state": "failed",
                        "error": reason,
                        "run_id": run.id,
                    }
                )
        except Exception as error:  # noqa: BLE001 - the run line keeps the reason anyway
            _logger.info("Failed action of customer %s not recorded: %s", partner_id, error)
            return Action

    @api.model
    def _preview(self, company):
        """A run that sends nothing: one line per customer the run would remind now, with the
        level, channels, overdue amount and items; customers whose decision fails are listed
        as failed."""
        self = self.with_company(company)  # noqa: PLW0642 - the company whose run it is
        errors = {}
        decisions = self._decisions(company, errors=errors)
        run = self._new_run(company, "preview")
        lines = [
            fields.Command.create(
                {"partner_id": partner_id, "outcome": PLANNED, **self._line_values(decision)}
            )
            for partner_id, decision in decisions.items()
            if decision.action == "send"
        ]
        lines += [
            fields.Command.create({"partner_id": partner_id, "outcome": FAILED, "reason": error})
            for partner_id, error in errors.items()
        ]
        run.write({"line_ids": lines, "state": "done", "finished_at": fields.Datetime.now()})
        return run

    @api.model
    def _send_now(self, decision, channels):
        """Send ``decision``'s level on ``channels`` now (a collector's *Send now*), as a run
        of its own; return the actions."""
        started = time.monotonic()
        run = self._new_run(decision.company, "send_now")
        actions = self._send(decision, channels=channels, run=run)
        outcome = send_outcome(actions.mapped("state"), decision.partner.collection_excluded)
        problems = "\n".join(action.error for action in actions if action.error)
        self._record(run, decision.partner.id, outcome, reason=problems, decision=decision)
        self._close_call(run, started, finished=True)
        return actions

    @api.model
    def _isolated(self, record, what, func, *args):
        """Run ``func(*args)`` for ``record`` of a nightly cron in its own savepoint: whatever it
        raises is rolled back, logged, said in the record's chatter (``what``: what was not
        done) and does not stop the cron; a record another transaction holds is left for the
        next night. Returns whether it went through."""
        try:
            with self.env.cr.savepoint():
                func(*args)
            return True
        except CONCURRENCY_ERRORS as error:
            _logger.info("%s of %s left for later: %s", what, record, error)
        except Exception as error:  # noqa: BLE001 - one bad record must not stop the cron
            _logger.info("%s of %s failed: %s", what, record, error)
            # The note in the chatter is the cron's record of the failure.
            record.sudo().message_post(
                body=self.env._("%(what)s: %(error)s", what=what, error=self._error_text(error))
            )
        return False

    @staticmethod
    def _error_text(error):
        return str(error) or type(error).__name__
