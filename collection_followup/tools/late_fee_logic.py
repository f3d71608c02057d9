"""Pure arithmetic of late fees and statutory interest on overdue invoices (no ORM).

The models call these functions with plain values (dates, amounts, rate histories) and turn the
answers into debit notes; everything here can be read and tested on its own (``tests/``).

Conventions
    Money       ``decimal.Decimal``. Inputs may be ``Decimal``, ``int``, ``str`` or ``float``
                (a float goes through ``str()``, so ``0.1`` is read as ``Decimal("0.1")``).
                Intermediate amounts (the interest of each day segment, a percentage of the
                principal...) keep full precision (50 significant digits); the result is rounded
                **once**, half up, to the currency's ``digits`` (0 for JPY, 2 for EUR, 3 for
                KWD). Rounding every line first could differ from the total by a few minor
                units; the documents show the unrounded lines or round them for display only.
    Periods     Interest runs from ``start`` (exclusive: the due date, on which paying is still
                on time) to ``end`` (inclusive: the day of payment or of the computation), so
                the number of days is ``(end - start).days`` and the first day of interest is
                the day after the due date.
    Steps       Balances and rates are step functions given as ``[(date_from, value), ...]``: a
                value applies to every day from ``date_from`` on, until the next step.
    Payments    The day of payment bears interest: a payment received on day P lowers the
                balance from P + 1 (:func:`balance_steps`), so a debt paid one day late bears
                one day of interest, and what is computed "if paid today" is what is booked once
                today's payment is registered (Plenum of the Supreme Court of the Russian
                Federation, resolution no. 7 of 24 March 2016, para. 48: the day of payment is
                included; BGB section 288 and the UK Act 1998 run interest until the debt is
                paid). A payment made on or before the due date lowers the principal.
    Comparing   amounts are compared in whole minor units of the currency (:func:`to_minor`),
                never as fractions: an amount below half a minor unit is zero.
    Rates       yearly percentages (``12.5`` means 12.5 % a year), reference rate and margin
                already added up; the statutory presets below build them from a reference-rate
                history. No rate value is embedded in this module: the histories come from a
                data file maintained by the accountants.

Day-count bases (``BASES``)
    ``actual/365``     days / 365, also in leap years.
    ``actual/actual``  ISDA: the period is split at 1 January and the days falling in each
                       calendar year are divided by that year's length (365 or 366). With the
                       (start, end] convention above, the days are those of interest, start + 1
                       to end: 2023-12-15 -> 2024-01-15 is 16/365 (16-31 December) + 15/366
                       (1-15 January).
    ``actual/360``     days / 360.
    ``30/360``         US bond basis (30U/360, ISDA 2006 section 4.16(f) "30/360", without the
                       end-of-February rule of the SIA "30/360 EOM" variant): D1 = 31 -> 30;
                       D2 = 31 -> 30 only when D1 (after that change) is 30; days =
                       360 * (Y2 - Y1) + 30 * (M2 - M1) + (D2 - D1), divided by 360.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext

BASES = ("actual/365", "actual/actual", "actual/360", "30/360")

# Working precision of every intermediate computation (the caller's decimal context is not used).
_CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)
_ONE_DAY = timedelta(days=1)
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


# ---------------------------------------------------------------------------------------------
# Values and rounding
# ---------------------------------------------------------------------------------------------


def to_decimal(value, what="amount"):
    """``value`` as a finite Decimal; a float is read through ``str()`` (``0.1`` -> ``0.1``)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float | str):
        try:
            result = Decimal(str(value).strip())
        except ArithmeticError:
            raise ValueError(f"{what} must be a number, got {value!r}") from None
    else:
        raise ValueError(f"{what} must be a number, got {value!r}")
    if not result.is_finite():
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return result


def _check_digits(digits):
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a whole number of decimals >= 0, got {digits!r}")


def round_money(amount, digits=2, rounding=ROUND_HALF_UP):
    """``amount`` rounded half up (or with ``rounding``) to ``digits`` decimals.

    >>> round_money(Decimal("0.125"), 2), round_money(Decimal("2.5"), 0)
    (Decimal('0.13'), Decimal('3'))
    """
    _check_digits(digits)
    with localcontext(_CONTEXT):
        return to_decimal(amount).quantize(Decimal(1).scaleb(-digits), rounding=rounding)


