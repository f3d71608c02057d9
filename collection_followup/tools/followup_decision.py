"""Pure rules of the follow-up run around the level arithmetic of :mod:`followup_logic`.

What holds a reminder back (an agency case, a promise to pay), which items a reminder lists,
what a customer's outcome in a run is, and how a run spends its time budget. Nothing here
touches the ORM or the database (tested in the top-level ``tests/`` folder).
"""

import time
from datetime import timedelta

from .followup_logic import item_level

# Outcomes of a customer in a run (collection.followup.run.line).
PLANNED = "planned"  # a preview: what the run would send
REMINDED = "reminded"  # a level was sent (or prepared for approval) on at least one channel
SKIPPED = "skipped"  # looked at, nothing to send (excluded, level reset, hold lifted...)
FAILED = "failed"  # every channel failed, or the customer raised an error
DEFERRED = "deferred"  # its row was locked or changed by another transaction: tried again later

# A customer whose row is locked by another transaction is tried again this many times in all
# (later in the same cron call for a lock, at the next call of the same run after a
# serialization failure) before the run leaves it deferred.
MAX_ATTEMPTS = 3


def hold_back(action, next_date, at_agency, paused_until):
    """What the run does instead of sending while something else has the customer.

    ``action``/``next_date``: what the level table says (see ``followup_logic.decide_items``);
    ``at_agency``: a collection agency has an open case (it chases; we wait until it comes
    back); ``paused_until``: the last day of the open promise to pay covering today, or None
    (nothing until the day after). Returns ``(action, next_date, held)``; ``held``: the
    customer stays at its last level.
    """
    if action != "send":
        return action, next_date, False
    if at_agency:
        return "wait", None, True
    if paused_until:
        return "wait", paused_until + timedelta(days=1), True
    return action, next_date, False


def listed_keys(open_items, delays, today):
    """Keys of the items a reminder lists: the overdue ones, and those not yet due whose
    heads-up level is reached. ``open_items``: ``Situation.open_items``."""
    return [
        item.key
        for item, _amount in open_items
        if item.due_date < today or item_level(delays, item.due_date, today) is not None
    ]


def send_outcome(states, excluded=False):
    """The customer's outcome once its level was carried out on channels ending in ``states``.

    Sent as soon as one channel is done or prepared for approval; failed when every channel
    failed; skipped otherwise (excluded customer, nothing left to send)."""
    if excluded or not states:
        return SKIPPED
    if any(state in ("done", "to_approve") for state in states):
        return REMINDED
    if all(state == "failed" for state in states):
        return FAILED
    return SKIPPED


class Budget:
    """Wall-clock budget of one cron call: take customers until ``seconds`` have passed
    (``None``: no limit) or ``limit`` customers were taken (``None``: no limit). The first
    customer is always taken, so that every call makes progress."""

    def __init__(self, seconds=None, limit=None, clock=time.monotonic):
        self._clock = clock
        self._deadline = None if seconds is None else clock() + seconds
        self._limit = limit
        self.taken = 0

    def allows_another(self):
        if not self.taken:
            return True
        if self._limit is not None and self.taken >= self._limit:
            return False
        return self._deadline is None or self._clock() < self._deadline

    def take(self):
        self.taken += 1

    def seconds_left(self):
        """Seconds until the deadline (at least 0), ``None`` without one."""
        return None if self._deadline is None else max(self._deadline - self._clock(), 0.0)

    def customers_left(self):
        """Customers still allowed by the limit, ``None`` without one."""
        return None if self._limit is None else max(self._limit - self.taken, 0)
