"""Pure factoring rules: which receivables a factor may buy, and the figures of a batch.

Nothing here touches the ORM, so the rules can be read and tested on their own (see the
top-level ``tests/`` folder). The models gather the facts of each invoice in a few queries and
turn the answers back into records and translated messages.

Figures of a batch, all in the batch currency and rounded half up to the currency's digits:

    face value   F  the open amounts of the invoices sold
    advance      A  = F x advance rate            paid by the factor when the batch is posted
    fee          f  = F x fee percent             the factor's charge (an expense for us)
    fee tax      t  the tax on the fee (computed by Odoo's tax engine from f)
    holdback     H  = F x holdback percent        kept by the factor until settlement
    settlement   S  = F - A - f - t               paid by the factor at settlement
                                                  (H released, plus what is left of F)

Each figure is rounded on the batch total, not per invoice, so a batch of 3 invoices of
1,000.00 / 2,500.00 / 480.50 at 80 % advance, 2 % fee and 10 % holdback gives
F = 3,980.50, A = 3,184.40, f = 79.61, H = 398.05.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from .late_fee_logic import round_money  # half up, once, to the currency's digits

# What factors advance, in percent of the face value.
MIN_ADVANCE_RATE = 70.0
MAX_ADVANCE_RATE = 90.0

# Why an invoice cannot be sold to a factor, in the order the rules are checked.
NOT_AN_INVOICE = "not_an_invoice"
NOT_POSTED = "not_posted"
PAID = "paid"
BLOCKED = "blocked"
DISPUTED = "disputed"
IN_PAYMENT_PLAN = "in_payment_plan"
AT_AGENCY = "at_agency"
CUSTOMER_ON_HOLD = "customer_on_hold"
CURRENCY_REFUSED = "currency_refused"
TOO_OLD = "too_old"
IN_ANOTHER_BATCH = "in_another_batch"


@dataclass(frozen=True)
class InvoiceFacts:
    """What the eligibility rules need to know about one invoice."""

    move_type: str  # "out_invoice", "out_refund", "entry"...
    state: str  # "draft", "posted", "cancel"
    payment_state: str  # "not_paid", "partial", "paid", "in_payment", "blocked"...
    currency: str  # ISO code of the invoice currency
    days_overdue: int  # days since the oldest open due date (negative: not yet due)
    disputed: bool = False  # an open dispute on the invoice
    in_payment_plan: bool = False  # in a payment plan in force
    at_agency: bool = False  # handed over to a collection agency, case still open
    customer_on_hold: bool = False  # the customer is on credit hold
    in_other_batch: bool = False  # already in another factoring batch that is not cancelled


@dataclass(frozen=True)
class FactorRules:
    """The factor's buying rules."""

    currencies: frozenset  # ISO codes the factor accepts
    max_days_overdue: int  # older than this many days past due: refused


def ineligibility(facts, rules):
    """Why the invoice cannot be sold under ``rules`` (a reason constant above), else None."""
    if facts.move_type != "out_invoice":
        return NOT_AN_INVOICE
    if facts.state != "posted":
        return NOT_POSTED
    if facts.payment_state == "blocked":
        return BLOCKED
    if facts.payment_state not in ("not_paid", "partial"):
        return PAID
    if facts.disputed:
        return DISPUTED
    if facts.in_payment_plan:
        return IN_PAYMENT_PLAN
    if facts.at_agency:
        return AT_AGENCY
    if facts.customer_on_hold:
        return CUSTOMER_ON_HOLD
    if facts.currency not in rules.currencies:
        return CURRENCY_REFUSED
    if facts.days_overdue > rules.max_days_overdue:
        return TOO_OLD
    if facts.in_other_batch:
        return IN_ANOTHER_BATCH
    return None


def percent_of(amount, percent, digits):
    """``percent`` % of ``amount``, rounded half up to ``digits`` decimals."""
    return round_money(Decimal(str(amount)) * Decimal(str(percent)) / 100, digits)


@dataclass(frozen=True)
class BatchFigures:
    face_value: Decimal
    advance: Decimal
    fee: Decimal
    fee_tax: Decimal
    holdback: Decimal

    @property
    def settlement(self):
        """What the factor pays at settlement: the holdback and the rest of the price."""
        return self.face_value - self.advance - self.fee - self.fee_tax

    @property
    def remainder(self):
        """What the factor owes beyond the holdback once the batch is posted."""
        return self.settlement - self.holdback


def batch_figures(amounts, advance_rate, fee_percent, holdback_percent, digits, fee_tax=0):
    """The figures of a batch selling invoices of open ``amounts`` (see the module doc).

    ``fee_tax`` is the tax on the fee, computed by the caller's tax engine.
    """
    for name, value in (
        ("advance rate", advance_rate),
        ("fee percent", fee_percent),
        ("holdback percent", holdback_percent),
    ):
        if not 0 <= value <= 100:
            raise ValueError(f"{name} must be between 0 and 100, not {value}")
    if any(round_money(amount, digits) <= 0 for amount in amounts):
        raise ValueError("every receivable sold must have a positive open amount")
    face_value = sum((round_money(amount, digits) for amount in amounts), Decimal(0))
    return BatchFigures(
        face_value=face_value,
        advance=percent_of(face_value, advance_rate, digits),
        fee=percent_of(face_value, fee_percent, digits),
        fee_tax=round_money(fee_tax, digits),
        holdback=percent_of(face_value, holdback_percent, digits),
    )


def with_fee_tax(figures, fee_tax, digits):
    """``figures`` with the tax on the fee set (rounded to ``digits``)."""
    return replace(figures, fee_tax=round_money(fee_tax, digits))