def to_minor(amount, digits=2):
    """``amount`` in whole minor units (cents, or rials with ``digits`` 0), rounded half up:
    the integer every money comparison of this module is made on.

    >>> to_minor(Decimal("999.995")), to_minor(Decimal("0.004")), to_minor(Decimal("1500"), 0)
    (100000, 0, 1500)
    """
    return int(round_money(amount, digits).scaleb(digits))


def _check_date(value, what):
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{what} must be a date, got {value!r}")
    return value


def _check_period(start, end, start_name="start", end_name="end"):
    _check_date(start, start_name)
    _check_date(end, end_name)
    if end < start:
        raise ValueError(f"{end_name} {end.isoformat()} is before {start_name} {start.isoformat()}")


def _check_basis(basis):
    if basis not in BASES:
        raise ValueError(f"unknown day-count basis {basis!r}; expected one of {', '.join(BASES)}")


def _steps(rows, what, negative_ok=False):
    """``rows`` [(date_from, value)] validated, as a list sorted by date of Decimal values."""
    if rows is None or isinstance(rows, str | bytes):
        raise ValueError(f"{what} steps must be a list of (date_from, value) pairs")
    steps = []
    for row in rows:
        try:
            day, value = row
        except (TypeError, ValueError):
            message = f"each {what} step must be a (date_from, value) pair, got {row!r}"
            raise ValueError(message) from None
        _check_date(day, f"{what} step date")
        value = to_decimal(value, what)
        if value < 0 and not negative_ok:
            raise ValueError(f"negative {what} {value} from {day.isoformat()}")
        steps.append((day, value))
    steps.sort(key=lambda step: step[0])
    for (day, _value), (next_day, _next_value) in zip(steps, steps[1:], strict=False):
        if day == next_day:
            raise ValueError(f"two {what} steps on {day.isoformat()}")
    return steps


def _value_at(steps, day):
    """Value of the step in force on ``day`` (the last one dated on or before it), or None."""
    found = None
    for date_from, value in steps:
        if date_from > day:
            break
        found = value
    return found


# ---------------------------------------------------------------------------------------------
# Day counts
# ---------------------------------------------------------------------------------------------


def _days_30_360(start, end):
    d1, d2 = start.day, end.day
    if d1 == 31:
        d1 = 30
    if d2 == 31 and d1 == 30:
        d2 = 30
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def _year_length(year):
    return 366 if calendar.isleap(year) else 365


def _parts(start, end, basis):
    """[(days, days in the year)] whose quotients add up to the year fraction of (start, end]."""
    if basis == "actual/365":
        return [((end - start).days, 365)]
    if basis == "actual/360":
        return [((end - start).days, 360)]
    if basis == "30/360":
        return [(_days_30_360(start, end), 360)]
    parts = []  # actual/actual: the days start + 1 .. end, counted in their own calendar year
    cursor = start
    while cursor < end:
        year_end = date(cursor.year, 12, 31)
        if cursor == year_end:  # the next day of interest is 1 January of the next year
            year_end = date(cursor.year + 1, 12, 31)
        stop = min(end, year_end)
        parts.append(((stop - cursor).days, _year_length(stop.year)))
        cursor = stop
    return parts or [(0, _year_length(end.year))]


def day_count(start, end, basis):
    """Days of (``start``, ``end``] counted by ``basis``: actual days, or 30/360 days."""
    _check_basis(basis)
    _check_period(start, end)
    if basis == "30/360":
        return _days_30_360(start, end)
    return (end - start).days


def year_fraction(start, end, basis):
    """Fraction of a year from ``start`` (exclusive) to ``end`` (inclusive), as a Decimal.

    >>> round(year_fraction(date(2024, 2, 28), date(2024, 3, 1), "actual/actual") * 366, 10)
    Decimal('2.0000000000')
    """
    _check_basis(basis)
    _check_period(start, end)
    with localcontext(_CONTEXT):
        return sum((Decimal(days) / year for days, year in _parts(start, end, basis)), _ZERO)


