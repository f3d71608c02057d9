"""Payment date prediction for the cash forecast, without a database."""

from datetime import date

import pytest

from odoo.addons.collection_followup.tools.forecast_logic import (
    PaidItem,
    backtest,
    lateness,
    predict_date,
    weekly_totals,
    weighted_median,
)


@pytest.mark.parametrize(
    ("values", "weights", "expected"),
    [
        ([10, 20, 30], [1, 1, 1], 20),
        ([1, 3], [1, 1], 1),
        ([1, 3, 8, 9], [1, 1, 1, 1], 3),
        ([0, 40], [900, 100], 0),
        ([0, 40], [100, 900], 40),
        ([5, -3, 12], [0, 2, 0], -3),
        ([], [], None),
        ([7], [0], None),
    ],
)
def test_weighted_median(values, weights, expected):
    assert weighted_median(values, weights) == expected


def test_lateness_uses_the_last_items_by_amount():
    history = [
        PaidItem(date(2026, 1, 1), date(2026, 1, 31), 100.0),  # 30 late, oldest: dropped
        PaidItem(date(2026, 2, 1), date(2026, 2, 6), 1000.0),  # 5 late, big
        PaidItem(date(2026, 3, 1), date(2026, 3, 21), 300.0),  # 20 late
        PaidItem(date(2026, 4, 1), date(2026, 3, 30), 200.0),  # 2 early
    ]
    assert lateness(history, size=3) == 5
    assert lateness(history, size=4) == 5
    assert lateness([]) is None


def test_predict_date_falls_back_and_never_before_start():
    start = date(2026, 5, 4)
    assert predict_date(date(2026, 5, 10), 12, 3, start) == date(2026, 5, 22)
    assert predict_date(date(2026, 5, 10), None, 3, start) == date(2026, 5, 13)
    assert predict_date(date(2026, 5, 10), None, None, start) == date(2026, 5, 10)
    assert predict_date(date(2026, 5, 10), -2.6, None, start) == date(2026, 5, 7)
    # Already late beyond its prediction: expected from the first day of the forecast.
    assert predict_date(date(2026, 3, 1), 10, None, start) == start


def test_weekly_totals():
    start = date(2026, 5, 4)
    totals, later = weekly_totals(
        [
            (date(2026, 5, 1), 10.0),
            (date(2026, 5, 10), 20.0),
            (date(2026, 5, 11), 30.0),
            (date(2026, 7, 27), 40.0),
            (date(2026, 8, 3), 50.0),
        ],
        start,
    )
    assert totals[0] == 30.0
    assert totals[1] == 30.0
    assert totals[12] == 40.0
    assert sum(totals) == 100.0
    assert later == 50.0


def test_backtest_beats_naive_on_a_steady_late_payer():
    steady = [PaidItem(date(2026, m, 1), date(2026, m, 15), 100.0) for m in range(1, 9)]
    newcomer = [PaidItem(date(2026, 6, 1), date(2026, 6, 11), 100.0)]
    result = backtest({"steady": steady, "newcomer": newcomer}, holdout=1)
    # steady: predicted 14 days late, paid 14 late: 0; newcomer: no history, the company's
    # lateness (14, from steady's 7 training items) against 10 days late: 4.
    assert result == {"items": 2, "mae_predictor": 2.0, "mae_naive": 12.0}
