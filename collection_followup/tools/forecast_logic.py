"""Predicting when open items will be paid (no ORM, tested in ``tests/``).

A customer's lateness is the weighted median of the days late of its last paid instalments
(weighted by amount: a large invoice paid late says more than a small one); a customer without
history borrows the company's. An open item is predicted at its due date shifted by that
lateness, and never before the first day of the forecast.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# How many of a customer's last paid instalments its lateness is measured on.
HISTORY_SIZE = 12
FORECAST_WEEKS = 13


@dataclass(frozen=True)
class PaidItem:
    """One paid instalment: when it was due, when it was settled, how much it was."""

    due: date
    paid: date
    amount: float

    @property
    def days_late(self):
        return (self.paid - self.due).days


def weighted_median(values: Sequence[float], weights: Sequence[float]):
    """The lower weighted median: the smallest value at which the cumulative weight reaches
    half of the total weight (so the median of 1 and 3, equally weighted, is 1, as in the
    SQL of the collector's worklist). Items of zero or negative weight are ignored; None when
    nothing has weight."""
    pairs = sorted((v, w) for v, w in zip(values, weights, strict=True) if w > 0)
    total = sum(w for _v, w in pairs)
    running = 0.0
    for value, weight in pairs:
        running += weight
        if running >= total / 2:
            return value
    return None


def lateness(history: Iterable[PaidItem], size: int = HISTORY_SIZE):
    """The weighted median of the days late of the ``size`` most recently paid items of
    ``history``, or None without history."""
    last = sorted(history, key=lambda item: (item.paid, item.due))[-size:]
    return weighted_median([item.days_late for item in last], [abs(item.amount) for item in last])


def predict_date(due: date, customer_lateness, company_lateness, start: date):
    """The predicted payment date of an item due on ``due``: shifted by the customer's
    lateness, else the company's, else not at all; not before ``start``."""
    shift = customer_lateness if customer_lateness is not None else company_lateness
    predicted = due + timedelta(days=round(shift or 0))
    return max(predicted, start)


def week_index(day: date, start: date):
    """The forecast week (0 = the week starting on ``start``) of ``day``."""
    return (day - start).days // 7


def weekly_totals(items: Iterable[tuple[date, float]], start: date, weeks: int = FORECAST_WEEKS):
    """Sum ``(date, amount)`` pairs into ``weeks`` weeks from ``start``; returns the list of
    week totals and what falls after the last week. Dates before ``start`` count in week 0."""
    totals = [0.0] * weeks
    later = 0.0
    for day, amount in items:
        index = max(week_index(day, start), 0)
        if index < weeks:
            totals[index] += amount
        else:
            later += amount
    return totals, later


def backtest(histories: dict, holdout: int = 3, size: int = HISTORY_SIZE):
    """Mean absolute error, in days, of predicting the payment dates of each customer's last
    ``holdout`` paid items from the items paid before them, for this predictor and for the
    naive "pays on the due date" one.

    ``histories`` maps a customer to its PaidItems. The company's lateness (the fallback of
    customers with too short a history) is measured on the training items of all customers.
    Returns ``{"items": n, "mae_predictor": …, "mae_naive": …}``.
    """
    splits = {}
    training = []
    for customer, items in histories.items():
        ordered = sorted(items, key=lambda item: (item.paid, item.due))
        splits[customer] = (ordered[:-holdout], ordered[-holdout:])
        training.extend(ordered[:-holdout])
    company = lateness(training, size=len(training) or 1)
    errors, naive = [], []
    for train, test in splits.values():
        customer = lateness(train, size) if train else None
        for item in test:
            predicted = predict_date(item.due, customer, company, date.min)
            errors.append(abs((predicted - item.paid).days))
            naive.append(abs(item.days_late))
    count = len(errors)
    return {
        "items": count,
        "mae_predictor": sum(errors) / count if count else None,
        "mae_naive": sum(naive) / count if count else None,
    }