# ---------------------------------------------------------------------------------------------
# Simple interest on a changing balance
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterestSegment:
    """One line of an interest computation: a run of days with the same balance and rate.

    ``start`` is exclusive and ``end`` inclusive, as for :func:`year_fraction` (``first_day``
    is the first day of interest of the line). ``days`` is counted by the basis (30/360 days for
    ``30/360``), ``year_days`` the divisor (365, 366 or 360). ``amount`` is NOT rounded.
    """

    start: date
    end: date
    days: int
    year_days: int
    balance: Decimal
    rate: Decimal
    year_fraction: Decimal
    amount: Decimal

    @property
    def first_day(self):
        return self.start + _ONE_DAY


@dataclass(frozen=True)
class InterestResult:
    """``total`` rounded half up to ``digits``; ``exact`` = unrounded sum of the segments."""

    total: Decimal
    exact: Decimal
    segments: tuple
    basis: str
    digits: int


def interest(balances, rates, start, end, basis="actual/365", digits=2):
    """Simple interest on a balance that changes, at a rate that changes.

    ``balances``: [(date_from, amount)], the outstanding amount from that date on (partial
    payments lower it, see :func:`balance_steps`); ``rates``: [(date_from, yearly percent)].
    Interest runs on the days ``start`` + 1 .. ``end`` (``start`` is the due date). The period
    is split where the balance or the rate changes and, with ``actual/actual``, where the
    length of the year changes, so that each :class:`InterestSegment` has one balance, one rate
    and one year length; a step that repeats the value in force (a reference rate published
    again unchanged) does not split it. Its amount is ``balance * rate / 100 * year_fraction``
    at full precision, and only the total is rounded. Days on which the balance is zero (in
    minor units) are skipped (no line, and no rate is needed for them).

    With ``30/360`` the days of each line are counted from ``start`` (the 30/360 days to its
    end less those to its beginning), so the lines always add up to the 30/360 days of the
    whole period: 15 January - 15 February is 30 days however it is split.

    Raises ValueError for an unknown basis, ``end`` before ``start``, a negative balance or
    rate, a day of interest with no balance or no rate in force, or two steps on one date.
    """
    _check_basis(basis)
    _check_period(start, end)
    _check_digits(digits)
    balance_steps_ = _steps(balances, "balance")
    rate_steps = _steps(rates, "rate")
    cuts = {start, end}
    for day, _value in balance_steps_ + rate_steps:
        if start < day <= end:
            cuts.add(day - _ONE_DAY)  # ``day`` is the first day of a new segment
    if basis == "actual/actual":
        for year in range(start.year, end.year):
            cuts.add(date(year, 12, 31))
    bounds = sorted(cuts)
    runs = []  # [start, end, balance, rate, year length], adjacent equal runs merged
    for seg_start, seg_end in zip(bounds, bounds[1:], strict=False):
        first_day = seg_start + _ONE_DAY
        balance = _value_at(balance_steps_, first_day)
        if balance is None:
            raise ValueError(f"no balance given for {first_day.isoformat()}")
        if not to_minor(balance, digits):
            continue
        rate = _value_at(rate_steps, first_day)
        if rate is None:
            raise ValueError(f"no interest rate in force on {first_day.isoformat()}")
        ((_days, year_days),) = _parts(seg_start, seg_end, basis)
        previous = runs[-1] if runs else None
        if previous and previous[1] == seg_start and previous[2:] == [balance, rate, year_days]:
            previous[1] = seg_end
        else:
            runs.append([seg_start, seg_end, balance, rate, year_days])
    segments = []
    with localcontext(_CONTEXT):
        for seg_start, seg_end, balance, rate, year_days in runs:
            if basis == "30/360":
                days = _days_30_360(start, seg_end) - _days_30_360(start, seg_start)
            else:
                days = (seg_end - seg_start).days
            segments.append(
                InterestSegment(
                    start=seg_start,
                    end=seg_end,
                    days=days,
                    year_days=year_days,
                    balance=balance,
                    rate=rate,
                    year_fraction=Decimal(days) / year_days,
                    # one division, so the line is exact up to the working precision
                    amount=balance * rate * days / (_HUNDRED * year_days),
                )
            )
        exact = sum((segment.amount for segment in segments), _ZERO)
    return InterestResult(
        total=round_money(exact, digits),
        exact=exact,
        segments=tuple(segments),
        basis=basis,
        digits=digits,
    )


