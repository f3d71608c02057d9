"""Late fees and statutory interest, without a database.

Every expected figure is worked out by hand in the comment next to it. The rate histories are
invented test data (plausible values, not a record of any central bank's real rates).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from odoo.addons.collection_followup.tools.late_fee_logic import (
    BASES,
    CHARGED,
    IN_GRACE,
    NOT_OVERDUE,
    NOTHING_DUE,
    balance_steps,
    compute_fee,
    day_count,
    eu_late_payment,
    france_l441_10,
    germany_bgb_288,
    interest,
    iran_art_522_indexation,
    pause_steps,
    round_money,
    russia_art_395,
    to_minor,
    uk_fixed_sum,
    uk_late_payment,
    unchecked_from,
    year_fraction,
)

D = Decimal


def same(value, numerator, denominator):
    """``value`` equals numerator / denominator up to far below a cent."""
    return abs(value - D(numerator) / D(denominator)) < D("1e-25")


# Invented reference-rate history shared by the UK and German examples: a cut on 20 June 2024,
# in the middle of the delay.
BASE_RATES = [(date(2023, 12, 14), D("4.00")), (date(2024, 6, 20), D("3.50"))]
# Invented ECB main refinancing rate history for the EU and French examples.
ECB_RATES = [
    (date(2023, 9, 20), D("4.50")),
    (date(2024, 6, 12), D("4.25")),
    (date(2024, 9, 18), D("3.65")),
]


# --------------------------------------------------------------------------------------------
# Day counts
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("basis", "numerator", "denominator"),
    [
        ("actual/365", 2, 365),  # 29 Feb and 1 Mar: 2 days / 365
        ("actual/actual", 2, 366),  # both days in 2024, a leap year: 2 / 366
        ("actual/360", 2, 360),  # 2 / 360
        ("30/360", 3, 360),  # D1=28, D2=1: 30 * (3 - 2) + (1 - 28) = 3 days / 360
    ],
)
def test_year_fraction_over_29_february(basis, numerator, denominator):
    start, end = date(2024, 2, 28), date(2024, 3, 1)
    assert day_count(start, end, basis) == numerator
    assert same(year_fraction(start, end, basis), numerator, denominator)


def test_actual_actual_splits_at_1_january():
    # interest days 16-31 Dec 2023 (16 days of a 365-day year) and 1-15 Jan 2024 (15 days of a
    # 366-day year): 16/365 + 15/366
    fraction = year_fraction(date(2023, 12, 15), date(2024, 1, 15), "actual/actual")
    assert abs(fraction - (D(16) / 365 + D(15) / 366)) < D("1e-25")
    assert day_count(date(2023, 12, 15), date(2024, 1, 15), "actual/actual") == 31
    # actual/365 for comparison: 31 / 365
    assert same(year_fraction(date(2023, 12, 15), date(2024, 1, 15), "actual/365"), 31, 365)


def test_actual_actual_interest_lines_split_at_1_january():
    result = interest(
        [(date(2023, 12, 15), 100000)],
        [(date(2023, 1, 1), 10)],
        date(2023, 12, 15),
        date(2024, 1, 15),
        "actual/actual",
    )
    # 100,000 * 10 % = 10,000 a year
    # 16-31 Dec 2023: 10,000 * 16 / 365 = 438.356164...
    # 1-15 Jan 2024:  10,000 * 15 / 366 = 409.836065...
    # total 848.192229... -> 848.19
    assert result.total == D("848.19")
    lines = [(s.first_day, s.end, s.days, s.year_days) for s in result.segments]
    assert lines == [
        (date(2023, 12, 16), date(2023, 12, 31), 16, 365),
        (date(2024, 1, 1), date(2024, 1, 15), 15, 366),
    ]
    # the same delay in actual/365: 10,000 * 31 / 365 = 849.315068... -> 849.32
    assert interest(
        [(date(2023, 12, 15), 100000)],
        [(date(2023, 1, 1), 10)],
        date(2023, 12, 15),
        date(2024, 1, 15),
        "actual/365",
    ).total == D("849.32")


def test_actual_actual_over_several_years():
    # 2 Jul - 31 Dec 2023: 183/365; all of 2024: 366/366; 1 Jan - 1 Jul 2025: 182/365
    # = (183 + 182) / 365 + 1 = 2 exactly
    fraction = year_fraction(date(2023, 7, 1), date(2025, 7, 1), "actual/actual")
    assert abs(fraction - 2) < D("1e-25")


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        # D1=31 -> 30; D2=31 and D1=30 -> 30: 30 * 2 + (30 - 30) = 60
        (date(2024, 1, 31), date(2024, 3, 31), 60),
        # D1=30; D2=31 and D1=30 -> 30: 30 * 2 + 0 = 60
        (date(2024, 1, 30), date(2024, 3, 31), 60),
        # D1=29 < 30 so D2 stays 31: 30 * 2 + (31 - 29) = 62
        (date(2024, 1, 29), date(2024, 3, 31), 62),
        # no end-of-February rule: D1=29 stays, D2=31 stays: 30 * 1 + (31 - 29) = 32
        (date(2024, 2, 29), date(2024, 3, 31), 32),
        # D1=28: 30 * 1 + (31 - 28) = 33
        (date(2024, 2, 28), date(2024, 3, 31), 33),
        # D1=31 -> 30, D2=31 -> 30: 360 * 1 + 30 * 0 + 0 = 360
        (date(2023, 12, 31), date(2024, 12, 31), 360),
        # D1=15, D2=31 stays: 31 - 15 = 16
        (date(2024, 1, 15), date(2024, 1, 31), 16),
        # D1=31 -> 30, D2=30: 30 * 1 + 0 = 30
        (date(2024, 3, 31), date(2024, 4, 30), 30),
        # D1=31 -> 30, D2=1: 30 * 1 + (1 - 30) = 1
        (date(2024, 1, 31), date(2024, 2, 1), 1),
    ],
)
def test_30_360_month_ends(start, end, days):
    assert day_count(start, end, "30/360") == days
    assert same(year_fraction(start, end, "30/360"), days, 360)


def test_year_fraction_of_an_empty_period_is_zero():
    for basis in BASES:
        assert year_fraction(date(2024, 5, 1), date(2024, 5, 1), basis) == 0


def test_30_360_interest_line_shows_30_360_days():
    result = interest(
        [(date(2024, 1, 31), 3600)],
        [(date(2024, 1, 1), 10)],
        date(2024, 1, 31),
        date(2024, 3, 31),
        "30/360",
    )
    # 60 days of 30/360 (see above): 3,600 * 10 % * 60 / 360 = 360 * 60 / 360 = 60.00
    assert result.total == D("60.00")
    assert [(s.days, s.year_days) for s in result.segments] == [(60, 360)]


# --------------------------------------------------------------------------------------------
# Interest on a changing balance
# --------------------------------------------------------------------------------------------


def test_partial_payment_lowers_the_base():
    result = interest(
        [(date(2024, 1, 31), 1000), (date(2024, 3, 1), 600)],  # 400 paid on 1 March
        [(date(2024, 1, 1), 10)],
        date(2024, 1, 31),
        date(2024, 3, 31),
    )
    # 1-29 Feb 2024: 1,000 * 10 % * 29 / 365 = 2,900 / 365 = 7.945205...
    # 1-31 Mar 2024:   600 * 10 % * 31 / 365 = 1,860 / 365 = 5.095890...
    # total 4,760 / 365 = 13.041095... -> 13.04 (rounding each line first would give
    # 7.95 + 5.10 = 13.05: only the total is rounded)
    assert result.total == D("13.04")
    assert [(s.first_day, s.end, s.days, s.balance, s.rate) for s in result.segments] == [
        (date(2024, 2, 1), date(2024, 2, 29), 29, D(1000), D(10)),
        (date(2024, 3, 1), date(2024, 3, 31), 31, D(600), D(10)),
    ]
    assert same(result.segments[0].amount, 2900, 365)
    assert same(result.segments[1].amount, 1860, 365)


def test_paid_in_full_stops_interest_and_needs_no_later_rate():
    result = interest(
        [(date(2024, 1, 31), 1000), (date(2024, 2, 11), 0)],  # all paid on 11 February
        [(date(2024, 1, 1), 10)],
        date(2024, 1, 31),
        date(2024, 3, 31),
    )
    # 1-10 Feb: 1,000 * 10 % * 10 / 365 = 1,000 / 365 = 2.739726... -> 2.74; nothing after
    assert result.total == D("2.74")
    assert len(result.segments) == 1
    assert result.segments[0].end == date(2024, 2, 10)


def test_rate_change_in_the_middle_of_the_delay_splits_the_period():
    result = interest(
        [(date(2024, 3, 31), 5000)],
        [(date(2024, 1, 1), 12), (date(2024, 4, 16), 10)],
        date(2024, 3, 31),
        date(2024, 4, 30),
    )
    # 1-15 Apr:  5,000 * 12 % * 15 / 365 = 9,000 / 365 = 24.657534...
    # 16-30 Apr: 5,000 * 10 % * 15 / 365 = 7,500 / 365 = 20.547945...
    # total 16,500 / 365 = 45.205479... -> 45.21
    assert result.total == D("45.21")
    assert [s.rate for s in result.segments] == [D(12), D(10)]


def test_no_delay_no_interest():
    result = interest(
        [(date(2024, 1, 1), 100)], [(date(2024, 1, 1), 5)], date(2024, 3, 1), date(2024, 3, 1)
    )
    assert result.total == D("0.00")
    assert result.segments == ()


# --------------------------------------------------------------------------------------------
# Statutory presets
# --------------------------------------------------------------------------------------------


def test_uk_fixed_rate_against_germany_split_at_1_july():
    due, end, debt = date(2024, 5, 31), date(2024, 8, 29), 10000
    balances = [(due, debt)]
    uk = uk_late_payment(BASE_RATES, due, end, debt)
    de = germany_bgb_288(BASE_RATES, due, end)

    # UK: interest starts on 1 June 2024 (first half-year), so the base rate in force on
    # 31 December 2023 (4.00) + 8 = 12 % for the whole delay; the cut of 20 June is ignored
    assert uk.rates == [(date(2024, 6, 1), D(12))]
    assert uk.steps[0].reference_date == date(2023, 12, 31)
    uk_interest = interest(balances, uk.rates, due, end, uk.basis)
    # 1 Jun - 29 Aug = 30 + 31 + 29 = 90 days: 10,000 * 12 % * 90 / 365 = 108,000 / 365
    # = 295.890410... -> 295.89
    assert uk_interest.total == D("295.89")
    assert len(uk_interest.segments) == 1
    assert uk.fixed == D(100)  # debt of 10,000 or more: GBP 100

    # Germany: Basiszinssatz on 1 January 2024 (4.00) + 9 = 13 % until 30 June, then the rate of
    # 1 July (3.50, the cut of 20 June applies only from 1 July) + 9 = 12.5 %
    assert de.rates == [(date(2024, 1, 1), D(13)), (date(2024, 7, 1), D("12.5"))]
    de_interest = interest(balances, de.rates, due, end, de.basis)
    # 1-30 Jun:       10,000 * 13 %   * 30 / 365 = 39,000 / 365 = 106.849315...
    # 1 Jul - 29 Aug: 10,000 * 12.5 % * 60 / 365 = 75,000 / 365 = 205.479452...
    # total 114,000 / 365 = 312.328767... -> 312.33
    assert de_interest.total == D("312.33")
    assert [(s.first_day, s.end, s.days) for s in de_interest.segments] == [
        (date(2024, 6, 1), date(2024, 6, 30), 30),
        (date(2024, 7, 1), date(2024, 8, 29), 60),
    ]
    assert de.fixed == D(40)
    assert de_interest.total != uk_interest.total


def test_germany_consumer_margin_and_no_flat_fee():
    due, end = date(2024, 5, 31), date(2024, 8, 29)
    de = germany_bgb_288(BASE_RATES, due, end, consumer=True)
    # 4.00 + 5 = 9 % in June, 3.50 + 5 = 8.5 % from July
    assert de.rates == [(date(2024, 1, 1), D(9)), (date(2024, 7, 1), D("8.5"))]
    result = interest([(due, 10000)], de.rates, due, end, de.basis)
    # 10,000 * 9 % * 30 / 365 + 10,000 * 8.5 % * 60 / 365 = (27,000 + 51,000) / 365
    # = 78,000 / 365 = 213.698630... -> 213.70
    assert result.total == D("213.70")
    assert de.fixed == 0


@pytest.mark.parametrize(
    ("due", "reference_date", "rate"),
    [
        # interest starts 30 June: first half-year -> rate of 31 Dec 2023, 4.00 + 8
        (date(2024, 6, 29), date(2023, 12, 31), D(12)),
        # interest starts 1 July: second half-year -> rate of 30 June 2024, 3.50 + 8
        (date(2024, 6, 30), date(2024, 6, 30), D("11.5")),
        # interest starts 1 January 2025 -> rate of 31 December 2024, still 3.50 + 8
        (date(2024, 12, 31), date(2024, 12, 31), D("11.5")),
    ],
)
def test_uk_reference_date_follows_the_day_interest_starts(due, reference_date, rate):
    terms = uk_late_payment(BASE_RATES, due, date(2025, 3, 31), 500)
    assert terms.steps[0].reference_date == reference_date
    assert terms.rates == [(due + timedelta(days=1), rate)]


@pytest.mark.parametrize(
    ("debt", "fixed"),
    [
        (D("999.99"), D(40)),  # under 1,000
        (D("1000"), D(70)),  # 1,000 or more, under 10,000
        (D("9999.99"), D(70)),
        (D("10000"), D(100)),  # 10,000 or more
    ],
)
def test_uk_fixed_sum_thresholds(debt, fixed):
    assert uk_fixed_sum(debt) == fixed
    assert uk_late_payment(BASE_RATES, date(2024, 5, 31), date(2024, 6, 30), debt).fixed == fixed


def test_russia_two_key_rate_changes():
    key_rates = [(date(2024, 1, 1), 16), (date(2024, 7, 29), 18), (date(2024, 9, 16), 19)]
    due, end = date(2024, 7, 10), date(2024, 9, 30)
    terms = russia_art_395(key_rates, due, end)
    assert terms.basis == "actual/actual"
    assert terms.fixed == 0
    assert terms.rates == [
        (date(2024, 7, 11), D(16)),
        (date(2024, 7, 29), D(18)),
        (date(2024, 9, 16), D(19)),
    ]
    result = interest([(due, 100000)], terms.rates, due, end, terms.basis)
    # 2024 is a leap year: every day / 366
    # 11-28 Jul (18 days):            100,000 * 16 % * 18 / 366 = 288,000 / 366 = 786.885245...
    # 29 Jul - 15 Sep (3+31+15 = 49): 100,000 * 18 % * 49 / 366 = 882,000 / 366 = 2,409.836065...
    # 16-30 Sep (15 days):            100,000 * 19 % * 15 / 366 = 285,000 / 366 = 778.688524...
    # total 1,455,000 / 366 = 3,975.409836... -> 3,975.41
    assert result.total == D("3975.41")
    assert [(s.first_day, s.end, s.days, s.year_days, s.rate) for s in result.segments] == [
        (date(2024, 7, 11), date(2024, 7, 28), 18, 366, D(16)),
        (date(2024, 7, 29), date(2024, 9, 15), 49, 366, D(18)),
        (date(2024, 9, 16), date(2024, 9, 30), 15, 366, D(19)),
    ]


def test_russia_across_new_year_counts_each_year_length():
    key_rates = [(date(2023, 10, 30), 15), (date(2023, 12, 18), 16)]
    due, end = date(2023, 12, 15), date(2024, 1, 15)
    terms = russia_art_395(key_rates, due, end)
    result = interest([(due, 10000)], terms.rates, due, end, terms.basis)
    # 16-17 Dec 2023: 10,000 * 15 % * 2 / 365  = 3,000 / 365  = 8.219178...
    # 18-31 Dec 2023: 10,000 * 16 % * 14 / 365 = 22,400 / 365 = 61.369863...
    # 1-15 Jan 2024:  10,000 * 16 % * 15 / 366 = 24,000 / 366 = 65.573770...
    # total 135.162811... -> 135.16
    assert result.total == D("135.16")
    assert [(s.days, s.year_days, s.rate) for s in result.segments] == [
        (2, 365, D(15)),
        (14, 365, D(16)),
        (15, 366, D(16)),
    ]


def test_eu_directive_half_yearly_reference_rate():
    due, end = date(2024, 5, 15), date(2024, 7, 14)
    terms = eu_late_payment(ECB_RATES, due, end)
    # rate on 1 Jan 2024: 4.50 + 8 = 12.5; on 1 Jul 2024 (cut of 12 June): 4.25 + 8 = 12.25
    assert terms.rates == [(date(2024, 1, 1), D("12.5")), (date(2024, 7, 1), D("12.25"))]
    assert (terms.fixed, terms.currency) == (D(40), "EUR")
    result = interest([(due, 1000)], terms.rates, due, end, terms.basis)
    # 16 May - 30 Jun (16 + 30 = 46 days): 1,000 * 12.5 %  * 46 / 365 = 5,750 / 365 = 15.753424...
    # 1-14 Jul (14 days):                  1,000 * 12.25 % * 14 / 365 = 1,715 / 365 = 4.698630...
    # total 7,465 / 365 = 20.452054... -> 20.45
    assert result.total == D("20.45")
    # the same as a fee rule: EUR 40 + 20.452054... = 60.452054... -> 60.45
    fee = compute_fee(1000, due, end, fixed=terms.fixed, rates=terms.rates, basis=terms.basis)
    assert fee.amount == D("60.45")


def test_france_ecb_plus_10_points():
    due, end = date(2024, 5, 15), date(2024, 7, 14)
    terms = france_l441_10(ECB_RATES, due, end)
    assert terms.rates == [(date(2024, 1, 1), D("14.5")), (date(2024, 7, 1), D("14.25"))]
    assert terms.fixed == D(40)
    result = interest([(due, 1000)], terms.rates, due, end, terms.basis)
    # 1,000 * 14.5 % * 46 / 365 = 6,670 / 365 = 18.273972...
    # 1,000 * 14.25 % * 14 / 365 = 1,995 / 365 = 5.465753...
    # total 8,665 / 365 = 23.739726... -> 23.74
    assert result.total == D("23.74")


def test_presets_without_delay_have_no_rate_step():
    day = date(2024, 5, 15)
    assert eu_late_payment(ECB_RATES, day, day).rates == []
    assert germany_bgb_288(BASE_RATES, day, day).rates == []
    assert uk_late_payment(BASE_RATES, day, day, 100).rates == []
    assert russia_art_395([(date(2024, 1, 1), 16)], day, day).rates == []


# --------------------------------------------------------------------------------------------
# Fee rules: limits, grace, digits
# --------------------------------------------------------------------------------------------

DUE = date(2024, 1, 31)
LATE = date(2024, 3, 1)  # 30 days late


def test_fee_minimum():
    fee = compute_fee(100, DUE, LATE, percent=1, minimum=5)
    # 100 * 1 % = 1.00, below the minimum of 5 -> 5.00
    assert fee.amount == D("5.00")
    assert (fee.limit, fee.limit_value, fee.subtotal) == ("minimum", D(5), D(1))


def test_fee_maximum_per_item():
    fee = compute_fee(10000, DUE, LATE, fixed=40, percent=5, maximum=250)
    # 40 + 10,000 * 5 % = 540, above the maximum of 250 -> 250.00
    assert fee.amount == D("250.00")
    assert (fee.limit, fee.subtotal) == ("maximum", D(540))


def test_fee_cap_share_of_principal_is_never_exceeded():
    fee = compute_fee(D("333.35"), DUE, LATE, percent=15, cap_percent=10)
    # 333.35 * 15 % = 50.0025; cap 333.35 * 10 % = 33.335 -> rounded down to 33.33 (half up
    # would give 33.34, above the cap)
    assert fee.amount == D("33.33")
    assert (fee.limit, fee.limit_value) == ("cap", D("33.335"))


def test_fee_cap_wins_over_minimum():
    fee = compute_fee(20, DUE, LATE, percent=1, minimum=5, cap_percent=10)
    # 20 * 1 % = 0.20 -> minimum 5 -> cap 20 * 10 % = 2 -> 2.00
    assert fee.amount == D("2.00")
    assert fee.limit == "cap"


def test_fee_lowest_upper_limit_wins():
    fee = compute_fee(1000, DUE, LATE, fixed=300, maximum=250, cap_percent=20)
    # 300; maximum 250; cap 1,000 * 20 % = 200 -> 200.00
    assert fee.amount == D("200.00")
    assert fee.limit == "cap"


def test_fee_within_limits_adds_its_parts():
    fee = compute_fee(
        2000,
        date(2024, 3, 15),
        date(2024, 4, 29),
        fixed=15,
        percent=D("1.5"),
        rates=[(date(2024, 1, 1), D("9.5"))],
        minimum=5,
        maximum=100,
        cap_percent=10,
    )
    # interest 16-31 Mar + 1-29 Apr = 16 + 29 = 45 days: 2,000 * 9.5 % * 45 / 365
    # = 8,550 / 365 = 23.424657...; percent 2,000 * 1.5 % = 30; fixed 15
    # total 68.424657... -> 68.42 (limits 5 / 100 / 200 not reached)
    assert fee.amount == D("68.42")
    assert fee.status == CHARGED
    assert fee.limit is None
    assert fee.percent_amount == D(30)
    assert fee.interest.total == D("23.42")
    assert fee.days_late == 45


def test_grace_days():
    due = date(2024, 3, 31)
    rule = {"fixed": 10, "rates": [(date(2024, 1, 1), 12)], "grace_days": 10}
    # 10 April = due date + 10: still within the grace, nothing at all (not even the fixed 10)
    inside = compute_fee(1000, due, date(2024, 4, 10), **rule)
    assert (inside.amount, inside.status, inside.interest) == (D("0.00"), IN_GRACE, None)
    # 11 April: charged, interest from 1 April (day after the due date), not from 11 April:
    # 10 + 1,000 * 12 % * 11 / 365 = 10 + 1,320 / 365 = 10 + 3.616438... = 13.616438... -> 13.62
    after = compute_fee(1000, due, date(2024, 4, 11), **rule)
    assert after.amount == D("13.62")
    assert after.status == CHARGED
    assert after.interest.segments[0].first_day == date(2024, 4, 1)
    assert after.interest.segments[0].days == 11


def test_not_overdue_and_nothing_due():
    due = date(2024, 3, 31)
    assert compute_fee(1000, due, due, fixed=10).status == NOT_OVERDUE
    assert compute_fee(1000, due, date(2024, 3, 1), fixed=10).amount == D("0.00")
    nothing = compute_fee(0, due, date(2024, 5, 1), fixed=10, minimum=5)
    assert (nothing.amount, nothing.status) == (D("0.00"), NOTHING_DUE)


def test_fee_with_partial_payment_balances():
    fee = compute_fee(
        1000,
        date(2024, 1, 31),
        date(2024, 3, 31),
        rates=[(date(2024, 1, 1), 10)],
        balances=[(date(2024, 1, 31), 1000), (date(2024, 3, 1), 600)],
    )
    # the partial-payment example above: 4,760 / 365 = 13.041095... -> 13.04
    assert fee.amount == D("13.04")


@pytest.mark.parametrize(
    ("principal", "digits", "expected"),
    [
        # 14.6 % * 30 / 365 = 438 / 365 / 100 = 0.012 of the principal
        (D("1234567"), 0, D("14815")),  # JPY: 1,234,567 * 0.012 = 14,814.804 -> 14,815
        (D("1234.56"), 2, D("14.81")),  # EUR: 1,234.56 * 0.012 = 14.81472 -> 14.81
        (D("1234.567"), 3, D("14.815")),  # KWD: 1,234.567 * 0.012 = 14.814804 -> 14.815
    ],
)
def test_currency_digits(principal, digits, expected):
    due = date(2024, 4, 30)
    result = interest(
        [(due, principal)],
        [(date(2024, 1, 1), D("14.6"))],
        due,
        date(2024, 5, 30),
        "actual/365",
        digits,
    )
    assert result.total == expected
    fee = compute_fee(
        principal, due, date(2024, 5, 30), rates=[(date(2024, 1, 1), D("14.6"))], digits=digits
    )
    assert fee.amount == expected


@pytest.mark.parametrize(
    ("principal", "rate", "digits", "expected"),
    [
        # JPY: 2,500 * 7.3 % * 1 / 365 = 182.5 / 365 = 0.5 -> 1 (half up; half even gives 0)
        (2500, D("7.3"), 0, D("1")),
        # EUR: 1,250 * 3.65 % * 1 / 365 = 45.625 / 365 = 0.125 -> 0.13 (half even gives 0.12)
        (1250, D("3.65"), 2, D("0.13")),
        # KWD: 5 * 3.65 % * 1 / 365 = 0.1825 / 365 = 0.0005 -> 0.001 (half even gives 0.000)
        (5, D("3.65"), 3, D("0.001")),
    ],
)
def test_rounding_is_half_up(principal, rate, digits, expected):
    due = date(2024, 4, 30)
    result = interest(
        [(due, principal)], [(due, rate)], due, date(2024, 5, 1), "actual/365", digits
    )
    assert result.total == expected


def test_round_money():
    assert round_money(D("2.5"), 0) == D("3")
    assert round_money(D("-2.5"), 0) == D("-3")  # half away from zero
    assert round_money(0.125, 2) == D("0.13")  # the float 0.125 read as "0.125"
    assert round_money(D("1.0005"), 3) == D("1.001")


# --------------------------------------------------------------------------------------------
# Iran: indexation
# --------------------------------------------------------------------------------------------


def test_iran_indexation():
    index = {(2023, 3): D("1600"), (2024, 3): D("2200")}
    result = iran_art_522_indexation(1234567, date(2023, 3, 15), date(2024, 3, 20), index)
    # 1,234,567 * 2,200 / 1,600 - 1,234,567 = 1,234,567 * 0.375 = 462,962.625 -> 462,963
    assert result.amount == D("462963")
    assert result.ratio == D("1.375")
    assert (result.due_period, result.paid_period) == ((2023, 3), (2024, 3))


def test_iran_indexation_ratio_is_not_rounded():
    index = {(2023, 3): D("300"), (2024, 3): D("400")}
    result = iran_art_522_indexation(1000000, date(2023, 3, 1), date(2024, 3, 31), index)
    # 1,000,000 * 400 / 300 - 1,000,000 = 333,333.333... -> 333,333 (a ratio rounded to
    # 1.3333 would give 333,300)
    assert result.amount == D("333333")
    two = iran_art_522_indexation(1000000, date(2023, 3, 1), date(2024, 3, 31), index, digits=2)
    assert two.amount == D("333333.33")  # 333,333.333... -> 333,333.33


def test_iran_indexation_custom_periods_and_falling_index():
    def quarter(day):
        return (day.year, (day.month - 1) // 3 + 1)

    index = {(2024, 1): D("1000"), (2024, 2): D("1100"), (2024, 3): D("900")}
    rise = iran_art_522_indexation(
        50000, date(2024, 2, 10), date(2024, 5, 5), index, period_of=quarter
    )
    # Q1 -> Q2: 50,000 * 1,100 / 1,000 - 50,000 = 5,000
    assert rise.amount == D("5000")
    fall = iran_art_522_indexation(
        50000, date(2024, 2, 10), date(2024, 8, 5), index, period_of=quarter
    )
    # Q1 -> Q3: 50,000 * 900 / 1,000 - 50,000 = -5,000 -> 0 (no negative indexation)
    assert fall.amount == D("0")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def test_end_before_start():
    with pytest.raises(ValueError, match="before"):
        year_fraction(date(2024, 3, 2), date(2024, 3, 1), "actual/365")
    with pytest.raises(ValueError, match="before"):
        interest(
            [(date(2024, 1, 1), 100)], [(date(2024, 1, 1), 5)], date(2024, 3, 2), date(2024, 3, 1)
        )
    with pytest.raises(ValueError, match="before"):
        iran_art_522_indexation(100, date(2024, 3, 2), date(2024, 3, 1), {})


def test_unknown_basis():
    with pytest.raises(ValueError, match="unknown day-count basis 'actual/364'"):
        year_fraction(date(2024, 1, 1), date(2024, 2, 1), "actual/364")
    with pytest.raises(ValueError, match="unknown day-count basis"):
        compute_fee(100, DUE, LATE, rates=[(DUE, 5)], basis="30E/360")


def test_negative_balance():
    with pytest.raises(ValueError, match="negative balance"):
        interest(
            [(date(2024, 1, 1), -100)], [(date(2024, 1, 1), 5)], date(2024, 1, 31), date(2024, 3, 1)
        )
    with pytest.raises(ValueError, match="negative principal"):
        compute_fee(-1, DUE, LATE, fixed=10)


def test_missing_rate_for_a_day_of_the_period():
    # the rate history starts on 1 February but interest runs from 16 January
    with pytest.raises(ValueError, match="no interest rate in force on 2024-01-16"):
        interest(
            [(date(2024, 1, 15), 100)], [(date(2024, 2, 1), 5)], date(2024, 1, 15), date(2024, 3, 1)
        )
    with pytest.raises(ValueError, match="no balance given for 2024-01-16"):
        interest(
            [(date(2024, 2, 1), 100)], [(date(2024, 1, 1), 5)], date(2024, 1, 15), date(2024, 3, 1)
        )


def test_missing_reference_rates_in_presets():
    # UK: no base rate known on 31 December 2023
    with pytest.raises(ValueError, match="no Bank of England base rate in force on 2023-12-31"):
        uk_late_payment([(date(2024, 1, 5), 5)], date(2024, 3, 31), date(2024, 4, 30), 100)
    # Germany: no Basiszinssatz on 1 January 2024
    with pytest.raises(ValueError, match="no Basiszinssatz in force on 2024-01-01"):
        germany_bgb_288([(date(2024, 1, 5), 3)], date(2024, 3, 31), date(2024, 4, 30))
    with pytest.raises(ValueError, match="no key rate in force on 2024-04-01"):
        russia_art_395([(date(2024, 4, 2), 16)], date(2024, 3, 31), date(2024, 4, 30))


def test_missing_index():
    with pytest.raises(ValueError, match=r"no price index for the period \(2024, 3\)"):
        iran_art_522_indexation(100, date(2023, 3, 1), date(2024, 3, 1), {(2023, 3): 100})
    with pytest.raises(ValueError, match="must be positive"):
        iran_art_522_indexation(
            100, date(2023, 3, 1), date(2024, 3, 1), {(2023, 3): 0, (2024, 3): 100}
        )


def test_invalid_rule_parameters():
    with pytest.raises(ValueError, match="minimum 50 is above the maximum 10"):
        compute_fee(100, DUE, LATE, minimum=50, maximum=10)
    with pytest.raises(ValueError, match="grace days"):
        compute_fee(100, DUE, LATE, grace_days=-1)
    with pytest.raises(ValueError, match="digits"):
        compute_fee(100, DUE, LATE, digits=-1)
    with pytest.raises(ValueError, match="percentage must not be negative"):
        compute_fee(100, DUE, LATE, percent=-2)
    with pytest.raises(ValueError, match="two rate steps on 2024-01-01"):
        interest([(DUE, 100)], [(date(2024, 1, 1), 5), (date(2024, 1, 1), 6)], DUE, LATE)
    with pytest.raises(ValueError, match="must be a number"):
        compute_fee("abc", DUE, LATE)
    with pytest.raises(ValueError, match="must be a date"):
        year_fraction(datetime(2024, 1, 1, 12, 0), date(2024, 2, 1), "actual/365")
    with pytest.raises(ValueError, match="must not be negative"):
        uk_fixed_sum(-1)


# --------------------------------------------------------------------------------------------
# The day of payment, 30/360 across cuts, money in minor units, indexation in force, freshness
# --------------------------------------------------------------------------------------------


def test_day_of_payment_bears_interest_under_article_395():
    due, paid = date(2024, 1, 10), date(2024, 2, 9)
    principal, steps = balance_steps(100000, due, [(paid, 100000)])
    # paid in full on 9 February: the balance is zero from 10 February only
    assert (principal, steps) == (D(100000), [(due, D(100000)), (date(2024, 2, 10), D(0))])
    terms = russia_art_395([(date(2023, 12, 18), 16)], due, paid)
    fee = compute_fee(principal, due, paid, rates=terms.rates, balances=steps, basis=terms.basis)
    # 11 January - 9 February 2024 = 21 + 9 = 30 days, the day of payment included (Plenum
    # no. 7 of 24 March 2016, para. 48): 100,000 * 16 % * 30 / 366 = 480,000 / 366
    # = 1,311.475409... -> 1,311.48 (without the day of payment: 29 days, 1,267.76)
    assert fee.amount == D("1311.48")
    assert [(s.first_day, s.end, s.days, s.year_days) for s in fee.interest.segments] == [
        (date(2024, 1, 11), date(2024, 2, 9), 30, 366)
    ]


def test_debt_paid_one_day_late_bears_one_day_of_interest():
    due, paid = date(2024, 5, 31), date(2024, 6, 1)
    principal, steps = balance_steps(D("2500.00"), due, [(paid, D("2500.00"))])
    terms = uk_late_payment(BASE_RATES, due, paid, principal)
    fee = compute_fee(principal, due, paid, fixed=terms.fixed, rates=terms.rates, balances=steps)
    # 1 June: 2,500 * 12 % (4.00 on 31 December 2023 + 8) * 1 / 365 = 300 / 365 = 0.821917...
    # + GBP 70 (debt of 1,000 or more) = 70.821917... -> 70.82
    assert fee.amount == D("70.82")
    assert fee.interest.segments[0].days == 1


def test_payments_by_the_due_date_lower_the_principal_and_later_ones_the_next_day():
    principal, steps = balance_steps(
        1000, date(2024, 1, 31), [(date(2024, 1, 20), 250), (date(2024, 2, 15), 400)]
    )
    assert principal == D(750)
    assert steps == [(date(2024, 1, 31), D(750)), (date(2024, 2, 16), D(350))]
    # a payment leaving less than half a cent open closes the item
    _principal, steps = balance_steps(
        D("100.10"), date(2024, 1, 31), [(date(2024, 2, 1), D("100.099"))]
    )
    assert steps[-1] == (date(2024, 2, 2), D(0))


def test_pauses_zero_the_balance_for_their_days():
    steps = [(date(2024, 1, 31), D(1000)), (date(2024, 3, 1), D(600))]
    paused = pause_steps(steps, [(date(2024, 2, 10), date(2024, 2, 21))])
    assert paused == [
        (date(2024, 1, 31), D(1000)),
        (date(2024, 2, 10), D(0)),
        (date(2024, 2, 21), D(1000)),
        (date(2024, 3, 1), D(600)),
    ]


def test_30_360_segments_add_up_when_a_rate_row_repeats_the_rate():
    start, end = date(2024, 1, 15), date(2024, 2, 15)
    repeated = [(date(2024, 1, 1), D("3.62")), (date(2024, 2, 1), D("3.62"))]
    result = interest([(start, 3600)], repeated, start, end, "30/360")
    # a row repeating the rate does not cut the period: 15 January - 15 February is 30 days
    # of 30/360, 3,600 * 3.62 % * 30 / 360 = 10.86 (split at the row, 16 + 15 = 31 days
    # would give 11.222)
    assert [(s.days, s.rate) for s in result.segments] == [(30, D("3.62"))]
    assert result.total == D("10.86")
    changed = [(date(2024, 1, 1), D(6)), (date(2024, 2, 1), D(12))]
    result = interest([(start, 3600)], changed, start, end, "30/360")
    # a real change splits it, and the lines still add up to 30 days: 16 days to 31 January
    # (D2 = 31 kept, D1 = 15), then 30 - 16 = 14 days;
    # 3,600 * 6 % * 16 / 360 = 9.60, 3,600 * 12 % * 14 / 360 = 16.80 -> 26.40
    assert [s.days for s in result.segments] == [16, 14]
    assert result.total == D("26.40")
    assert day_count(start, end, "30/360") == 30


def test_repeated_rate_rows_give_one_line_on_every_basis():
    start, end = date(2024, 5, 31), date(2024, 8, 29)
    rows = [(date(2024, 1, 1), D(12)), (date(2024, 7, 1), D(12))]
    result = interest([(start, 1000)], rows, start, end, "actual/365")
    # 90 days at 12 %: 1,000 * 12 % * 90 / 365 = 29.589041... -> 29.59
    assert [(s.first_day, s.end, s.days) for s in result.segments] == [
        (date(2024, 6, 1), date(2024, 8, 29), 90)
    ]
    assert result.total == D("29.59")


def test_money_is_compared_in_minor_units():
    assert to_minor(D("999.995")) == 100000
    assert to_minor(D("0.004")) == 0
    assert to_minor(D("-0.006")) == -1
    assert to_minor(1500, 0) == 1500
    # a debt converted from euros at a floating-point rate: 999.9999999999999 is GBP 1,000.00
    assert uk_fixed_sum(999.9999999999999) == D(70)
    # a subtotal of 14.996 is 15.00: not "raised to the minimum"
    fee = compute_fee(D("1499.6"), DUE, LATE, percent=1, minimum=15)
    assert (fee.amount, fee.limit) == (D("15.00"), None)
    # a sub-cent principal is nothing due
    assert compute_fee(D("0.004"), DUE, LATE, fixed=10).status == NOTHING_DUE


def test_iranian_index_in_force_on_each_date():
    # rows entered from the first day of each Solar Hijri month (Esfand 1402, Farvardin and
    # Ordibehesht 1403), test values
    rows = [
        (date(2024, 2, 20), D(400)),  # 1 Esfand 1402
        (date(2024, 3, 20), D(410)),  # 1 Farvardin 1403
        (date(2024, 4, 20), D(422)),  # 1 Ordibehesht 1403
    ]
    result = iran_art_522_indexation(100000000, date(2024, 3, 5), date(2024, 4, 10), rows)
    # 5 March 2024 is in Esfand (400), 10 April 2024 in Farvardin (410):
    # 100,000,000 * 410 / 400 - 100,000,000 = 2,500,000
    assert result.amount == D("2500000")
    assert (result.due_period, result.paid_period) == (date(2024, 2, 20), date(2024, 3, 20))
    # the same rows keyed by Gregorian month give March -> 410 and April -> 422:
    # 100,000,000 * 422 / 410 - 100,000,000 = 2,926,829.27 -> 2,926,829 (the defect)
    by_month = {(day.year, day.month): value for day, value in rows}
    wrong = iran_art_522_indexation(100000000, date(2024, 3, 5), date(2024, 4, 10), by_month)
    assert wrong.amount == D("2926829")
    with pytest.raises(ValueError, match="no price index in force on 2024-02-19"):
        iran_art_522_indexation(100, date(2024, 2, 19), date(2024, 4, 10), rows)


def test_unchecked_reference_rates():
    ecb = [(date(2023, 9, 20), D("4.50")), (date(2024, 6, 12), D("4.25"))]
    terms = eu_late_payment(ecb, date(2024, 5, 31), date(2024, 8, 30))
    # the rate of 1 January 2024 is checked, the one read on 1 July 2024 is not
    assert terms.unchecked_from(date(2024, 8, 30), date(2024, 6, 30)) == date(2024, 7, 1)
    assert terms.unchecked_from(date(2024, 8, 30), date(2024, 7, 1)) is None
    uk = uk_late_payment(BASE_RATES, date(2024, 5, 31), date(2024, 12, 31), 500)
    # the UK rate is read once, on 31 December 2023: checked then, fixed for the whole delay
    assert uk.unchecked_from(date(2024, 12, 31), date(2024, 1, 31)) is None
    ru = russia_art_395([(date(2023, 12, 18), 16)], date(2024, 1, 10), date(2024, 2, 9))
    # the key rate of each day: checked until 31 January, unchecked from 1 February
    assert ru.unchecked_from(date(2024, 2, 9), date(2024, 1, 31)) == date(2024, 2, 1)
    assert ru.unchecked_from(date(2024, 2, 9), date(2024, 2, 9)) is None
    assert unchecked_from(date(2024, 1, 10), date(2024, 2, 9), None) == date(2024, 1, 11)
