"""Money on its way and customers' replies: when a reminder waits (pure functions).

Before a reminder, the run looks for signs that the customer has paid or answered: a bank
statement line not matched yet, an online payment pending or authorised, a payment registered
but not reconciled, a reply to a reminder. Each sign is a :class:`Signal` seen on a day; the
reminder waits ``wait_days`` from that day. Nothing here touches the ORM.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

# Signal kinds, in the order a collector would look at them.
BANK_LINE = "bank_line"
TRANSACTION = "transaction"
PAYMENT = "payment"
REPLY = "reply"
# Sense of proportion (collection.proportion): the level's minimum is not reached; the customer
# already had a message about its collections today.
MINIMUM = "minimum"
CONTACTED = "contacted"

# A reference shorter than this (once reduced to letters and digits) is too common to be
# recognised in a bank label ("12" is in many labels).
MIN_REFERENCE_LENGTH = 4


@dataclass(frozen=True)
class Signal:
    """A sign that money is on its way, or that the customer answered."""

    kind: str  # BANK_LINE, TRANSACTION, PAYMENT or REPLY
    key: int  # id of the record behind it
    day: date  # when it happened (value date of the bank line, date of the reply...)


def _reduced(text):
    """``text`` in lower case, letters and digits only: "INV/2026/0001" -> "inv20260001"."""
    return re.sub(r"[\W_]+", "", (text or "").casefold())


def mentions(label, references):
    """Whether the bank ``label`` names one of ``references`` (invoice numbers, payment
    references), whatever the separators and case: "paid inv 2026-0001" names "INV/2026/0001".
    References too short to be told apart from other figures are ignored."""
    reduced_label = _reduced(label)
    if not reduced_label:
        return False
    return any(
        len(reference) >= MIN_REFERENCE_LENGTH and reference in reduced_label
        for reference in map(_reduced, references)
    )


def resume_date(signals, wait_days):
    """The day the reminder may go again: ``wait_days`` after the latest signal (None when
    there is none)."""
    days = [signal.day for signal in signals]
    return max(days) + timedelta(days=wait_days) if days else None


def holding(signals, wait_days, today):
    """The signals that make the reminder wait ``today`` (seen less than ``wait_days`` ago,
    not in the future), and the day it may go again: ``(signals, resume_date)``; ``([],
    None)`` when nothing holds it."""
    if wait_days <= 0:
        return [], None
    held = [
        signal for signal in signals if signal.day <= today < signal.day + timedelta(days=wait_days)
    ]
    if not held:
        return [], None
    held.sort(key=lambda signal: (signal.day, signal.kind, signal.key))
    return held, resume_date(held, wait_days)
