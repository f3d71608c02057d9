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

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from .late_fee_logic import to_minor_down


@dataclass(slots=True)
class Item:
    """One open receivable line, amounts in company currency. The run's lines also carry what
    :class:`ItemState` says of them (the level reached, heads-up, riding), so that the items a
    situation leaves owed go to :func:`decide_items` as they are."""

    key: int
    due_date: date
    amount: float
    sent_delay: int | None = None
    heads_up: bool = True
    rides: bool = False


@dataclass
class Situation:
    """What a customer owes on a given day, after credits are applied to the oldest items."""

    open_items: list = field(default_factory=list)  # [(Item, open_amount)] owed, oldest first
    total_due: float = 0.0  # everything owed, credits deducted, never negative
    overdue: float = 0.0  # the part of total_due past its due date
    oldest_due_date: date | None = None  # due date of the oldest item still owed
    unapplied_credit: float = 0.0  # credit left after it has covered whole items


def build_situation(items, today, tolerance=0.0, digits=2):
    """Apply the customer's credits to the oldest items first and return the :class:`Situation`.

    An item whose remaining amount is at most ``tolerance`` counts as paid, so a rounding
    residual of a few cents never triggers a reminder.

    The amounts (rounded to the currency by the database) are added, subtracted and compared as
    integers in the currency's minor units (``digits``: its decimal places): 1.10 less a credit
    of 0.10 leaves 1.00, which a tolerance of 1.00 covers (with floats it left
    1.0000000000000002, a reminder for nothing).
    """
    scale = 10**digits
    limit = _minor_limit(tolerance, digits)
    debits, credit = [], 0
    for item in items:
        amount = round(item.amount * scale)
        if amount > 0:
            debits.append((item, amount))
        elif amount < 0:
            credit -= amount
    debits.sort(key=_oldest_first)
    situation = Situation()
    open_items, total_due, overdue = [], 0, 0
    for item, amount in debits:
        if credit:
            applied = min(credit, amount)
            credit -= applied
            remaining = amount - applied
        else:  # nothing (left) to apply: the usual case
            applied, remaining = 0, amount
        if remaining > limit:
            # untouched by a credit, the item's own float is the remaining amount's
            open_items.append((item, remaining / scale if applied else item.amount))
            total_due += remaining
            if item.due_date < today:
                overdue += remaining
    # an int divided by an int is the float nearest the exact quotient: 90 / 100 is 0.9
    situation.open_items = open_items
    situation.unapplied_credit = credit / scale
    situation.total_due = total_due / scale
    situation.overdue = overdue / scale
    if open_items:
        situation.oldest_due_date = open_items[0][0].due_date
    return situation


def _oldest_first(debit):
    item = debit[0]
    return item.due_date, item.key


# The tolerance in minor units, once per tolerance (every customer of a run has the same).
_minor_limit = lru_cache(maxsize=32)(to_minor_down)


def item_level(delays, due_date, today):
    """Index of the highest level an item due on ``due_date`` calls for today, or None.

    A level before the due date (negative delay) is a heads-up: it only applies while the
    item is not yet past due. Once it is late, only the levels after the due date count.
    """
    return _reached(delays, (today - due_date).days)


def _reached(delays, age):
    """:func:`item_level` of an item ``age`` days past due. The delays being sorted, the
    highest level at most ``age`` days is the one; a late item calls for none when that one is
    a heads-up (then every level it passed is)."""
    index = bisect_right(delays, age) - 1
    if index < 0 or (age > 0 and delays[index] < 0):
        return None
    return index


def sent_index(delays, last_sent_delay):
    """Position in the level table of the last level sent (identified by its delay).

    The level table may have been edited since; the last reminder then counts as the
    highest level whose delay does not exceed the delay of the level that was sent.
    """
    if last_sent_delay is None:
        return None
    index = bisect_right(delays, last_sent_delay) - 1
    return index if index >= 0 else None


def _max(values):
    values = [value for value in values if value is not None]
    return max(values) if values else None


@dataclass(slots=True)
class ItemState:
    """One open item owed and the level it last reached (its delay, None: no level yet).
    ``heads_up``: the levels before the due date apply to it (not to an item due the day it
    was issued: nothing ahead to warn of); ``rides``: it follows another item (a fee document
    while its late invoice is owed): listed with it, it moves no level of its own."""

    key: int
    due_date: date
    sent_delay: int | None = None
    heads_up: bool = True
    rides: bool = False