def balance_steps(amount, due_date, payments, digits=2):
    """What stays open of an item over time: ``(principal, [(date_from, balance)])``.

    ``amount`` is the item, due on ``due_date``; ``payments`` are ``[(day, amount)]`` (payments
    and credits, in the item's currency). What is paid on or before the due date lowers the
    principal, the amount that became overdue. A later payment lowers the balance from the day
    after it: the day of payment still bears interest on what was owed that morning (Plenum of
    the Supreme Court of the Russian Federation no. 7 of 24 March 2016, para. 48; the same
    count is used for every law here). A balance paid off (to the minor unit) is zero.
    """
    _check_date(due_date, "due date")
    amount = to_decimal(amount, "amount")
    reductions = {}
    for row in payments:
        day, paid = row
        _check_date(day, "payment date")
        key = due_date if day <= due_date else day + _ONE_DAY
        reductions[key] = reductions.get(key, _ZERO) + to_decimal(paid, "payment")
    principal = amount - reductions.pop(due_date, _ZERO)
    if to_minor(principal, digits) <= 0:
        principal = _ZERO
    steps, balance = [(due_date, principal)], principal
    for day in sorted(reductions):
        balance -= reductions[day]
        steps.append((day, balance if to_minor(balance, digits) > 0 else _ZERO))
    return principal, steps


def pause_steps(steps, pauses):
    """The balance ``steps`` with a zero balance during each of ``pauses``.

    ``pauses``: ``[(first day, day it ends)]``, the end excluded: the days an item bears no
    interest (a dispute, a payment plan in force...). Steps before the first step are ignored.
    """
    if not pauses:
        return list(steps)
    steps = sorted(steps, key=lambda step: step[0])

    def value(day):
        if any(first <= day < stop for first, stop in pauses):
            return _ZERO
        return _value_at(steps, day)

    first = steps[0][0]
    days = {day for day, _amount in steps}
    days |= {day for pause in pauses for day in pause if day > first}
    return [(day, value(day)) for day in sorted(days)]


# ---------------------------------------------------------------------------------------------
# Fee rules
# ---------------------------------------------------------------------------------------------

CHARGED = "charged"
NOT_OVERDUE = "not_overdue"  # computed on or before the due date
IN_GRACE = "grace"  # late, but within the grace days
NOTHING_DUE = "nothing_due"  # principal of zero


@dataclass(frozen=True)
class FeeResult:
    """What a fee rule gives for one overdue item, and why.

    ``amount``       the fee, rounded to ``digits`` (zero unless ``status`` is ``"charged"``)
    ``status``       ``"charged"``, ``"not_overdue"``, ``"grace"`` or ``"nothing_due"``
    ``days_late``    days from the due date to the computation date (negative if before)
    ``fixed``        the fixed part
    ``percent_amount`` principal * percent / 100, unrounded
    ``interest``     the :class:`InterestResult` (with its lines), or None without a rate
    ``subtotal``     fixed + percent_amount + exact interest, unrounded
    ``limit``        None, or which limit set the amount: ``"minimum"``, ``"maximum"``, ``"cap"``
    ``limit_value``  the value of that limit (the cap being principal * cap_percent / 100)
    """

    amount: Decimal
    status: str
    days_late: int
    fixed: Decimal
    percent_amount: Decimal
    interest: InterestResult | None
    subtotal: Decimal
    limit: str | None
    limit_value: Decimal | None


