"""Pure arithmetic of billing plans and payment plans (no ORM, tested in ``tests/``).

Amounts are handled in integer minor units (cents, or units for a currency without decimals) so
that every split adds up exactly to the total; the last part absorbs the rounding.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta


def to_units(amount, digits):
    """``amount`` in minor units of a currency with ``digits`` decimals, rounded half up."""
    return int((Decimal(str(amount)) * 10**digits).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_units(units, digits):
    return float(Decimal(units) / 10**digits)


def split_evenly(total, count, digits):
    """``total`` in ``count`` equal parts rounded to ``digits``, the last absorbing the rest.

    >>> split_evenly(1000, 3, 2)
    [333.33, 333.33, 333.34]
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    units = to_units(total, digits)
    part = units // count
    parts = [part] * (count - 1) + [units - part * (count - 1)]
    return [from_units(p, digits) for p in parts]


def split_by_shares(total, shares, digits):
    """Split ``total`` by ``shares``: each ``("percent", p)`` or ``("amount", a)``.

    Every part but the last is rounded to ``digits``; the last is what remains, so the parts add
    up to the total exactly. Raises ValueError when percentages do not add up to 100 or amounts
    to the total (a mix must add up to the total within the rounding of the percentages).
    """
    if not shares:
        raise ValueError("no share to split into")
    units = to_units(total, digits)
    parts = []
    for kind, value in shares:
        if kind == "percent":
            parts.append(to_units(Decimal(str(total)) * Decimal(str(value)) / 100, digits))
        elif kind == "amount":
            parts.append(to_units(value, digits))
        else:
            raise ValueError(f"unknown share kind {kind!r}")
    kinds = {kind for kind, _value in shares}
    if kinds == {"percent"}:
        percent = sum(Decimal(str(value)) for _kind, value in shares)
        if percent != 100:
            raise ValueError(f"the percentages add up to {float(percent):g} %, not 100 %")
    elif abs(sum(parts) - units) > len(shares):
        raise ValueError(
            f"the parts add up to {from_units(sum(parts), digits)}, "
            f"not {from_units(units, digits)}"
        )
    parts[-1] = units - sum(parts[:-1])
    if parts[-1] < 0:
        raise ValueError("the last part would be negative")
    return [from_units(p, digits) for p in parts]


def schedule_dates(first, count, frequency, custom=None):
    """Due dates of ``count`` instalments from ``first``: weekly, monthly or custom dates."""
    if frequency == "weekly":
        return [first + timedelta(weeks=i) for i in range(count)]
    if frequency == "monthly":
        return [first + relativedelta(months=i) for i in range(count)]
    if frequency == "custom":
        dates = sorted(custom or [])
        if len(dates) != count:
            raise ValueError(f"{count} instalments need {count} dates, got {len(dates)}")
        return dates
    raise ValueError(f"unknown frequency {frequency!r}")


@dataclass(frozen=True)
class InstalmentStatus:
    due_date: date
    amount: float
    paid: float  # the part of this instalment covered by what was paid, in order
    state: str  # "paid", "partial", "due" (not yet late), "late" (in grace), "missed"
    left: float = 0.0  # what is still to pay of this instalment (amount - paid, exactly)


def adherence(instalments, paid_total, today, grace_days=0, digits=2):
    """What was paid, applied to the instalments in date order.

    ``instalments`` is ``[(due_date, amount)]``; ``paid_total`` what the customer paid since the
    plan started. An instalment not fully paid is "due" until its date, "late" during the grace
    days after it, then "missed" (the plan is broken).

    Every amount is taken in integer minor units of a currency with ``digits`` decimals before
    it is compared: 100.10 paid on 33.36 + 33.36 + 33.38 pays the three instalments in full,
    whatever binary fraction the floats carry.
    """
    statuses = []
    left = max(to_units(paid_total, digits), 0)
    for due, amount in sorted(instalments):
        units = to_units(amount, digits)
        paid = min(left, units)
        left -= paid
        if paid == units:
            state = "paid"
        elif today <= due:
            state = "partial" if paid else "due"
        elif today <= due + timedelta(days=grace_days):
            state = "late"
        else:
            state = "missed"
        statuses.append(
            InstalmentStatus(
                due,
                from_units(units, digits),
                from_units(paid, digits),
                state,
                from_units(units - paid, digits),
            )
        )
    return statuses
