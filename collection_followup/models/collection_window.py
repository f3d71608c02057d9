from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from ..tools.window_logic import next_window

# Channels of the run that reach the customer at once (letters and calls wait for a person).
WINDOWED_CHANNELS = ("email", "sms")
# How far ahead a window is looked for (two weeks of holidays at most).
HORIZON_DAYS = 21


class CollectionWindow(models.AbstractModel):
    """Sending windows: the run's emails and SMS go within the company's working hours in the
    customer's time zone, never on the company's public holidays; outside, they are queued."""

    _name = "collection.window"
    _description = "Collections: Sending Windows"

    @api.model
    def _send_time(self, company, partner, now=None):
        """When a message of the run to ``partner`` may go (naive UTC): ``now`` inside a
        window or when the company does not use windows, else the next window's start."""
        now = now or fields.Datetime.now()
        calendar = company.resource_calendar_id
        if not company.collection_sending_window or not calendar:
            return now
        tz = pytz.timezone(partner.tz or calendar.tz or "UTC")
        start = pytz.utc.localize(now)
        # Working time of the company's calendar, less its public holidays (leaves of no one).
        intervals = calendar._work_intervals_batch(
            start, start + timedelta(days=HORIZON_DAYS), tz=tz
        )[False]
        moment = next_window([(begin, stop) for begin, stop, _meta in intervals], start)
        if moment is None:
            return now
        return moment.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _split(self, decision, channels):
        """``(now, queued_until)``: the channels to carry out now, and the moment the email and
        SMS of ``channels`` wait for (None: they go now)."""
        now = fields.Datetime.now()
        moment = self._send_time(decision.company, decision.partner._collection_recipient(), now)
        if moment <= now or not set(WINDOWED_CHANNELS) & set(channels):
            return channels, None
        return [c for c in channels if c not in WINDOWED_CHANNELS], moment

    @api.model
    def _send_queued(self, company):
        """Carry out the queued emails and SMS of ``company`` whose window has come."""
        actions = self.env["collection.followup.action"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "draft"),
                ("channel", "in", WINDOWED_CHANNELS),
                ("scheduled_at", "<=", fields.Datetime.now()),
            ]
        )
        actions -= self._postpone_contacted(company, actions)
        if not actions:
            return actions
        decisions = (
            self.env["collection.followup.engine"]
            .with_company(company)
            ._decisions(company, actions.partner_id.ids)
        )
        return actions.with_company(company)._execute(decisions)

    @api.model
    def _postpone_contacted(self, company, actions):
        """One message a day (collection.proportion): the queued ``actions`` of customers who
        already had another collections message today wait for the first window of tomorrow
        (in the customer's time zone), with the reason. Returns the postponed actions."""
        Proportion = self.env["collection.proportion"]
        contacted = Proportion._contacted_today(company, actions.partner_id)
        if not contacted:
            return actions.browse()
        # The reminder's own email or SMS, already gone, does not hold its other channel.
        own = {
            (action.partner_id.id, action.level_id.id)
            for action in actions.search(
                [("mail_message_id", "in", [m.id for m in contacted.values()])]
            )
        }
        postponed = actions.filtered(
            lambda action: action.partner_id.id in contacted
            and (action.partner_id.id, action.level_id.id) not in own
        )
        now = fields.Datetime.now()
        for action in postponed:
            recipient = action.partner_id._collection_recipient()
            calendar = company.resource_calendar_id
            tz = pytz.timezone(recipient.tz or calendar.tz or "UTC")
            local_now = pytz.utc.localize(now).astimezone(tz)
            tomorrow = tz.localize(datetime.combine(local_now.date() + timedelta(days=1), time.min))
            start = tomorrow.astimezone(pytz.utc).replace(tzinfo=None)
            # The engine's ledger: the queued action's new moment and why.
            action.sudo().write(
                {
                    "scheduled_at": self._send_time(company, recipient, start),
                    "error": Proportion._contacted_reason(
                        action.partner_id, contacted[action.partner_id.id]
                    ),
                }
            )
        return postponed

    @api.model
    def _cron_send_queued(self):
        """Hourly: the queued reminders whose window has come, for every company."""
        for company in self.env["collection.followup.policy"]._run_companies():
            self._send_queued(company)