def _optional(value, what):
    if value is None:
        return None
    value = to_decimal(value, what)
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def compute_fee(
    principal,
    due_date,
    on_date,
    *,
    fixed=0,
    percent=0,
    rates=None,
    balances=None,
    basis="actual/365",
    grace_days=0,
    minimum=None,
    maximum=None,
    cap_percent=None,
    digits=2,
):
    """Late fee of one overdue item (an invoice or an instalment) on ``on_date``.

    The fee is ``fixed`` + ``percent`` % of ``principal`` (the overdue amount of the item) +
    yearly interest at ``rates`` ([(date_from, yearly percent)], see :func:`interest`) on
    ``balances`` (default: ``principal`` for the whole delay) from the day after ``due_date`` to
    ``on_date`` included.

    Grace: nothing at all is charged while ``on_date`` <= ``due_date`` + ``grace_days`` (status
    ``"grace"``, or ``"not_overdue"`` on or before the due date). Once the grace days are over,
    interest is still counted from the day after the due date, not from the end of the grace:
    the grace is a tolerance, not a later due date (statutory interest runs from the due date).

    Limits, on the unrounded subtotal: a ``minimum`` raises it; ``maximum`` (per item) and the
    cap of ``cap_percent`` % of the principal lower it, and win over the minimum when they are
    below it. An amount set by an upper limit is rounded down, so that it never exceeds the
    limit; any other amount is rounded half up to ``digits``.

    Raises ValueError for negative amounts, percentages or grace days, a minimum above the
    maximum, and whatever :func:`interest` refuses.
    """
    _check_date(due_date, "due date")
    _check_date(on_date, "computation date")
    _check_basis(basis)
    _check_digits(digits)
    principal = to_decimal(principal, "principal")
    if to_minor(principal, digits) < 0:
        raise ValueError(f"negative principal {principal}")
    fixed = _optional(fixed, "fixed amount")
    percent = _optional(percent, "percentage")
    minimum = _optional(minimum, "minimum")
    maximum = _optional(maximum, "maximum")
    cap_percent = _optional(cap_percent, "cap percentage")
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise ValueError(f"grace days must be a whole number >= 0, got {grace_days!r}")
    if (
        minimum is not None
        and maximum is not None
        and to_minor(minimum, digits) > to_minor(maximum, digits)
    ):
        raise ValueError(f"the minimum {minimum} is above the maximum {maximum}")
    days_late = (on_date - due_date).days
    zero = round_money(_ZERO, digits)

    def nothing(status):
        return FeeResult(zero, status, days_late, _ZERO, _ZERO, None, _ZERO, None, None)

    if on_date <= due_date:
        return nothing(NOT_OVERDUE)
    if days_late <= grace_days:
        return nothing(IN_GRACE)
    if not to_minor(principal, digits):
        return nothing(NOTHING_DUE)

    with localcontext(_CONTEXT):
        percent_amount = principal * percent / _HUNDRED
        interest_result = None
        if rates is not None:
            steps = [(due_date, principal)] if balances is None else balances
            interest_result = interest(steps, rates, due_date, on_date, basis, digits)
        subtotal = fixed + percent_amount + (interest_result.exact if interest_result else 0)
        amount, limit, limit_value = subtotal, None, None
        # The limits compare whole minor units: a subtotal of 14.999 is the minimum of 15.00.
        if minimum is not None and to_minor(amount, digits) < to_minor(minimum, digits):
            amount, limit, limit_value = minimum, "minimum", minimum
        uppers = []
        if maximum is not None:
            uppers.append(("maximum", maximum))
        if cap_percent is not None:
            uppers.append(("cap", principal * cap_percent / _HUNDRED))
        for name, value in uppers:
            if to_minor(amount, digits) > to_minor_down(value, digits):
                amount, limit, limit_value = value, name, value
    upper = limit in ("maximum", "cap")
    return FeeResult(
        amount=round_money(amount, digits, ROUND_DOWN if upper else ROUND_HALF_UP),
        status=CHARGED,
        days_late=days_late,
        fixed=fixed,
        percent_amount=percent_amount,
        interest=interest_result,
        subtotal=subtotal,
        limit=limit,
        limit_value=limit_value,
    )


def to_minor_down(amount, digits=2):
    """An upper limit in whole minor units, rounded down: a whole number of minor units is
    above ``amount`` exactly when it is above this (0.29 is 29, not 28.999999999999996).

    >>> to_minor_down(0.29), to_minor_down(0.005), to_minor_down(Decimal("1.999"), 2)
    (29, 0, 199)
    """
    return int(round_money(amount, digits, ROUND_DOWN).scaleb(digits))


# ---------------------------------------------------------------------------------------------
# Statutory presets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateStep:
    """A statutory rate from ``date_from`` on: the reference rate read on ``reference_date``
    plus ``margin`` points."""

    date_from: date
    reference_date: date
    reference_rate: Decimal
    margin: Decimal

    @property
    def rate(self):
        return self.reference_rate + self.margin


