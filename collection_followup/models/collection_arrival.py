from datetime import datetime, time, timedelta

from odoo import api, fields, models, tools

from odoo.addons.base.models.res_bank import sanitize_account_number

from ..tools.arrival_logic import (
    BANK_LINE,
    CONTACTED,
    MINIMUM,
    PAYMENT,
    REPLY,
    TRANSACTION,
    Signal,
    holding,
    mentions,
)

# How far up a thread a reply is followed to find the reminder it answers.
MAX_THREAD_DEPTH = 20


class CollectionArrival(models.AbstractModel):
    """Money on its way, and replies: what makes a reminder wait before it goes.

    Before a reminder, the run looks for bank statement lines not matched yet that come from
    the customer (its partner or one of its bank accounts) or name one of the items, online
    payments pending or authorised for the items, payments registered but not reconciled, and
    replies of the customer to a reminder. Found, the reminder waits (company setting), the run
    records why once per sign, and the collector gets an activity to act on it.
    """

    _name = "collection.arrival"
    _description = "Collections: Money on Its Way"

    # ------------------------------------------------------------------
    # Decision: which reminders wait
    # ------------------------------------------------------------------

    @api.model
    def _hold_decisions(self, company, decisions, today):
        """Turn into waits the reminders of ``decisions`` (``{partner_id: FollowupDecision}``)
        that are out of proportion (see collection.proportion), or that money on its way or a
        reply holds back; each held decision gets its ``holds``
        (the signals) and ``held_level`` (the level that waits), stays at its last level and
        is due again on the day the wait ends."""
        self.env["collection.proportion"]._hold_decisions(company, decisions, today)
        wait_days = company.collection_arrival_wait_days
        sending = {pid: d for pid, d in decisions.items() if d.action == "send"}
        if not sending or wait_days <= 0:
            return decisions
        start = today - timedelta(days=wait_days - 1)
        signals = self._signals(company, sending, start, today)
        level_tables = {}
        for partner_id, decision in sending.items():
            held, resume = holding(signals.get(partner_id, []), wait_days, today)
            if not held:
                continue
            policy = decision.policy
            if policy not in level_tables:
                level_tables[policy] = policy._get_levels() if policy else policy.level_ids
            last = decision.partner.collection_last_level_id
            decision.held_level = decision.level
            decision.level = last if last in level_tables[policy] else last.browse()
            decision.action, decision.next_date = "wait", resume
            decision.holds = held
        return decisions

    @api.model
    def _signals(self, company, decisions, start, today):
        """``{partner_id: [Signal]}`` seen from ``start`` to ``today`` for the customers of
        ``decisions``; a constant number of queries whatever the number of customers."""
        signals = {}

        def add(partner_id, kind, key, day):
            signals.setdefault(partner_id, []).append(Signal(kind, key, day))

        partner_ids = set(decisions)
        bank_lines = self._incoming_bank_lines(company, start, today)
        start_dt = datetime.combine(start, time.min)
        # The run reads payments and transactions of the company to decide, whoever asks.
        transactions = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("state", "in", ("pending", "authorized")),
                    ("invoice_ids.commercial_partner_id", "in", list(partner_ids)),
                    ("last_state_change", ">=", start_dt),
                ]
            )
        )
        if bank_lines or transactions:
            # The invoices of the reminders, only when something may name or pay them: one
            # read for every reminder, then each decision reads the cache.
            all_lines = self.env["account.move.line"].browse(
                [line_id for decision in decisions.values() for line_id in decision.lines.ids]
            )
            all_lines.move_id.read(["name", "payment_reference"])
            moves = {pid: decision.lines.move_id for pid, decision in decisions.items()}
            for line, partner_id in self._bank_lines(company, moves, start, today, bank_lines):
                add(partner_id, BANK_LINE, line.id, line.date)
            move_partner = {move.id: pid for pid, pid_moves in moves.items() for move in pid_moves}
            for transaction in transactions:
                day = transaction.last_state_change.date()
                for partner_id in {move_partner.get(move.id) for move in transaction.invoice_ids}:
                    if partner_id and day <= today:
                        add(partner_id, TRANSACTION, transaction.id, day)
        payments = (
            self.env["account.payment"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_type", "=", "customer"),
                    ("payment_type", "=", "inbound"),
                    ("state", "in", ("in_process", "paid")),
                    ("is_reconciled", "=", False),
                    ("partner_id.commercial_partner_id", "in", list(partner_ids)),
                    ("date", ">=", start),
                    ("date", "<=", today),
                ]
            )
        )
        for payment in payments:
            add(payment.partner_id.commercial_partner_id.id, PAYMENT, payment.id, payment.date)
        for message, partner_id in self._replies(company, partner_ids, start_dt):
            day = fields.Datetime.context_timestamp(self, message.date).date()
            if day <= today:
                add(partner_id, REPLY, message.id, day)
        return signals

    @api.model
    def _incoming_bank_lines(self, company, start, today):
        """The company's incoming bank statement lines dated from ``start`` to ``today``, not
        matched yet."""
        # Bank lines are read by the run to decide; collectors need not see the bank journal.
        return (
            self.env["account.bank.statement.line"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("is_reconciled", "=", False),
                    ("amount", ">", 0),
                    ("date", ">=", start),
                    ("date", "<=", today),
                ]
            )
        )

    @api.model
    def _bank_lines(self, company, moves, start, today, lines=None):
        """``[(statement line, partner_id)]``: the company's incoming bank lines dated from
        ``start`` to ``today``, not matched yet (``lines``, when already read), that come from
        one of the customers of ``moves`` (``{partner_id: its reminder's invoices}``): by
        partner, by bank account, or by a label naming one of its invoices."""
        if lines is None:
            lines = self._incoming_bank_lines(company, start, today)
        if not lines:
            return []
        banks = (
            self.env["res.partner.bank"]
            .sudo()
            .search([("partner_id.commercial_partner_id", "in", list(moves))])
        )
        by_account = {
            bank.sanitized_acc_number: bank.partner_id.commercial_partner_id.id for bank in banks
        }
        references = {
            pid: [ref for move in pid_moves for ref in (move.name, move.payment_reference) if ref]
            for pid, pid_moves in moves.items()
        }
        found = []
        for line in lines:
            owner = (
                line.partner_id.commercial_partner_id.id
                or line.partner_bank_id.partner_id.commercial_partner_id.id
                or line.account_number
                and by_account.get(sanitize_account_number(line.account_number))
            )
            if owner:
                if owner in moves:
                    found.append((line, owner))
                continue
            found.extend(
                (line, pid) for pid, refs in references.items() if mentions(line.payment_ref, refs)
            )
        return found

    @api.model
    def _replies(self, company, partner_ids, start_dt):
        """``[(message, partner_id)]``: emails received from outside on the customers' threads
        since ``start_dt``, after a reminder email of ``company`` to that customer."""
        # The run reads the customers' threads to decide, whoever asks.
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "in", list(partner_ids)),
                    ("message_type", "=", "email"),
                    ("date", ">=", start_dt),
                ]
            )
        )
        companies = self._reply_companies(messages)
        return [
            (message, message.res_id)
            for message in messages
            if companies[message.id] == company
            and not message.author_id.user_ids.filtered(lambda user: not user.share)
        ]

    @api.model
    def _reply_companies(self, messages):
        """``{message_id: company}``: the company whose reminder each of ``messages`` (emails
        received on customers' threads) answers. A reply carries what it answers (its parent
        message, from the email's headers, up the thread): the company of the reminder found
        there, or none when it answers something else. Without a parent, the company of the
        customer's latest reminder email before it; none when it had no reminder email."""
        # Which company reminded whom is the engine's ledger, read to decide whoever asks.
        Action = self.env["collection.followup.action"].sudo()
        chains = {}
        for message in messages:
            chain, parent = [], message.sudo().parent_id
            while parent and parent not in chain and len(chain) < MAX_THREAD_DEPTH:
                chain.append(parent)
                parent = parent.parent_id
            chains[message.id] = chain
        parent_ids = [parent.id for chain in chains.values() for parent in chain]
        by_parent = {
            action.mail_message_id.id: action.company_id
            for action in Action.search(
                [("mail_message_id", "in", parent_ids), ("channel", "=", "email")]
            )
        }
        companies = {}
        for message in messages:
            chain = chains[message.id]
            if chain:
                company = next(
                    (by_parent[parent.id] for parent in chain if parent.id in by_parent),
                    self.env["res.company"],
                )
            else:
                company = Action.search(
                    [
                        ("partner_id", "=", message.res_id),
                        ("channel", "=", "email"),
                        ("state", "=", "done"),
                        ("mail_message_id.date", "<=", message.date),
                    ],
                    order="id desc",
                    limit=1,
                ).company_id
            companies[message.id] = company
        return companies

    # ------------------------------------------------------------------
    # Processing: say why, once, and tell the collector
    # ------------------------------------------------------------------

    @api.model
    def _record_holds(self, decision, run=None):
        """Record, once per signal, why the reminder of ``decision`` waits (a skipped action
        with the reason) and give the collector an activity to match the money; a reply
        already has its to-do (see res.partner._message_post_after_hook)."""
        # The engine's ledger: actions are written by the engine only (see the engine model).
        Action = self.env["collection.followup.action"].sudo()
        partner, company = decision.partner, decision.company
        keys = [f"{signal.kind}:{signal.key}" for signal in decision.holds]
        known = set(
            Action.search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("hold_key", "in", keys),
                ]
            ).mapped("hold_key")
        )
        level = decision.held_level
        channels = level._get_channels() or ["email"]
        actions = Action
        for signal, key in zip(decision.holds, keys, strict=True):
            if key in known:
                continue
            if signal.kind in (MINIMUM, CONTACTED):
                reason = self.env["collection.proportion"]._describe(signal, decision)
                target = None
            else:
                reason, target = self._describe(signal, decision)
            activity = self._match_activity(partner, target, reason) if target else False
            actions |= Action.create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "level_id": level.id,
                    "channel": channels[0],
                    "state": "skipped",
                    "error": reason,
                    "hold_key": key,
                    "line_ids": [fields.Command.set(decision.lines.ids)],
                    "amount_due": decision.situation.overdue,
                    "activity_id": activity and activity.id,
                    "run_id": run.id if run else False,
                }
            )
        return actions

    @api.model
    def _describe(self, signal, decision):
        """The reason a reminder waits for ``signal``, and the record to match (or None)."""
        env = self.env
        resume = tools.format_date(env, decision.next_date)
        if signal.kind == BANK_LINE:
            line = env["account.bank.statement.line"].sudo().browse(signal.key)
            return env._(
                "A bank payment of %(amount)s dated %(date)s (%(label)s) is not matched yet: "
                "the reminder waits until %(resume)s.",
                amount=tools.format_amount(env, line.amount, line.currency_id),
                date=tools.format_date(env, line.date),
                label=line.payment_ref or line.partner_name or "",
                resume=resume,
            ), line.move_id
        if signal.kind == TRANSACTION:
            transaction = env["payment.transaction"].sudo().browse(signal.key)
            state = dict(transaction._fields["state"]._description_selection(env))
            return env._(
                "An online payment of %(amount)s (%(reference)s) is %(state)s: the reminder "
                "waits until %(resume)s.",
                amount=tools.format_amount(env, transaction.amount, transaction.currency_id),
                reference=transaction.reference,
                state=state[transaction.state].lower(),
                resume=resume,
            ), transaction.invoice_ids[:1]
        if signal.kind == PAYMENT:
            payment = env["account.payment"].sudo().browse(signal.key)
            return env._(
                "The payment %(name)s of %(amount)s dated %(date)s is not reconciled yet: the "
                "reminder waits until %(resume)s.",
                name=payment.name,
                amount=tools.format_amount(env, payment.amount, payment.currency_id),
                date=tools.format_date(env, payment.date),
                resume=resume,
            ), payment
        message = env["mail.message"].sudo().browse(signal.key)
        return env._(
            "%(customer)s replied to a reminder on %(date)s: the reminder waits until "
            "%(resume)s.",
            customer=message.author_id.display_name or message.email_from,
            date=tools.format_date(env, signal.day),
            resume=resume,
        ), None

    @api.model
    def _match_activity(self, partner, target, reason):
        """A to-do for the customer's collector on ``target`` (the bank line's entry, the
        invoice, the payment): match this payment. None without a collector."""
        collector = partner._collection_collector()
        if not collector:
            return None
        # The activity is the engine's message to the collector, on a record it may not edit.
        return target.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=self.env._("Match this payment of %(customer)s", customer=partner.name),
            note=reason,
            user_id=collector.id,
        )
