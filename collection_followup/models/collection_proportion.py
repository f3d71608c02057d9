from datetime import timedelta

from odoo import api, fields, models, tools

from ..tools.arrival_logic import CONTACTED, MINIMUM, Signal
from ..tools.proportion_logic import level_waits, split_channels


class CollectionProportion(models.AbstractModel):
    """Sense of proportion: a level's minimum overdue amount, a minimum for letters and legal
    steps, and at most one message about collections per customer and day.

    One message a day: every feature that writes to a customer about its collections (the
    follow-up reminder, a payment plan's proposal, instalment reminder and notice of its end,
    a billing plan's notice of a coming milestone) calls :meth:`_record_contact` once sent.
    The reminder-like ones (the follow-up reminder, the instalment reminder, the milestone's
    notice) ask :meth:`_contacted_today` first and, the customer already written to today,
    wait until the next day (their cron picks them up again); a message that changes the
    customer's situation (the proposal, the end of a plan) goes and only counts.
    """

    _name = "collection.proportion"
    _description = "Collections: Sense of Proportion"

    @api.model
    def _hold_decisions(self, company, decisions, today):
        """Turn into waits the reminders of ``decisions`` that are out of proportion: the
        overdue amount is below the level's minimum (or the level only has letters and legal
        steps, below the company's minimum for them), or the customer already had a message
        about its collections today (it goes tomorrow)."""
        sending = {pid: d for pid, d in decisions.items() if d.action == "send"}
        if not sending:
            return decisions
        rounding = company.currency_id.rounding
        legal_minimum = company.collection_min_legal_amount
        partners = self.env["res.partner"].browse(list(sending))
        contacted = self._contacted_today(company, partners, today)
        measures = {}  # level -> (its channels, its minimum, measured on the overdue amount)
        for partner_id, decision in sending.items():
            level = decision.level
            if level not in measures:
                measures[level] = (level._get_channels(), level.min_overdue, level.delay >= 0)
            channels, minimum, on_overdue = measures[level]
            situation = decision.situation
            amount = situation.overdue if on_overdue else situation.total_due  # see _amount
            if level_waits(channels, amount, minimum, legal_minimum, rounding):
                self._hold(decision, Signal(MINIMUM, level.id, today), None)
            elif partner_id in contacted:
                signal = Signal(CONTACTED, contacted[partner_id].id, today)
                self._hold(decision, signal, today + timedelta(days=1))
        return decisions

    @api.model
    def _amount(self, decision):
        """What a level is measured against: the overdue amount, or what is owed for a level
        before the due date."""
        situation = decision.situation
        return situation.overdue if decision.level.delay >= 0 else situation.total_due

    @api.model
    def _hold(self, decision, signal, next_date):
        last = decision.partner.collection_last_level_id
        decision.held_level = decision.level
        decision.level = last if last.policy_id == decision.policy else last.browse()
        decision.action, decision.next_date = "wait", next_date
        decision.holds = [signal]

    @api.model
    def _contacted_today(self, company, partners, today=None):
        """``{partner_id: mail.message}``: the customers of ``partners`` (by their commercial
        entity) who already had a message about their collections from ``company`` on
        ``today`` (by default the user's today), with the day's first such message."""
        today = today or fields.Date.context_today(self)
        # The day's messages are the engine's bookkeeping: read whoever sends.
        customers = partners.commercial_partner_id.with_company(company).sudo()
        return {
            customer.id: customer.collection_contact_message_id
            for customer in customers
            if customer.collection_contact_date == today
        }

    @api.model
    def _record_contact(self, company, partner, message, today=None):
        """Record that ``partner`` (its commercial entity) had ``message`` about its
        collections from ``company`` on ``today``; the day's first message is kept."""
        today = today or fields.Date.context_today(self)
        # The engine's bookkeeping, written whoever sends (the field is read-only for people).
        customer = partner.commercial_partner_id.with_company(company).sudo()
        if customer.collection_contact_date != today:
            customer.write(
                {"collection_contact_date": today, "collection_contact_message_id": message.id}
            )

    @api.model
    def _wait_reason(self, partner, message, what):
        """The note of a reminder-like message of a plan that waits until tomorrow."""
        subject = message.sudo().subject or message.sudo().record_name
        if what == "instalment":
            return self.env._(
                "The instalment reminder waits until tomorrow: %(customer)s already received "
                "“%(subject)s” today.",
                customer=partner.commercial_partner_id.name,
                subject=subject,
            )
        return self.env._(
            "The notice of the coming milestone waits until tomorrow: %(customer)s already "
            "received “%(subject)s” today.",
            customer=partner.commercial_partner_id.name,
            subject=subject,
        )

    @api.model
    def _describe(self, signal, decision):
        env = self.env
        if signal.kind == MINIMUM:
            level = decision.held_level
            amount = self._amount(decision)
            currency = decision.company.currency_id
            if (
                tools.float_compare(amount, level.min_overdue, precision_rounding=currency.rounding)
                < 0
            ):
                minimum, what = level.min_overdue, env._("the level's minimum")
            else:
                minimum = decision.company.collection_min_legal_amount
                what = env._("the minimum for letters and legal steps")
            return env._(
                "%(amount)s is overdue, below %(what)s (%(minimum)s): “%(level)s” waits.",
                amount=tools.format_amount(env, amount, currency),
                what=what,
                minimum=tools.format_amount(env, minimum, currency),
                level=level.name,
            )
        message = env["mail.message"].browse(signal.key)
        return self._contacted_reason(decision.partner, message)

    @api.model
    def _contacted_reason(self, partner, message):
        """Why a follow-up reminder waits until tomorrow: ``message`` went to ``partner``
        today."""
        message = message.sudo()  # the day's message, named for the collector whoever reads
        return self.env._(
            "%(customer)s already received “%(subject)s” today: the reminder goes tomorrow.",
            customer=partner.commercial_partner_id.name,
            subject=message.subject or message.record_name,
        )

    @api.model
    def _split_channels(self, decision, channels):
        """The channels of an automatic reminder that the overdue amount is worth, and skipped
        actions (with the reason) for the letters and legal steps it is not."""
        company = decision.company
        kept, dropped = split_channels(
            channels,
            decision.situation.overdue,
            company.collection_min_legal_amount,
            company.currency_id.rounding,
        )
        if not dropped:
            return channels, self.env["collection.followup.action"]
        reason = self.env._(
            "%(amount)s is overdue, below the minimum for letters and legal steps "
            "(%(minimum)s).",
            amount=tools.format_amount(self.env, decision.situation.overdue, company.currency_id),
            minimum=tools.format_amount(
                self.env, company.collection_min_legal_amount, company.currency_id
            ),
        )
        # The engine's ledger: actions are written by the engine only (see the engine model).
        skipped = (
            self.env["collection.followup.action"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": decision.partner.id,
                        "company_id": company.id,
                        "level_id": decision.level.id,
                        "line_ids": [fields.Command.set(decision.lines.ids)],
                        "amount_due": decision.situation.overdue,
                        "channel": channel,
                        "state": "skipped",
                        "error": reason,
                    }
                    for channel in dropped
                ]
            )
        )
        return kept, skipped

    @api.model
    def _credit_values(self, decision):
        """The open credit notes and unmatched payments of the customer in the company,
        deducted from what it owes: ``credits`` for the reminder's table, each with its
        document, date and amount in its currency."""
        # The reminder shows what the customer is credited with, whoever prints it.
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("partner_id.commercial_partner_id", "=", decision.partner.id),
                    ("company_id", "=", decision.company.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual", "<", 0),
                ],
                order="date, id",
            )
        )
        return {
            "credits": [
                {
                    "kind": self.env._("Credit note")
                    if line.move_id.move_type == "out_refund"
                    else self.env._("Payment"),
                    "name": line.move_id.name,
                    "date": line.date,
                    "amount_currency": -line.amount_residual_currency,
                    "currency": line.currency_id,
                }
                for line in lines
            ]
        }