@dataclass(frozen=True)
class StatutoryTerms:
    """What a law gives for one late debt: the rate steps, the basis and the fixed sum.

    ``rates`` is ready for :func:`interest` and :func:`compute_fee`; ``steps`` tells where each
    rate comes from. ``fixed`` is the compensation per late invoice, in ``currency`` (zero when
    the law gives none).
    """

    law: str
    steps: tuple
    basis: str
    fixed: Decimal
    currency: str
    daily: bool = False  # the reference rate of each day (Russia), not one read per period

    @property
    def rates(self):
        return [(step.date_from, step.rate) for step in self.steps]

    def unchecked_from(self, end, checked_until):
        """First day up to ``end`` whose rate rests on a reference value the table does not
        vouch for (read after ``checked_until``, the day up to which the reference rates were
        checked against the central bank's publication), or None when every rate used is
        checked. ``checked_until`` None: nothing is checked."""
        if not self.steps:
            return None
        if self.daily:
            return unchecked_from(self.steps[0].date_from - _ONE_DAY, end, checked_until)
        for step in self.steps:
            if checked_until is None or step.reference_date > checked_until:
                return step.date_from
        return None


def unchecked_from(start, end, checked_until):
    """For a rate read day by day: the first day of (``start``, ``end``] after
    ``checked_until`` (or after ``start`` when nothing is checked), or None."""
    if checked_until is None:
        return start + _ONE_DAY if end > start else None
    if end <= checked_until or end <= start:
        return None
    return max(checked_until, start) + _ONE_DAY


def _reference_at(history, day, what):
    rate = _value_at(history, day)
    if rate is None:
        raise ValueError(f"no {what} in force on {day.isoformat()}")
    return rate


def _half_year_start(day):
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def _half_yearly_steps(history, due_date, end, margin, what):
    """One step per half-year touched by the delay, read on its 1 January or 1 July."""
    history = _steps(history, what, negative_ok=True)
    margin = to_decimal(margin, "margin")
    steps = []
    if end > due_date:
        half = _half_year_start(due_date + _ONE_DAY)
        while half <= end:
            rate = _reference_at(history, half, what)
            steps.append(RateStep(half, half, rate, margin))
            half = date(half.year, 7, 1) if half.month == 1 else date(half.year + 1, 1, 1)
    return tuple(steps)


def eu_late_payment(reference_rates, due_date, end, *, margin=8, basis="actual/365"):
    """Directive 2011/7/EU on combating late payment in commercial transactions.

    Statutory interest (art. 2(6)) is simple interest at the reference rate plus at least eight
    percentage points (``margin``, 8 by default, a Member State may set more); the reference
    rate (art. 2(7)) is, in the euro area, the rate of the ECB's most recent main refinancing
    operation, and the rate in force on 1 January applies to the first half of the year, the
    one in force on 1 July to the second half (art. 3(4) between undertakings, art. 4(7) with a
    public authority). The creditor is owed a fixed EUR 40 per late invoice as compensation
    for recovery costs (art. 6(1)). The Directive sets no day count: ``actual/365`` by default,
    as most Member States use.

    ``reference_rates``: [(date_from, ECB main refinancing rate)]. The delay is split at every
    1 January / 1 July it crosses.
    """
    _check_basis(basis)
    _check_period(due_date, end, "due date", "end")
    steps = _half_yearly_steps(reference_rates, due_date, end, margin, "ECB reference rate")
    return StatutoryTerms("EU Directive 2011/7/EU", steps, basis, Decimal(40), "EUR")


def uk_fixed_sum(debt):
    """Fixed sum of the Late Payment of Commercial Debts (Interest) Act 1998, s. 5A.

    GBP 40 for a debt under GBP 1,000, GBP 70 for a debt of 1,000 or more but under 10,000,
    GBP 100 for 10,000 or more.
    """
    debt = to_decimal(debt, "debt")
    pence = to_minor(debt, 2)  # a debt converted from another currency is compared in pence
    if pence < 0:
        raise ValueError(f"the debt must not be negative, got {debt}")
    if pence < 100000:
        return Decimal(40)
    if pence < 1000000:
        return Decimal(70)
    return Decimal(100)


