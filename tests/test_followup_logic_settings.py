"""Company settings that change the decision: step-by-step escalation, minimum gap."""

from datetime import date

from odoo.addons.collection_followup.tools.followup_logic import ItemState, decide_items

DELAYS = [-3, 3, 10, 30]
TODAY = date(2026, 3, 15)


def decide(due, sent_delay, **settings):
    """``decide_items`` for one item (key 1) due on ``due`` at the level of ``sent_delay``."""
    return decide_items(DELAYS, [ItemState(1, due, sent_delay)], sent_delay, TODAY, **settings)


def test_very_late_customer_goes_straight_to_the_level_reached_by_default():
    result = decide(date(2026, 1, 1), None)
    assert (result.action, result.level, result.passed) == ("send", 3, {1: [1, 2, 3]})


def test_step_by_step_starts_with_the_first_reminder_that_applies():
    # The heads-up does not apply to a late item: the first step is the gentle reminder.
    result = decide(date(2026, 1, 1), None, step_by_step=True)
    assert (result.action, result.level, result.date) == ("send", 1, date(2026, 1, 4))
    assert result.passed == {1: [1]}


def test_step_by_step_continues_from_the_last_level_sent():
    result = decide(date(2026, 1, 1), 3, step_by_step=True)
    assert (result.action, result.level, result.passed) == ("send", 2, {1: [2]})


def test_step_by_step_heads_up_for_an_item_not_yet_due():
    assert decide(date(2026, 3, 17), None, step_by_step=True).level == 0


def test_step_by_step_each_item_from_its_own_level():
    # The old item at the firm level goes on to the formal demand; the new one starts with the
    # gentle reminder: one reminder, at the formal level.
    items = [ItemState(1, date(2026, 1, 1), 10), ItemState(2, date(2026, 2, 1), None)]
    result = decide_items(DELAYS, items, 10, TODAY, step_by_step=True)
    assert (result.action, result.level, result.targets) == ("send", 3, {1: 3, 2: 1})


def test_minimum_gap_between_two_reminders_postpones():
    result = decide(date(2026, 3, 5), 3, last_sent_date=date(2026, 3, 12), min_gap_days=7)
    assert (result.action, result.level, result.date) == ("wait", 1, date(2026, 3, 19))
    assert result.targets == {}


def test_minimum_gap_elapsed_sends():
    result = decide(date(2026, 3, 5), 3, last_sent_date=date(2026, 3, 8), min_gap_days=7)
    assert (result.action, result.level) == ("send", 2)


def test_step_by_step_item_due_on_issue_skips_the_heads_up():
    # Due today, booked today, with a level on the due date: that level, not the heads-up.
    delays = [-3, 0, 10]
    items = [ItemState(1, TODAY, None, heads_up=False)]
    result = decide_items(delays, items, None, TODAY, step_by_step=True)
    assert (result.action, result.level, result.passed) == ("send", 1, {1: [1]})
