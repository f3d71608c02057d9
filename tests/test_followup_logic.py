"""The follow-up decision rules, without a database."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations_with_replacement

import pytest

from odoo.addons.collection_followup.tools.followup_logic import (
    Item,
    ItemState,
    _move,
    build_situation,
    decide_items,
    item_level,
    sent_index,
)

DELAYS = [-3, 3, 10, 30]  # the default level table
TODAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2026, 3, 19), None),  # due in 4 days: too early even for the heads-up
        (date(2026, 3, 18), 0),  # due in 3 days: heads-up
        (date(2026, 3, 15), 0),  # due today: still a heads-up
        (date(2026, 3, 14), None),  # 1 day late: the heads-up no longer applies
        (date(2026, 3, 12), 1),  # 3 days late: gentle reminder
        (date(2026, 3, 5), 2),  # 10 days late: firmer reminder
        (date(2026, 2, 13), 3),  # 30 days late: formal demand
        (date(2025, 3, 15), 3),  # a year late: still the last level
    ],
)
def test_item_level(due, expected):
    assert item_level(DELAYS, due, TODAY) == expected


def test_sent_index_survives_an_edited_table():
    assert sent_index(DELAYS, 10) == 2
    assert sent_index(DELAYS, 15) == 2  # level of 15 days was deleted: counts as the 10-day one
    assert sent_index(DELAYS, -5) is None
    assert sent_index(DELAYS, None) is None


def test_credits_pay_the_oldest_items_first():
    items = [
        Item(1, date(2026, 1, 1), 250.0),
        Item(2, date(2026, 2, 1), 800.0),
        Item(3, date(2026, 4, 1), 100.0),
        Item(4, date(2026, 1, 20), -300.0),  # a credit note, not yet matched
    ]
    situation = build_situation(items, TODAY)
    assert [(item.key, amount) for item, amount in situation.open_items] == [(2, 750.0), (3, 100.0)]
    assert situation.total_due == 850.0
    assert situation.overdue == 750.0
    assert situation.oldest_due_date == date(2026, 2, 1)
    assert situation.unapplied_credit == 0.0


def test_credit_larger_than_the_debt_is_left_unapplied():
    situation = build_situation(
        [Item(1, date(2026, 1, 1), 100.0), Item(2, date(2026, 1, 5), -160.0)], TODAY
    )
    assert situation.open_items == []
    assert situation.total_due == 0.0
    assert situation.oldest_due_date is None
    assert situation.unapplied_credit == 60.0


def test_residual_within_tolerance_counts_as_paid():
    situation = build_situation([Item(1, date(2026, 1, 1), 0.004)], TODAY, tolerance=0.005)
    assert situation.open_items == []


def decide(delays, due_dates, sent_delays, last_sent_delay, today=TODAY, **settings):
    """``decide_items`` for items keyed 1, 2... with these due dates and levels reached."""
    items = [
        ItemState(key, due, sent)
        for key, (due, sent) in enumerate(zip(due_dates, sent_delays, strict=True), 1)
    ]
    return decide_items(delays, items, last_sent_delay, today, **settings)


def test_first_reminder_is_sent_on_the_day_it_became_due():
    result = decide(DELAYS, [date(2026, 3, 12)], [None], None)
    assert (result.action, result.level, result.date) == ("send", 1, date(2026, 3, 15))
    assert (result.targets, result.passed) == ({1: 1}, {1: [1]})


def test_a_late_run_sends_only_the_highest_level_and_says_since_when():
    result = decide(DELAYS, [date(2026, 2, 1)], [None], None)
    assert (result.action, result.level, result.date) == ("send", 3, date(2026, 3, 3))
    # the item passes the gentle and firm levels on its way (the heads-up is before its due
    # date: not passed by a late item)
    assert result.passed == {1: [1, 2, 3]}


def test_same_level_is_not_sent_twice():
    result = decide(DELAYS, [date(2026, 3, 12)], [3], 3)
    assert (result.action, result.level, result.date) == ("wait", 1, date(2026, 3, 22))
    assert result.targets == {}


def test_heads_up_sent_then_late_waits_for_the_gentle_reminder():
    # The heads-up went out; one day late the item no longer calls for it, but nothing resets.
    result = decide(DELAYS, [date(2026, 3, 14)], [-3], -3)
    assert (result.action, result.level, result.date) == ("wait", 0, date(2026, 3, 17))


def test_paying_the_old_items_lowers_the_last_level_without_sending():
    # Formal demand was sent for an item now paid; what is left reached the gentle level.
    result = decide(DELAYS, [date(2026, 3, 10)], [3], 30)
    assert (result.action, result.level, result.date) == ("reset", 1, date(2026, 3, 20))


def test_paying_everything_resets_to_the_start():
    result = decide(DELAYS, [], [], 10)
    assert (result.action, result.level, result.date) == ("reset", None, None)


def test_nothing_owed_nothing_to_do():
    result = decide(DELAYS, [], [], None)
    assert (result.action, result.level, result.date) == ("wait", None, None)


def test_next_date_of_a_future_item_is_its_heads_up():
    result = decide(DELAYS, [date(2026, 4, 1)], [None], None)
    assert (result.action, result.level, result.date) == ("wait", None, date(2026, 3, 29))


def test_after_the_last_level_there_is_no_next_date():
    result = decide(DELAYS, [date(2026, 1, 1)], [30], 30)
    assert (result.action, result.level, result.date) == ("wait", 3, None)


def test_a_new_item_is_reminded_at_its_own_level_while_an_old_one_is_at_the_top():
    # The old item had the formal demand; a new one is 5 days late: the gentle reminder, for it.
    result = decide(DELAYS, [date(2026, 1, 1), date(2026, 3, 10)], [30, None], 30)
    assert (result.action, result.level, result.date) == ("send", 1, date(2026, 3, 13))
    assert result.targets == {2: 1}
    assert result.sent == {1: 3, 2: None}


def test_a_new_item_due_soon_waits_while_another_is_overdue():
    # Customer at the gentle level for an old item; a new one due in 2 days would call for a
    # heads-up: a customer with something overdue gets no heads-up, the new item waits for its
    # first late level (it is listed in the reminders of the overdue one meanwhile).
    result = decide(DELAYS, [date(2026, 3, 10), date(2026, 3, 17)], [3, None], 3)
    assert (result.action, result.level, result.targets) == ("wait", 1, {})
    assert result.date == date(2026, 3, 20)  # the old item's firm level, 10 days late


def test_a_new_item_due_soon_gets_its_heads_up_when_nothing_is_overdue():
    # The old item is at the heads-up level and not due yet: the new one gets its own heads-up.
    result = decide(DELAYS, [date(2026, 3, 16), date(2026, 3, 17)], [-3, None], -3)
    assert (result.action, result.level, result.targets) == ("send", 0, {2: 0})


def test_items_move_each_to_their_own_level_the_reminder_at_the_highest():
    # A 12-day-late item at the gentle level moves to the firm one, a 4-day-late new item to
    # the gentle one: one reminder, at the firm level.
    result = decide(DELAYS, [date(2026, 3, 3), date(2026, 3, 11)], [3, None], 3)
    assert (result.action, result.level) == ("send", 2)
    assert result.targets == {1: 2, 2: 1}
    assert result.date == date(2026, 3, 13)  # the day the firm level became due


def test_an_item_whose_level_was_removed_from_the_table_counts_at_the_level_below():
    # The item had a level of 20 days, since removed: it counts as the firm one (10 days) and
    # waits for the formal demand (30 days).
    result = decide(DELAYS, [date(2026, 2, 20)], [20], 20)
    assert (result.action, result.level, result.date) == ("wait", 2, date(2026, 3, 22))


def test_an_item_due_the_day_it_was_issued_gets_no_heads_up():
    # A fee invoice booked and due today: nothing ahead to warn of; its gentle reminder comes
    # 3 days late.
    items = [ItemState(1, TODAY, None, heads_up=False)]
    result = decide_items(DELAYS, items, None, TODAY)
    assert (result.action, result.level, result.date) == ("wait", None, date(2026, 3, 18))


def test_empty_level_table_never_sends():
    result = decide([], [date(2026, 1, 1)], [None], None)
    assert (result.action, result.level, result.date) == ("wait", None, None)


def test_a_residual_equal_to_the_tolerance_counts_as_paid():
    """2.14 less a credit of 1.14 leaves 1.00: a tolerance of 1.00 covers it (with floats the
    rest was 1.0000000000000002 and the customer got a reminder for nothing)."""
    items = [Item(1, date(2026, 1, 1), 2.14), Item(2, date(2026, 1, 5), -1.14)]
    situation = build_situation(items, TODAY, tolerance=1.0)
    assert situation.open_items == []
    assert (situation.total_due, situation.overdue, situation.unapplied_credit) == (0, 0, 0)
    # One cent more is owed.
    situation = build_situation([Item(1, date(2026, 1, 1), 2.15), items[1]], TODAY, 1.0)
    assert [(item.key, amount) for item, amount in situation.open_items] == [(1, 1.01)]


def test_sums_of_cents_are_exact():
    """Ten items of 0.10 and one of 0.20 against a credit of 0.30: 0.90 owed, not 0.8999…"""
    items = [Item(key, date(2026, 1, key), 0.1) for key in range(1, 11)]
    items += [Item(11, date(2026, 1, 11), 0.2), Item(12, date(2026, 1, 12), -0.3)]
    situation = build_situation(items, TODAY, tolerance=0.005)
    assert situation.total_due == 0.9
    assert situation.overdue == 0.9
    assert [item.key for item, _amount in situation.open_items] == list(range(4, 12))


def test_a_fee_document_rides_with_its_late_invoice():
    # The invoice is at the formal demand; its fee document (due the day it was booked, 15 days
    # ago) would call for the firm level on its own: riding with the invoice, it moves nothing.
    items = [
        ItemState(1, date(2026, 2, 1), 30),
        ItemState(2, date(2026, 2, 28), None, heads_up=False, rides=True),
    ]
    result = decide_items(DELAYS, items, 30, TODAY)
    assert (result.action, result.level, result.targets, result.date) == ("wait", 3, {}, None)


def test_a_fee_document_escalates_on_its_own_once_its_invoice_is_paid():
    # The same fee document, its invoice paid: it reaches the firm level on its own days.
    items = [ItemState(2, date(2026, 2, 28), None, heads_up=False)]
    result = decide_items(DELAYS, items, 30, TODAY)
    assert (result.action, result.level, result.targets) == ("send", 2, {2: 2})


# ---------------------------------------------------------------------------------------------
# The level table read by bisection, against the rules written out level by level
# ---------------------------------------------------------------------------------------------


def _calls_for(delay, age):
    """The rule: a level calls for an item ``age`` days late when its delay is reached, and a
    level before the due date (a heads-up) only while the item is not late."""
    return delay <= age and (delay >= 0 or age <= 0)


def _level_by_rule(delays, age):
    reached = [index for index, delay in enumerate(delays) if _calls_for(delay, age)]
    return reached[-1] if reached else None


def _sent_by_rule(delays, last_sent_delay):
    below = [index for index, delay in enumerate(delays) if delay <= last_sent_delay]
    return below[-1] if below else None


def _move_by_rule(delays, age, sent, step_by_step, heads_up):
    reached = _level_by_rule(delays, age)
    if reached is None or (sent is not None and reached <= sent):
        return None
    if not heads_up and delays[reached] < 0:
        return None
    first = 0 if sent is None else sent + 1
    passed = [
        index
        for index in range(first, reached + 1)
        if _calls_for(delays[index], age) and (heads_up or delays[index] >= 0)
    ]
    return (passed[0], passed[:1]) if step_by_step else (reached, passed)


# Every sorted table of up to four levels from these delays, repeats included (two levels on
# the same day), and the empty one.
TABLES = [
    list(table)
    for size in range(5)
    for table in combinations_with_replacement([-10, -3, 0, 3, 10, 30], size)
]


def test_the_level_table_is_read_as_the_rules_say():
    """Whatever the table (heads-ups, a level on the due date, two levels on one day), the
    age of the item, the level it had and the settings: the level it reaches, the one last
    sent, and where it moves with the levels it passes are those of the rules."""
    checked = 0
    for delays in TABLES:
        for age in range(-12, 35):
            due = TODAY - timedelta(days=age)
            assert item_level(delays, due, TODAY) == _level_by_rule(delays, age), (delays, age)
            assert sent_index(delays, age) == _sent_by_rule(delays, age), (delays, age)
            for sent in [None, *range(len(delays))]:
                for step_by_step in (False, True):
                    for heads_up in (False, True):
                        expected = _move_by_rule(delays, age, sent, step_by_step, heads_up)
                        found = _move(delays, due, sent, TODAY, step_by_step, heads_up)
                        assert found == expected, (delays, age, sent, step_by_step, heads_up)
                        checked += expected is not None
    assert checked > 10000  # the cases where an item moves, not only the quiet ones


@pytest.mark.parametrize(
    ("digits", "amounts", "owed"),
    [
        # Kuwaiti dinar: 1,000.125 less a credit of 0.100 is 1,000.025 (not 1,000.02 in cents)
        (3, [1000.125, -0.1], [1000.025]),
        # Japanese yen, Iranian rial: whole units, however large
        (0, [1500.0, -499.0], [1001.0]),
        (0, [987654321012.0, 3.0], [987654321012.0, 3.0]),
        # cents
        (2, [0.1, 0.2, -0.3, 0.3], [0.3]),
    ],
)
def test_amounts_are_exact_in_the_currency_minor_units(digits, amounts, owed):
    items = [Item(key, date(2026, 1, key), amount) for key, amount in enumerate(amounts, 1)]
    situation = build_situation(items, TODAY, tolerance=0, digits=digits)
    assert [amount for _item, amount in situation.open_items] == owed
    total = float(sum(Decimal(repr(amount)) for amount in owed))
    assert situation.total_due == situation.overdue == total


@pytest.mark.parametrize(
    ("remaining", "tolerance", "paid"),
    [(0.29, 0.29, True), (0.30, 0.29, False), (0.57, 0.575, True), (0.58, 0.575, False)],
)
def test_the_tolerance_is_compared_in_minor_units(remaining, tolerance, paid):
    """0.29 in cents is 28.999999999999996 as a float product: compared as a whole number of
    cents, a residual equal to the tolerance is paid, one cent more is owed."""
    items = [Item(1, date(2026, 1, 1), remaining + 1.0), Item(2, date(2026, 1, 2), -1.0)]
    situation = build_situation(items, TODAY, tolerance=tolerance)
    assert (situation.open_items == []) is paid