def uk_late_payment(base_rates, due_date, end, debt, *, basis="actual/365"):
    """Late Payment of Commercial Debts (Interest) Act 1998 (England, Wales, Scotland, NI).

    Statutory interest is 8 % over the Bank of England official dealing (base) rate in force on
    31 December (for interest that starts to run from 1 January to 30 June) or on 30 June (for
    interest that starts to run from 1 July to 31 December) immediately before the day
    interest starts to run, i.e. the day after the due date (Late Payment of Commercial Debts
    (Rate of Interest) (No. 3) Order 2002, SI 2002/1675, art. 4). That rate is FIXED for the
    whole delay: later changes of the base rate are ignored, so there is a single step. Daily
    interest is the yearly amount / 365 (``actual/365``). The fixed sum depends on the debt
    (s. 5A, see :func:`uk_fixed_sum`).

    ``base_rates``: [(date_from, Bank of England base rate)].
    """
    _check_basis(basis)
    _check_period(due_date, end, "due date", "end")
    fixed = uk_fixed_sum(debt)
    history = _steps(base_rates, "Bank of England base rate", negative_ok=True)
    first_day = due_date + _ONE_DAY
    if first_day.month <= 6:
        reference_date = date(first_day.year - 1, 12, 31)
    else:
        reference_date = date(first_day.year, 6, 30)
    steps = ()
    if end > due_date:
        rate = _reference_at(history, reference_date, "Bank of England base rate")
        steps = (RateStep(first_day, reference_date, rate, Decimal(8)),)
    law = "UK Late Payment of Commercial Debts (Interest) Act 1998"
    return StatutoryTerms(law, steps, basis, fixed, "GBP")


def germany_bgb_288(base_rates, due_date, end, *, consumer=False, basis="actual/365"):
    """Verzugszinsen, BGB § 288 (Germany).

    The default interest is the Basiszinssatz (BGB § 247) plus 5 percentage points when a
    consumer is party to the transaction (§ 288(1)), plus 9 points otherwise (§ 288(2)). The
    Basiszinssatz changes on 1 January and 1 July (§ 247(1)) and the delay IS split at each
    change: each half-year bears the rate in force on its first day. A debtor who is not a
    consumer also owes a flat EUR 40 (§ 288(5)); a consumer owes none. § 288 sets no day count:
    ``actual/365`` by default.

    ``base_rates``: [(date_from, Basiszinssatz)] as published by the Deutsche Bundesbank.
    """
    _check_basis(basis)
    _check_period(due_date, end, "due date", "end")
    margin = 5 if consumer else 9
    steps = _half_yearly_steps(base_rates, due_date, end, margin, "Basiszinssatz")
    fixed = Decimal(0) if consumer else Decimal(40)
    return StatutoryTerms("BGB § 288", steps, basis, fixed, "EUR")


def france_l441_10(reference_rates, due_date, end, *, margin=10, basis="actual/365"):
    """Pénalités de retard, Code de commerce art. L441-10 II (France).

    Failing a rate agreed in the terms (at least three times the taux d'intérêt légal), the
    rate is the one the ECB applied to its most recent refinancing operation plus 10 percentage
    points; the rate in force on 1 January applies to the first half of the year, the one in
    force on 1 July to the second half. A professional debtor also owes a fixed indemnity for
    recovery costs of EUR 40 (art. L441-10 II and D441-5). ``actual/365`` by default.

    ``reference_rates``: [(date_from, ECB main refinancing rate)].
    """
    _check_basis(basis)
    _check_period(due_date, end, "due date", "end")
    steps = _half_yearly_steps(reference_rates, due_date, end, margin, "ECB reference rate")
    return StatutoryTerms("Code de commerce L441-10", steps, basis, Decimal(40), "EUR")


