"""Splitting amounts into instalments and milestones, and plan adherence, without a database."""

from datetime import date, timedelta

import pytest

from odoo.addons.collection_followup.tools.plan_logic import (
    adherence,
    schedule_dates,
    split_by_shares,
    split_evenly,
)


@pytest.mark.parametrize(
    ("total", "count", "digits", "expected"),
    [
        (1800, 3, 2, [600.0, 600.0, 600.0]),
        (1000, 3, 2, [333.33, 333.33, 333.34]),
        (100, 7, 2, [14.28] * 6 + [14.32]),
        (1000, 3, 0, [333.0, 333.0, 334.0]),  # JPY has no decimals
        (10, 3, 3, [3.333, 3.333, 3.334]),  # KWD, BHD have three
        (0.05, 2, 2, [0.02, 0.03]),
        (500, 1, 2, [500.0]),
    ],
)
def test_split_evenly_last_absorbs_rounding(total, count, digits, expected):
    parts = split_evenly(total, count, digits)
    assert parts == expected
    assert round(sum(parts), digits) == total


def test_split_evenly_refuses_zero_parts():
    with pytest.raises(ValueError):
        split_evenly(100, 0, 2)


def test_milestones_by_percent_last_absorbs_rounding():
    # 30 % deposit, then 3 x 23.33 %, and the rest
    shares = [("percent", 30), ("percent", 23.33), ("percent", 23.33), ("percent", 23.34)]
    parts = split_by_shares(1234.56, shares, 2)
    assert parts == [370.37, 288.02, 288.02, 288.15]
    assert round(sum(parts), 2) == 1234.56


def test_milestones_by_amount_must_add_up_to_the_total():
    assert split_by_shares(5000, [("amount", 1000), ("amount", 4000)], 2) == [1000.0, 4000.0]
    with pytest.raises(ValueError, match="add up to 4500.0, not 5000.0"):
        split_by_shares(5000, [("amount", 1000), ("amount", 3500)], 2)


def test_percentages_must_add_up_to_100():
    with pytest.raises(ValueError, match="add up to 90 %"):
        split_by_shares(1000, [("percent", 50), ("percent", 40)], 2)


def test_mixed_amount_deposit_and_percent_milestones():
    # a fixed deposit of 500, then 50 % and 45 % of 10,000 = 5,000 and 4,500
    parts = split_by_shares(10000, [("amount", 500), ("percent", 50), ("percent", 45)], 2)
    assert parts == [500.0, 5000.0, 4500.0]


def test_schedule_dates():
    assert schedule_dates(date(2026, 1, 31), 3, "monthly") == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    assert schedule_dates(date(2026, 1, 1), 3, "weekly") == [
        date(2026, 1, 1),
        date(2026, 1, 8),
        date(2026, 1, 15),
    ]
    custom = [date(2026, 5, 1), date(2026, 3, 1)]
    assert schedule_dates(date(2026, 1, 1), 2, "custom", custom) == sorted(custom)
    with pytest.raises(ValueError, match="3 instalments need 3 dates"):
        schedule_dates(date(2026, 1, 1), 3, "custom", custom)


SCHEDULE = [(date(2026, 1, 10), 600.0), (date(2026, 2, 10), 600.0), (date(2026, 3, 10), 600.0)]


def test_adherence_on_schedule_with_a_partial_payment():
    statuses = adherence(SCHEDULE, 900.0, date(2026, 2, 5), grace_days=5)
    assert [(s.state, s.paid) for s in statuses] == [
        ("paid", 600.0),
        ("partial", 300.0),
        ("due", 0.0),
    ]


def test_adherence_late_in_grace_then_missed():
    assert [s.state for s in adherence(SCHEDULE, 600.0, date(2026, 2, 14), 5)] == [
        "paid",
        "late",
        "due",
    ]
    assert [s.state for s in adherence(SCHEDULE, 600.0, date(2026, 2, 16), 5)] == [
        "paid",
        "missed",
        "due",
    ]


def test_adherence_paid_ahead_counts_for_the_next_instalments():
    assert [s.state for s in adherence(SCHEDULE, 1800.0, date(2026, 1, 1))] == ["paid"] * 3


def test_adherence_100_10_in_three_paid_in_full():
    """100.10 in 33.36 + 33.36 + 33.38: with floats, 100.1 - 33.36 - 33.36 = 33.3799… and the
    last instalment was missed; in cents it is paid."""
    dues = schedule_dates(date(2026, 1, 1), 3, "monthly")
    schedule = list(zip(dues, split_evenly(100.10, 3, 2), strict=True))
    assert [amount for _due, amount in schedule] == [33.36, 33.36, 33.38]
    statuses = adherence(schedule, 100.1, date(2026, 6, 1), grace_days=5, digits=2)
    assert [(s.state, s.paid, s.left) for s in statuses] == [
        ("paid", 33.36, 0.0),
        ("paid", 33.36, 0.0),
        ("paid", 33.38, 0.0),
    ]


def test_adherence_amounts_in_minor_units_of_the_currency():
    # JPY: no decimals; KWD: three.
    jpy = [(date(2026, 1, 1), 333.0), (date(2026, 2, 1), 334.0)]
    assert [s.state for s in adherence(jpy, 667.0, date(2026, 6, 1), digits=0)] == ["paid"] * 2
    assert [s.state for s in adherence(jpy, 666.0, date(2026, 6, 1), digits=0)] == [
        "paid",
        "missed",
    ]
    kwd = [(date(2026, 1, 1), 3.333), (date(2026, 2, 1), 3.334)]
    statuses = adherence(kwd, 6.666, date(2026, 6, 1), digits=3)
    assert [(s.state, s.paid, s.left) for s in statuses] == [
        ("paid", 3.333, 0.0),
        ("missed", 3.333, 0.001),
    ]


@pytest.mark.parametrize("count", [3, 12])
def test_no_fully_paid_plan_is_ever_missed(count):
    """Totals from 10.00 to 1,999.99 (every 7th cent: 28,429 plans per count)
    split in ``count`` instalments: paid in full (as a total, or as the sum of the instalments
    paid one by one, floats and all), every instalment is paid; one cent short, the last one is
    missed and the others are paid."""
    dues = schedule_dates(date(2026, 1, 1), count, "monthly")
    today = dues[-1] + timedelta(days=30)
    for cents in range(1000, 200000, 7):
        total = cents / 100
        parts = split_evenly(total, count, 2)
        schedule = list(zip(dues, parts, strict=True))
        paid_one_by_one = 0.0
        for part in parts:
            paid_one_by_one += part
        for paid in (total, paid_one_by_one):
            states = {s.state for s in adherence(schedule, paid, today, grace_days=5)}
            assert states == {"paid"}, (total, count, paid)
        short = adherence(schedule, paid_one_by_one - 0.01, today, grace_days=5)
        assert [s.state for s in short] == ["paid"] * (count - 1) + ["missed"], (total, count)
        assert short[-1].left == 0.01, (total, count)
