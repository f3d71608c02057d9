from datetime import datetime, time, timedelta

from odoo import api, fields, models, tools

from ..tools.arrival_logic import CONTACTED, MINIMUM, Signal
from ..tools.proportion_logic import level_waits, split_channels

# Where the other features write to customers about their collections (plans, instalments,
# milestones): a message there today makes the follow-up reminder wait until tomorrow.
CUSTOMER_MESSAGE_MODELS = ("collection.payment.plan", "collection.billing.plan")


class CollectionProportion(models.AbstractModel):
    """Sense of proportion: a level's minimum overdue amount, a minimum for letters and legal
    steps, and at most one message about collections per customer and day."""

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
        contacted = self._contacted_today(list(sending), today)
        for partner_id, decision in sending.items():
            level = decision.level
            amount = self._amount(decision)
            if level_waits(
                level._get_channels(), amount, level.min_overdue, legal_minimum, rounding
            ):
                self._hold(decision, Signal(MINIMUM, level.id, today), None)
            elif partner_id in contacted:
                signal = Signal(CONTACTED, contacted[partner_id], today)
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
    def _contacted_today(self, partner_ids, today):
        """``{partner_id: message_id}``: customers who got a message of a plan or milestone
        today (email or SMS), with the first such message."""
        start = datetime.combine(today, time.min)
        # The run reads the plans' messages to decide, whoever asks.
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "in", CUSTOMER_MESSAGE_MODELS),
                    ("message_type", "in", ("comment", "notification", "sms")),
                    ("date", ">=", start),
                    ("date", "<", start + timedelta(days=1)),
                    ("partner_ids.commercial_partner_id", "in", partner_ids),
                ],
                order="id",
            )
        )
        contacted = {}
        for message in messages:
            for partner in message.partner_ids.commercial_partner_id:
                contacted.setdefault(partner.id, message.id)
        return contacted

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
        message = env["mail.message"].sudo().browse(signal.key)
        return env._(
            "%(customer)s already received “%(subject)s” today: the reminder goes tomorrow.",
            customer=decision.partner.name,
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
