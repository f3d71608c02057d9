"""Amounts in the currency owed (pure functions).

The follow-up deducts credits in company currency (see followup_logic.build_situation); the
customer is told what it owes in the currencies of its invoices. An item partly covered by a
credit still owes, in its currency, the same share of its amount as in company currency.
"""

from decimal import ROUND_HALF_UP, Decimal


def open_in_currency(amount_currency, amount, open_amount, decimal_places):
    """What is still owed of an item in its currency: ``amount_currency`` (its residual in its
    currency) in proportion to ``open_amount`` / ``amount`` (what credits left of its residual
    in company currency), rounded to the currency. The whole item is its whole amount exactly.
    """
    amount, open_amount = Decimal(str(amount)), Decimal(str(open_amount))
    amount_currency = Decimal(str(amount_currency))
    if not amount:
        return 0.0
    if open_amount == amount:
        return float(amount_currency)
    quantum = Decimal(1).scaleb(-decimal_places)
    share = (amount_currency * open_amount / amount).quantize(quantum, rounding=ROUND_HALF_UP)
    return float(share)


def totals_by_currency(rows):
    """``[(currency, total)]`` from ``rows`` of ``(currency, amount)``, summed exactly per
    currency, in the order the currencies first appear; zero totals left out."""
    totals = {}
    for currency, amount in rows:
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(str(amount))
    return [(currency, float(total)) for currency, total in totals.items() if total]
