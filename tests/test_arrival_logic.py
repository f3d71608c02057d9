"""When a reminder waits for money on its way or a reply, without a database."""

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
