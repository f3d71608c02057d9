"""Factoring figures and eligibility rules, without a database.

Figures worked out by hand: three invoices of 1,000.00 + 2,500.00 + 480.50 = 3,980.50 sold at
80 % advance, 2 % fee taxed 20 %, 10 % holdback.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from odoo.addons.collection_followup.tools import factoring_logic as fl

D = Decimal


def test_batch_figures_to_the_cent():
    figures = fl.batch_figures([1000, 2500, 480.50], 80, 2, 10, 2, fee_tax=D("15.922"))
    assert figures.face_value == D("3980.50")
    assert figures.advance == D("3184.40")  # 3,980.50 x 0.80
    assert figures.fee == D("79.61")  # 3,980.50 x 0.02 = 79.61
    assert figures.fee_tax == D("15.92")  # 79.61 x 0.20 = 15.922
    assert figures.holdback == D("398.05")  # 3,980.50 x 0.10
    assert figures.settlement == D("700.57")  # 3,980.50 - 3,184.40 - 79.61 - 15.92
    assert figures.remainder == D("302.52")  # 700.57 - 398.05


def test_rounding_is_half_up_on_the_batch_total():
    # 1.5 % of 100.00 = 1.50; 50 % of 0.375 = 0.1875 -> 0.19 (half up)
    figures = fl.batch_figures([D("33.33"), D("33.33"), D("33.34")], 75, D("1.5"), 5, 2)
    assert figures.face_value == D("100.00")
    assert figures.fee == D("1.50")
    assert fl.percent_of(D("0.375"), 50, 2) == D("0.19")
    assert fl.percent_of(D("1000"), D("2.5"), 0) == D("25")  # a currency without decimals


def test_fee_tax_is_added_separately():
    figures = fl.batch_figures([1000], 80, 2, 10, 2)
    assert figures.fee_tax == 0
    taxed = fl.with_fee_tax(figures, 4.004, 2)
    assert taxed.fee_tax == D("4.00")
    assert taxed.settlement == D("176.00")  # 1,000 - 800 - 20 - 4


@pytest.mark.parametrize(
    ("bad", "digits"),
    [([0], 2), ([-10], 2), ([100, 0], 2), ([100, 0.004], 2), ([0.4], 0)],
)
def test_receivables_must_be_positive(bad, digits):
    """Positive in the currency's minor units: 0.004 is 0.00 in cents, 0.4 is 0 yen."""
    with pytest.raises(ValueError, match="positive"):
        fl.batch_figures(bad, 80, 2, 10, digits)


def test_percentages_are_bounded():
    with pytest.raises(ValueError, match="advance rate"):
        fl.batch_figures([100], 101, 2, 10, 2)


RULES = fl.FactorRules(currencies=frozenset({"USD"}), max_days_overdue=30)
GOOD = fl.InvoiceFacts(
    move_type="out_invoice",
    state="posted",
    payment_state="not_paid",
    currency="USD",
    days_overdue=0,
)


def test_a_plain_open_invoice_is_eligible():
    assert fl.ineligibility(GOOD, RULES) is None
    assert fl.ineligibility(replace(GOOD, payment_state="partial"), RULES) is None
    assert fl.ineligibility(replace(GOOD, days_overdue=-20), RULES) is None  # not yet due


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"move_type": "out_refund"}, fl.NOT_AN_INVOICE),
        ({"state": "draft"}, fl.NOT_POSTED),
        ({"payment_state": "paid"}, fl.PAID),
        ({"payment_state": "in_payment"}, fl.PAID),
        ({"payment_state": "blocked"}, fl.BLOCKED),
        ({"disputed": True}, fl.DISPUTED),
        ({"in_payment_plan": True}, fl.IN_PAYMENT_PLAN),
        ({"at_agency": True}, fl.AT_AGENCY),
        ({"customer_on_hold": True}, fl.CUSTOMER_ON_HOLD),
        ({"currency": "EUR"}, fl.CURRENCY_REFUSED),
        ({"days_overdue": 31}, fl.TOO_OLD),
        ({"in_other_batch": True}, fl.IN_ANOTHER_BATCH),
    ],
)
def test_each_rule_excludes(change, reason):
    assert fl.ineligibility(replace(GOOD, **change), RULES) == reason


def test_the_age_limit_is_inclusive():
    assert fl.ineligibility(replace(GOOD, days_overdue=30), RULES) is None
    assert fl.ineligibility(replace(GOOD, days_overdue=31), RULES) == fl.TOO_OLD