@dataclass
class ItemsDecision:
    """What the run does for one customer, item by item (see :func:`decide_items`).

    ``action``: ``send`` (a reminder today), ``reset`` (the customer's level moves down to
    ``level`` without sending) or ``wait``; ``level``: the level to send, the highest target,
    or else the highest level of the open items (None: none); ``date``: when sending, the first
    day the level sent became due for an item (before today if the run was late), else the
    day the next item moves up (None: never); ``targets``: ``{key: index}`` of the items that
    move up today; ``sent``: ``{key: index}`` of the level each item already had; ``passed``:
    ``{key: [index, ...]}`` the levels each moving item reaches or passes today (above its own,
    up to its target included)."""

    action: str
    level: int | None
    date: date | None
    targets: dict = field(default_factory=dict)
    sent: dict = field(default_factory=dict)
    passed: dict = field(default_factory=dict)


def item_target(delays, due_date, sent, today, step_by_step=False, heads_up=True):
    """The level an item moves up to today, or None when it stays where it is.

    ``sent``: the index of the level the item last reached (None: none yet). The item moves
    when it calls for a level above its own: to the highest it calls for, or, ``step_by_step``,
    to the next one that applies after its own. ``heads_up`` False: not to a level before the
    due date.
    """
    move = _move(delays, due_date, sent, today, step_by_step, heads_up)
    return move[0] if move else None


def _move(delays, due_date, sent, today, step_by_step=False, heads_up=True):
    """``(target, passed)`` of an item that moves up today, or None: the level it moves up to
    (see :func:`item_target`) and the indexes of the levels above ``sent`` up to it that apply
    to the item today (it reaches or passes them on the way)."""
    age = (today - due_date).days
    reached = _reached(delays, age)
    if reached is None or (sent is not None and reached <= sent):
        return None
    if not heads_up and delays[reached] < 0:
        return None
    # Every level up to the one reached is at most ``age`` days (sorted); of those, a late
    # item (or one with no heads-up) only passes the levels from the due date on.
    first = 0 if sent is None else sent + 1
    if age > 0 or not heads_up:
        first = max(first, bisect_left(delays, 0))
    if step_by_step:
        # The next level that applies after the item's own: none between them applies.
        return first, [first]
    return reached, list(range(first, reached + 1))


def decide_items(
    delays,
    items,
    last_sent_delay,
    today,
    *,
    step_by_step=False,
    last_sent_date=None,
    min_gap_days=0,
):
    """Decide what the run does for one customer, each item escalating on its own days.

    ``items``: the :class:`ItemState` (or :class:`Item`) of the open items owed. An item moves
    up when it calls for a level above the one it last reached (a heads-up only while nothing is
    overdue); the customer gets one reminder when any item moves, at the highest level the
    moving items reach (``send``), unless the last reminder (``last_sent_date``) is fewer than
    ``min_gap_days`` ago. Otherwise, when the customer's level (``last_sent_delay``) is above
    the highest level of its open items (the items behind it are paid), the level moves down to
    theirs (``reset``, None: back to the start); otherwise ``wait``, with the first day an item
    moves up.
    """
    sent = {item.key: sent_index(delays, item.sent_delay) for item in items}
    current = _max(sent.values())
    targets, passed = {}, {}
    for item in items:
        if item.rides:
            continue
        move = _move(delays, item.due_date, sent[item.key], today, step_by_step, item.heads_up)
        if move:
            targets[item.key], passed[item.key] = move
    overdue = any(item.due_date < today for item in items)
    if overdue:
        # A heads-up is for a customer owing nothing late: with an item overdue, the item due
        # soon is listed in the reminders of the overdue ones and waits for its first late level.
        for key in [key for key, target in targets.items() if delays[target] < 0]:
            del targets[key], passed[key]
    gap_until = None
    if last_sent_date and min_gap_days and (today - last_sent_date).days < min_gap_days:
        gap_until = last_sent_date + timedelta(days=min_gap_days)
    if targets and not gap_until:
        level = max(targets.values())
        since = min(
            item.due_date + timedelta(days=delays[targets[item.key]])
            for item in items
            if item.key in targets
        )
        return ItemsDecision("send", level, since, targets, sent, passed)
    customer = sent_index(delays, last_sent_delay)
    if customer is not None and (current is None or current < customer):
        action = "reset"
    else:
        action = "wait"
    next_date = gap_until if targets else _next_item_date(delays, items, sent, today, overdue)
    return ItemsDecision(action, current, next_date, {}, sent, {})


def _next_item_date(delays, items, sent, today, overdue=False):
    """First day one of the items calls for a level above its own (``overdue``: the customer
    has an item overdue, so no heads-up is to come)."""
    candidates = []
    for item in items:
        if item.rides:
            continue
        following = range(0 if sent[item.key] is None else sent[item.key] + 1, len(delays))
        candidates += [
            item.due_date + timedelta(days=delays[index])
            for index in following
            if delays[index] >= 0
            or (not overdue and item.heads_up and (today - item.due_date).days <= 0)
        ]
    return min(candidates) if candidates else None
