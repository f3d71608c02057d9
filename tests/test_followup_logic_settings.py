"""Company settings that change the decision: step-by-step escalation, minimum gap."""

from datetime import date

from odoo.addons.collection_followup.tools.followup_logic import decide

DELAYS = [-3, 3, 10, 30]
TODAY = date(2026, 3, 15)


def test_very_late_customer_goes_straight_to_the_level_reached_by_default():
    assert decide(DELAYS, [date(2026, 1, 1)], None, TODAY)[:2] == ("send", 3)


def test_step_by_step_starts_with_the_first_reminder_that_applies():
    # The heads-up does not apply to a late item: the first step is the gentle reminder.
    assert decide(DELAYS, [date(2026, 1, 1)], None, TODAY, step_by_step=True) == (
        "send",
        1,
        date(2026, 1, 4),
    )


def test_step_by_step_continues_from_the_last_level_sent():
    assert decide(DELAYS, [date(2026, 1, 1)], 3, TODAY, step_by_step=True)[:2] == ("send", 2)


def test_step_by_step_heads_up_for_an_item_not_yet_due():
    assert decide(DELAYS, [date(2026, 3, 17)], None, TODAY, step_by_step=True)[:2] == ("send", 0)


def test_minimum_gap_between_two_reminders_postpones():
    result = decide(
        DELAYS, [date(2026, 3, 5)], 3, TODAY, last_sent_date=date(2026, 3, 12), min_gap_days=7
    )
    assert result == ("wait", 1, date(2026, 3, 19))


def test_minimum_gap_elapsed_sends():
    result = decide(
        DELAYS, [date(2026, 3, 5)], 3, TODAY, last_sent_date=date(2026, 3, 8), min_gap_days=7
    )
    assert result[:2] == ("send", 2)
