from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import CHANNELS
from ..tools.retry_logic import GIVE_UP, RETRY, retry_state, substitute, trailing_failures

# Channels that reach the customer and may fail for a reason that can go away.
RETRIED_CHANNELS = ("email", "sms", "letter", "call")
# How far back the run looks for failures (the back-off of the last allowed attempt is shorter).
LOOKBACK_DAYS = 120


class CollectionRetry(models.AbstractModel):
    """Failed channels are retried with a back-off, then handed to the collector; a customer
    without an email address or a valid mobile number gets the level's fallback instead."""

    _name = "collection.retry"
    _description = "Collections: Retries of Failed Channels"

    @api.model
    def _history(self, company, today):
        """``{(partner_id, level, channel): actions}`` (oldest first) of the company's
        customers with a failure in the last days, every channel that ran of those levels."""
        Action = self.env["collection.followup.action"]
        failed = Action.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "failed"),
                ("level_id", "!=", False),
                ("channel", "in", RETRIED_CHANNELS),
                ("date", ">=", today - timedelta(days=LOOKBACK_DAYS)),
            ]
        )
        if not failed:
            return {}
        history = defaultdict(lambda: Action)
        for action in Action.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", failed.partner_id.ids),
                ("level_id", "in", failed.level_id.ids),
                ("channel", "in", RETRIED_CHANNELS),
                ("state", "in", ("done", "failed")),
            ],
            order="date, id",
        ):
            history[action.partner_id.id, action.level_id, action.channel] |= action
        return history

    @api.model
    def _level_days(self, history):
        """``{(partner_id, level): (failed days in a row, last failed day)}``: the days on which
        every channel of the level failed, counted back from the last day it ran."""
        by_day = defaultdict(dict)
        for (partner_id, level, _channel), actions in history.items():
            for action in actions:
                states = by_day[partner_id, level]
                states[action.date] = states.get(action.date, True) and action.state == "failed"
        result = {}
        for key, states in by_day.items():
            days = sorted(states)
            count = trailing_failures(["failed" if states[day] else "done" for day in days])
            if count:
                result[key] = (count, days[-1])
        return result

    @api.model
    def _levels_resting(self, company, today):
        """``{(partner_id, level)}`` whose every channel failed and whose next attempt is not
        due today (or that stopped after too many failures)."""
        max_failures = company.collection_max_failures
        return {
            key
            for key, (count, last) in self._level_days(self._history(company, today)).items()
            if retry_state(count, last, max_failures, today) != RETRY
        }

    @api.model
    def _retry_channels(self, company):
        """Try again the failed channels of the level each customer last received, when their
        back-off has passed; stop, once, after too many failures in a row, with an activity
        for the collector (also for levels where every channel failed). Returns the actions."""
        today = fields.Date.context_today(self)
        max_failures = company.collection_max_failures
        history = self._history(company, today)
        # The engine's ledger: actions are written by the engine only (see the engine model).
        Action = self.env["collection.followup.action"].sudo()
        actions = Action
        partners = (
            self.env["res.partner"]
            .with_company(company)
            .browse(list({partner_id for partner_id, _level, _channel in history}))
        )
        last_levels = self._last_reminder_levels(company, partners)
        to_retry, given_up = [], []
        for (partner_id, level, channel), channel_actions in history.items():
            count = trailing_failures(channel_actions.mapped("state"))
            state = retry_state(count, channel_actions[-1:].date, max_failures, today)
            if state == GIVE_UP:
                given_up.append((channel_actions[-1], count))
            elif state == RETRY and last_levels.get(partner_id) == level:
                to_retry.append((partner_id, level, channel))
        if to_retry:
            decisions = (
                self.env["collection.followup.engine"]
                .with_company(company)
                ._decisions(
                    company, list({partner_id for partner_id, _level, _channel in to_retry})
                )
            )
            for partner_id, level, channel in to_retry:
                decision = decisions.get(partner_id)
                if not decision or not decision.lines or decision.holds or decision.at_agency:
                    continue
                action = Action.create(
                    {
                        "partner_id": partner_id,
                        "company_id": company.id,
                        "level_id": level.id,
                        "channel": channel,
                        "line_ids": [fields.Command.set(decision.lines.ids)],
                        "amount_due": decision.situation.overdue,
                    }
                )
                actions |= action._execute({partner_id: decision})
        for last_failed, count in given_up:
            actions |= self._give_up(last_failed, count)
        return actions

    @api.model
    def _last_reminder_levels(self, company, partners):
        """``{partner_id: level}`` of the last reminder each customer got, while an open item is
        still at that level or above (the customer's level): a failed channel of it is still
        worth trying again. Each item escalates on its own days, so the last reminder may be
        below the customer's level (a new invoice's gentle reminder after the formal demand)."""
        Action = self.env["collection.followup.action"]
        last_ids = [
            last_id
            for _partner, last_id in Action._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", partners.ids),
                    ("level_id", "!=", False),
                    ("channel", "in", RETRIED_CHANNELS),
                    ("state", "=", "done"),
                ],
                ["partner_id"],
                ["id:max"],
            )
        ]
        levels = {}
        for action in Action.browse(last_ids):
            reached = action.partner_id.with_company(company).collection_last_level_id
            if reached and action.level_id.delay <= reached.delay:
                levels[action.partner_id.id] = action.level_id
        return levels

    @api.model
    def _give_up(self, last_failed, count):
        """Record once that the channel of ``last_failed`` stops, with an activity for the
        collector saying why."""
        # The engine's ledger: actions are written by the engine only (see the engine model).
        Action = self.env["collection.followup.action"].sudo()
        key = f"gave_up:{last_failed.id}"
        if Action.search_count([("hold_key", "=", key)], limit=1):
            return Action
        partner = last_failed.partner_id.with_company(last_failed.company_id)
        reason = self.env._(
            "%(channel)s of “%(level)s” failed %(count)s times in a row, the last time: "
            "%(error)s It is not tried again.",
            channel=dict(CHANNELS)[last_failed.channel],
            level=last_failed.level_id.name,
            count=count,
            error=last_failed.error or "",
        )
        collector = partner._collection_collector()
        activity = False
        if collector:
            # The activity is the engine's message to the collector, on a customer it may
            # not edit.
            activity = partner.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.context_today(self),
                summary=self.env._("Reminder not delivered to %(customer)s", customer=partner.name),
                note=reason,
                user_id=collector.id,
            )
        return Action.create(
            {
                "partner_id": partner.id,
                "company_id": last_failed.company_id.id,
                "level_id": last_failed.level_id.id,
                "channel": last_failed.channel,
                "state": "skipped",
                "error": reason,
                "hold_key": key,
                "line_ids": [fields.Command.set(last_failed.line_ids.ids)],
                "amount_due": last_failed.amount_due,
                "activity_id": activity and activity.id,
            }
        )

    @api.model
    def _substitute(self, decision, channels):
        """The level's channels for this customer: the email and SMS it cannot get (no email
        address, no valid mobile number) replaced by the level's fallback, if it has one."""
        fallback = decision.level.fallback_channel
        if not fallback or not {"email", "sms"} & set(channels):
            return channels
        recipient = decision.partner._collection_recipient()
        try:
            recipient._collection_e164(decision.partner.country_id or decision.company.country_id)
            has_mobile = True
        except UserError:
            has_mobile = False
        return substitute(channels, bool(recipient.email), has_mobile, fallback)
