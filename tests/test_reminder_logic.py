"""Reminder rules without a database: money on its way, proportion, currencies, retries, windows."""

from datetime import date

import pytest

from odoo.addons.collection_followup.tools.arrival_logic import (
    BANK_LINE,
    REPLY,
    TRANSACTION,
    Signal,
    holding,
    mentions,
    resume_date,
)
from odoo.addons.collection_followup.tools.currency_logic import (
    open_in_currency,
    totals_by_currency,
)
from odoo.addons.collection_followup.tools.proportion_logic import (
    below,
    level_waits,
    minor_units,
    split_channels,
)
from odoo.addons.collection_followup.tools.retry_logic import (
    GIVE_UP,
    REST,
    RETRY,
    next_try,
    retry_state,
    substitute,
    trailing_failures,
)
from odoo.addons.collection_followup.tools.window_logic import next_window


@pytest.mark.parametrize(
    ("label", "references", "expected"),
    [
        ("Payment INV/2026/00001 thanks", ["INV/2026/00001"], True),
        ("paid inv 2026-00001", ["INV/2026/00001"], True),
        ("PAYMENT inv202600001", ["INV/2026/00001"], True),
        ("Payment INV/2026/00002", ["INV/2026/00001"], False),
        ("Rent December", ["INV/2026/00001", "RF18 5390 0754 7034"], False),
        ("ref RF1853900754 7034", ["RF18 5390 0754 7034"], True),
        ("order 12 and 7", ["12", "7"], False),  # too short to be told apart
        ("", ["INV/2026/00001"], False),
        (None, ["INV/2026/00001"], False),
        ("INV/2026/00001", [], False),
    ],
)
def test_a_label_names_a_reference_whatever_the_separators(label, references, expected):
    assert mentions(label, references) is expected


def test_a_signal_holds_for_the_waiting_days_from_its_day():
    line = Signal(BANK_LINE, 7, date(2026, 1, 10))
    assert holding([line], 3, date(2026, 1, 9)) == ([], None)  # not seen yet
    for day in (10, 11, 12):
        assert holding([line], 3, date(2026, 1, day)) == ([line], date(2026, 1, 13))
    assert holding([line], 3, date(2026, 1, 13)) == ([], None)


def test_the_latest_signal_sets_the_end_of_the_wait():
    line = Signal(BANK_LINE, 7, date(2026, 1, 10))
    reply = Signal(REPLY, 3, date(2026, 1, 12))
    held, resume = holding([reply, line], 3, date(2026, 1, 12))
    assert held == [line, reply]  # oldest first
    assert resume == date(2026, 1, 15)
    assert resume_date([], 3) is None


def test_no_waiting_days_never_holds():
    transaction = Signal(TRANSACTION, 1, date(2026, 1, 10))
    assert holding([transaction], 0, date(2026, 1, 10)) == ([], None)


# ----------------------------------------------------------------------
# Sense of proportion
# ----------------------------------------------------------------------


def test_minimums_compare_in_minor_units():
    assert below(19.99, 20.0, 0.01)
    assert not below(20.0, 20.0, 0.01)
    assert not below(19.996, 20.0, 0.01)  # rounds to 20.00
    assert not below(0.0, 0.0, 0.01)  # no minimum
    # sums of floats off by their last bit are still whole cents
    assert not below(0.1 + 0.2, 0.3, 0.01)  # 0.30000000000000004
    assert below(0.29, 0.3, 0.01)
    assert not below(100.0, 99.99, 0.01)
    assert (minor_units(19.99, 0.01), minor_units(1000.125, 0.001), minor_units(1500.0, 1)) == (
        1999,
        1000125,
        1500,
    )
    # a currency rounded to 0.05 (cash): 1.95 is 39 of its units, 2.00 is 40
    assert below(1.95, 2.0, 0.05)
    assert not below(2.0, 2.0, 0.05)


def test_paper_and_legal_channels_need_the_legal_minimum():
    channels = ["email", "sms", "letter"]
    assert split_channels(channels, 1.65, 20.0, 0.01) == (["email", "sms"], ["letter"])
    assert split_channels(channels, 20.0, 20.0, 0.01) == (channels, [])
    assert split_channels(["email"], 1.65, 20.0, 0.01) == (["email"], [])