def russia_art_395(key_rates, due_date, end):
    """Проценты за пользование чужими денежными средствами, Civil Code art. 395(1) (Russia).

    Unless a law or the contract sets another rate, the interest is the Bank of Russia key rate
    "in force in the corresponding periods": the rate of each day, so the delay is split at
    every change of the key rate. The days are the actual days over the actual length of the
    year, 365 or 366 (``actual/actual``; the 360-day year of the joint resolution of the
    Plenums no. 13/14 of 8 October 1998 is no longer applied, see the Plenum of the Supreme
    Court resolution no. 7 of 24 March 2016). There is no fixed compensation.

    ``key_rates``: [(date_from, key rate)], the date from which each decision applies.
    """
    _check_period(due_date, end, "due date", "end")
    history = _steps(key_rates, "key rate", negative_ok=True)
    steps = []
    if end > due_date:
        first_day = due_date + _ONE_DAY
        rate = _reference_at(history, first_day, "key rate")
        steps.append(RateStep(first_day, first_day, rate, _ZERO))
        for day, value in history:
            if first_day < day <= end:
                steps.append(RateStep(day, day, value, _ZERO))
    law = "Civil Code of the Russian Federation art. 395"
    return StatutoryTerms(law, tuple(steps), "actual/actual", _ZERO, "RUB", daily=True)


# ---------------------------------------------------------------------------------------------
# Indexation (Iran)
# ---------------------------------------------------------------------------------------------


def month_key(day):
    """Default period of a price index: the Gregorian month, ``(year, month)``."""
    return (day.year, day.month)


@dataclass(frozen=True)
class IndexationResult:
    """``amount`` = debt * (index_paid / index_due) - debt, rounded half up to ``digits``."""

    amount: Decimal
    exact: Decimal
    debt: Decimal
    due_period: object
    index_due: Decimal
    paid_period: object
    index_paid: Decimal
    ratio: Decimal


def iran_art_522_indexation(debt, due_date, payment_date, index, *, digits=0, period_of=month_key):
    """Compensation for the fall in value of money, Civil Procedure Code art. 522 (Iran).

    Not interest but indexation: when a debtor able to pay a money debt refuses after the
    creditor's demand, the court awards the debt adjusted by the change of the price index
    published by the Central Bank of the Islamic Republic of Iran, from the due date to the day
    of payment: ``debt * (index at payment / index at the due date) - debt``. Whether the
    conditions hold (demand, ability to pay, a marked change of the index) is for the caller.

    ``index`` is either a list of steps ``[(date_from, value)]``: the index **in force** on a
    day is the row dated on or before it (the Central Bank publishes its index by Solar Hijri
    month: a row entered from 1 Farvardin 1403 = 20 March 2024 applies from that day, whatever
    Gregorian month it falls in), or a mapping from a period to its value, the period of a
    date being ``period_of(day)`` (by default the Gregorian month, :func:`month_key`). With
    steps, ``due_period`` and ``paid_period`` of the result are the dates of the rows used.

    Rounding: the ratio of the two indexes is NOT rounded (some court calculators round it to a
    few decimals, which can move a large debt's result by thousands of rials); the result is
    rounded once, half up, to ``digits`` (0 by default: the rial is used without decimals). An
    index that fell gives zero, not a negative amount.

    Raises ValueError for a negative debt, a payment before the due date, a missing index or
    an index that is not positive.
    """
    _check_digits(digits)
    _check_period(due_date, payment_date, "due date", "payment date")
    debt = to_decimal(debt, "debt")
    if to_minor(debt, digits) < 0:
        raise ValueError(f"the debt must not be negative, got {debt}")
    steps = None if isinstance(index, dict) else _steps(index, "price index")
    values = []
    for day in (due_date, payment_date):
        if steps is not None:
            found = [(date_from, value) for date_from, value in steps if date_from <= day]
            if not found:
                raise ValueError(f"no price index in force on {day.isoformat()}")
            period, value = found[-1]
        else:
            period = period_of(day)
            if period not in index:
                raise ValueError(f"no price index for the period {period!r} ({day.isoformat()})")
            value = to_decimal(index[period], f"price index of {period!r}")
        if value <= 0:
            raise ValueError(f"the price index of {period!r} must be positive, got {value}")
        values.append((period, value))
    (due_period, index_due), (paid_period, index_paid) = values
    with localcontext(_CONTEXT):
        ratio = index_paid / index_due
        exact = max(debt * index_paid / index_due - debt, _ZERO)
    return IndexationResult(
        amount=round_money(exact, digits),
        exact=exact,
        debt=debt,
        due_period=due_period,
        index_due=index_due,
        paid_period=paid_period,
        index_paid=index_paid,
        ratio=ratio,
    )
