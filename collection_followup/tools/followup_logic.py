"""Pure follow-up arithmetic: which level a customer has reached, and when the next one is due.

Nothing here touches the ORM or the database, so the rules can be read, reasoned about and
tested on their own (see the top-level ``tests/`` folder). The models feed plain values in
and turn the answers back into records.

Vocabulary
    item     one open receivable line (an invoice instalment, a partial remainder, a debit
             note...). Positive ``amount`` = owed by the customer; negative = a credit
             (credit note, unreconciled payment) not yet matched to anything.
    delays   the level table of a policy: days from the due date at which each level is
             reached, sorted ascending; negative = before the due date.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Item:
    """One open receivable line, amounts in company currency."""

    key: int
    due_date: date
    amount: float


@dataclass
class Situation:
    """What a customer owes on a given day, after credits are applied to the oldest items."""

    open_items: list = field(default_factory=list)  # [(Item, open_amount)] owed, oldest first
    total_due: float = 0.0  # everything owed, credits deducted, never negative
    overdue: float = 0.0  # the part of total_due past its due date
    oldest_due_date: date | None = None  # due date of the oldest item still owed
    unapplied_credit: float = 0.0  # credit left after it has covered whole items


def build_situation(items, today, tolerance=0.0):
    """Apply the customer's credits to the oldest items first and return the :class:`Situation`.

    An item whose remaining amount is at most ``tolerance`` counts as paid, so a rounding
    residual of a few cents never triggers a reminder.
    """
    debits = sorted((i for i in items if i.amount > 0), key=lambda i: (i.due_date, i.key))
    credit = -sum(i.amount for i in items if i.amount < 0)
    situation = Situation()
    for item in debits:
        applied = min(credit, item.amount)
        credit -= applied
        remaining = item.amount - applied
        if remaining > tolerance:
            situation.open_items.append((item, remaining))
    situation.unapplied_credit = credit
    situation.total_due = sum(amount for _item, amount in situation.open_items)
    situation.overdue = sum(
        amount for item, amount in situation.open_items if item.due_date < today
    )
    if situation.open_items:
        situation.oldest_due_date = situation.open_items[0][0].due_date
    return situation


def reached_index(delays, due_date, today):
    """Index of the highest level reached by an item due on ``due_date``, or None."""
    if due_date is None:
        return None
    age = (today - due_date).days
    reached = None
    for index, delay in enumerate(delays):
        if delay <= age:
            reached = index
    return reached


def sent_index(delays, last_sent_delay):
    """Position in the level table of the last level sent (identified by its delay).

    The level table may have been edited since; the last reminder then counts as the
    highest level whose delay does not exceed the delay of the level that was sent.
    """
    if last_sent_delay is None:
        return None
    index = None
    for position, delay in enumerate(delays):
        if delay <= last_sent_delay:
            index = position
    return index


def decide(delays, oldest_due_date, last_sent_delay, today):
    """Decide what the run does for one customer.

    Returns ``(action, level_index, next_date)``:

    - ``("send", i, d)``: level ``i`` is reached and has not been sent in this episode; ``d``
      is the day it became due (before today if the run was late).
    - ``("reset", i, d)``: the customer paid the items that had reached a higher level; the
      last level sent moves down to ``i`` (None: back to the start) without sending anything.
    - ``("wait", i, d)``: nothing to do; ``d`` is when the next level will be reached (None
      when the last level of the table has been sent or nothing is owed).
    """
    reached = reached_index(delays, oldest_due_date, today)
    sent = sent_index(delays, last_sent_delay)
    if reached is not None and (sent is None or reached > sent):
        return "send", reached, oldest_due_date + timedelta(days=delays[reached])
    if sent is not None and (reached is None or reached < sent):
        return "reset", reached, _next_date(delays, oldest_due_date, reached)
    return "wait", reached, _next_date(delays, oldest_due_date, reached)


def _next_date(delays, oldest_due_date, current):
    following = 0 if current is None else current + 1
    if oldest_due_date is None or following >= len(delays):
        return None
    return oldest_due_date + timedelta(days=delays[following])