def test_a_level_waits_below_its_minimum_or_with_only_paper_below_the_legal_one():
    assert level_waits(["email"], 300.0, 500.0, 0.0, 0.01)
    assert not level_waits(["email"], 500.0, 500.0, 0.0, 0.01)
    assert level_waits(["letter"], 1.65, 0.0, 20.0, 0.01)
    assert level_waits(["fee", "letter", "hold"], 1.65, 0.0, 20.0, 0.01)
    assert not level_waits(["email", "letter"], 1.65, 0.0, 20.0, 0.01)
    assert not level_waits(["letter"], 25.0, 0.0, 20.0, 0.01)


# ----------------------------------------------------------------------
# Amounts in the currency owed
# ----------------------------------------------------------------------


def test_an_item_owes_in_its_currency_the_share_credits_left():
    # EUR 1,000.00 booked as 2,000.00 in company currency, 500.00 of credit deducted.
    assert open_in_currency(1000.0, 2000.0, 1500.0, 2) == 750.0
    assert open_in_currency(1000.0, 2000.0, 2000.0, 2) == 1000.0
    assert open_in_currency(100.0, 300.0, 100.0, 2) == 33.33
    assert open_in_currency(1000.0, 0.0, 0.0, 2) == 0.0
    assert open_in_currency(150000, 9.0, 3.0, 0) == 50000.0  # no decimals (IRR)


def test_totals_per_currency_in_order_of_appearance():
    rows = [("EUR", 0.1), ("USD", 50.0), ("EUR", 0.2), ("GBP", 0.0)]
    assert totals_by_currency(rows) == [("EUR", 0.3), ("USD", 50.0)]


# ----------------------------------------------------------------------
# Failed channels
# ----------------------------------------------------------------------


def test_trailing_failures_count_from_the_last_success():
    assert trailing_failures([]) == 0
    assert trailing_failures(["failed", "done"]) == 0
    assert trailing_failures(["done", "failed", "failed"]) == 2


def test_back_off_doubles_then_stops():
    day = date(2026, 1, 5)
    assert next_try(1, day, 3) == date(2026, 1, 6)
    assert next_try(2, day, 3) == date(2026, 1, 7)
    assert next_try(3, day, 3) is None
    assert next_try(3, day, 4) == date(2026, 1, 9)
    assert retry_state(1, day, 3, date(2026, 1, 5)) == REST
    assert retry_state(1, day, 3, date(2026, 1, 6)) == RETRY
    assert retry_state(2, day, 3, date(2026, 1, 6)) == REST
    assert retry_state(3, day, 3, date(2026, 2, 6)) == GIVE_UP
    assert retry_state(0, day, 3, date(2026, 2, 6)) == REST


def test_missing_email_or_mobile_falls_back_once():
    assert substitute(["email"], False, True, "letter") == ["letter"]
    assert substitute(["email", "sms"], False, False, "call") == ["call"]
    assert substitute(["email", "sms", "letter"], False, True, "letter") == ["sms", "letter"]
    assert substitute(["email", "sms"], True, False, "letter") == ["email", "letter"]
    assert substitute(["email", "sms"], False, False, None) == ["email", "sms"]
    assert substitute(["fee", "email"], True, True, "letter") == ["fee", "email"]


# ----------------------------------------------------------------------
# Sending windows
# ----------------------------------------------------------------------


def test_next_window_is_now_inside_else_the_next_start():
    from datetime import datetime

    monday = [
        (datetime(2026, 1, 12, 8), datetime(2026, 1, 12, 12)),
        (datetime(2026, 1, 12, 13), datetime(2026, 1, 12, 17)),
    ]
    assert next_window(monday, datetime(2026, 1, 12, 5, 30)) == datetime(2026, 1, 12, 8)
    assert next_window(monday, datetime(2026, 1, 12, 9)) == datetime(2026, 1, 12, 9)
    assert next_window(monday, datetime(2026, 1, 12, 12)) == datetime(2026, 1, 12, 13)
    assert next_window(monday, datetime(2026, 1, 12, 17)) is None
    assert next_window([], datetime(2026, 1, 12, 9)) is None
