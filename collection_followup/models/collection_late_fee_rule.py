import logging
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from ..const import (
    ELIGIBILITY_CHARGE,
    HELD_BLOCKED,
    HELD_DISPUTED,
    HELD_IN_PLAN,
    INDEX_REGIMES,
    PLAN_ACTIVE_STATES,
    REGIMES,
)
from ..tools import late_fee_logic as logic
from .collection_discount_rule import format_percent
from .collection_late_fee_ledger import ConcurrentChargeError
from .res_lang import counted

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)
AFTER_GRACE_DAYS = _lt(
    "{days, plural, one {%(terms)s, after # day of grace} other {%(terms)s, after # days of grace}}"
)
ITEM_DAYS_LATE = _lt(
    "{days, plural, one {Item due %(due)s, %(principal)s overdue, # day late:} "
    "other {Item due %(due)s, %(principal)s overdue, # days late:}}"
)


class ItemFigures(NamedTuple):
    """What one receivable item owes under a rule (see ``_item_figures``)."""

    amount: Decimal
    texts: list
    fixed: Decimal
    unchecked: tuple | None  # (regime, first day whose reference value is not checked)


class InvoiceFigures(NamedTuple):
    """What an invoice owes under a rule (see ``_invoice_figures``)."""

    total: Decimal
    texts: list
    fixed: Decimal
    provisional: str | None  # the sentence saying the rate is provisional


class ChargeOutcome(NamedTuple):
    """What charging a rule on one invoice did (see ``_charge_invoice``): ``outcome`` is
    ``charged``, ``nothing``, ``exempt``, ``review``, ``busy`` or ``error``."""

    fees: models.BaseModel
    outcome: str
    note: str
    ledger: models.BaseModel | None = None


# preset -> reference regime it reads
PRESETS = {
    "eu": "ecb_mro",
    "uk": "boe_base",
    "de_b2b": "de_basiszins",
    "de_consumer": "de_basiszins",
    "fr": "ecb_mro",
    "ru": "cbr_key",
    "ir": "ir_cpi",
}


class CollectionLateFeeRule(models.Model):
    """How much a late customer owes for the delay: a fixed fee, a percentage, yearly interest
    (a fixed rate, a reference rate plus a margin, or a statutory preset), or indexation.

    A rule is charged when a follow-up level that names it is reached, and every month for the
    customers of a policy that names it. Each charge books the fees accrued since the last one
    (fixed and percentage fees once per invoice, interest up to the charge date), so the same
    item and period is never charged twice.
    """

    _name = "collection.late.fee.rule"
    _description = "Late Fee Rule"
    _order = "company_id, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the fixed fee, the minimum and the maximum; they are converted to "
        "the invoice's currency on the day of the charge.",
    )
    preset = fields.Selection(
        [
            ("custom", "Custom"),
            ("eu", "EU Directive 2011/7/EU (reference rate + 8 points, EUR 40)"),
            ("uk", "UK Late Payment Act 1998 (base rate + 8 %, GBP 40/70/100)"),
            ("de_b2b", "Germany BGB § 288, businesses (base rate + 9 points, EUR 40)"),
            ("de_consumer", "Germany BGB § 288, consumers (base rate + 5 points)"),
            ("fr", "France Code de commerce L441-10 (ECB rate + 10 points, EUR 40)"),
            ("ru", "Russia Civil Code art. 395 (key rate)"),
            ("ir", "Iran Civil Procedure Code art. 522 (price index)"),
        ],
        default="custom",
        required=True,
        help="A statutory preset takes its rates from the reference-rate table and its fixed "
        "sum from the law; grace, minimum, maximum and cap still apply.",
    )
    fixed_amount = fields.Monetary(string="Fixed Fee", help="Charged once per late invoice.")
    percent = fields.Float(
        string="Percent of Overdue Amount",
        digits=(16, 4),
        help="Charged once per late item, on the amount that became overdue.",
    )
    interest = fields.Selection(
        [
            ("none", "No Interest"),
            ("fixed", "Fixed Yearly Rate"),
            ("reference", "Reference Rate + Margin"),
        ],
        default="none",
        required=True,
    )
    annual_rate = fields.Float(string="Yearly Rate (%)", digits=(16, 4))
    reference_regime = fields.Selection(
        [regime for regime in REGIMES if regime[0] not in INDEX_REGIMES],
        string="Reference Rate",
    )
    margin = fields.Float(string="Margin (points)", digits=(16, 4))
    day_count = fields.Selection(
        [(basis, basis) for basis in logic.BASES],
        default="actual/365",
        required=True,
        help="How days are turned into a share of the year. Statutory presets use the basis "
        "of their law.",
    )
    grace_days = fields.Integer(
        help="Nothing is charged until the item is this many days late; once they are over, "
        "interest still runs from the due date."
    )
    minimum = fields.Monetary(string="Minimum per Item")
    maximum = fields.Monetary(string="Maximum per Item", help="0: no maximum.")
    cap_percent = fields.Float(
        string="Cap (% of Principal)",
        digits=(16, 4),
        help="The fees of an item never exceed this share of its principal. 0: no cap.",
    )
    document = fields.Selection(
        [("debit_note", "Debit Note on the Invoice"), ("invoice", "Separate Fee Invoice")],
        default="debit_note",
        required=True,
    )
    product_id = fields.Many2one(
        "product.product",
        string="Fee Product",
        required=True,
        check_company=True,
        default=lambda self: self.env.ref(
            "collection_followup.product_late_fee", raise_if_not_found=False
        ),
        help="Its income account and taxes are used on the fee documents (no taxes by "
        "default: a late fee is not a sale).",
    )
    journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        domain="[('type', '=', 'sale')]",
        help="Sales journal of the fee documents. Empty: the journal of the late invoice.",
    )
    auto_post = fields.Boolean(
        string="Post Automatically",
        default=True,
        help="Post the fee documents at once; otherwise they wait in draft for review.",
    )
    payment_order = fields.Selection(
        [("odoo", "Odoo's Matching"), ("legal", "Fees and Interest First")],
        string="Partial Payments",
        default="odoo",
        required=True,
        help="Odoo's matching: a payment registered on the late invoice settles the invoice. "
        "Fees and interest first: it first settles the fee documents this rule booked on that "
        "invoice (costs and interest), then the invoice, in the order of BGB § 367 and of the "
        "Russian Civil Code art. 319; the principal left open keeps bearing interest.",
    )
    plan_days = fields.Selection(
        [
            ("from_missed", "From the Missed Instalment"),
            ("all", "All Days of the Plan"),
            ("none", "None"),
        ],
        string="Interest for a Broken Plan",
        default="from_missed",
        required=True,
        help="The days a payment plan that pauses fees was in force bear no interest. When the "
        "plan breaks: from the missed instalment, interest is charged from the day after the "
        "due date of the instalment that was missed; all days: the plan's days bear interest "
        "as if there had been no plan; none: interest resumes the day after the plan broke.",
    )
    checked_until = fields.Date(
        string="Rates Checked Until",
        compute="_compute_checked_until",
        help="The reference rates this rule reads were checked against the central bank's "
        "publication up to this day; fees for later days are provisional.",
    )
    summary = fields.Char(compute="_compute_summary")
    fee_ids = fields.One2many("collection.late.fee", "rule_id", string="Charges")
    ledger_ids = fields.One2many(
        "collection.late.fee.ledger", "rule_id", string="Invoices Examined", readonly=True
    )

    @api.depends(
        "preset",
        "fixed_amount",
        "percent",
        "interest",
        "annual_rate",
        "reference_regime",
        "margin",
        "grace_days",
        "currency_id",
    )
    def _compute_summary(self):
        for rule in self:
            rule.summary = rule._terms_text()

    @api.depends("preset", "interest", "reference_regime")
    def _compute_checked_until(self):
        for rule in self:
            regime = PRESETS.get(rule.preset) or (
                rule.interest == "reference" and rule.reference_regime
            )
            rule.checked_until = regime and rule._checked_until(regime) or False

    @api.constrains(
        "preset",
        "fixed_amount",
        "percent",
        "interest",
        "annual_rate",
        "reference_regime",
        "grace_days",
        "minimum",
        "maximum",
        "cap_percent",
    )
    def _check_figures(self):
        for rule in self:
            currency = rule.currency_id
            amounts = (rule.fixed_amount, rule.minimum, rule.maximum)
            if any(currency.compare_amounts(value, 0) < 0 for value in amounts) or any(
                value < 0 for value in (rule.percent, rule.cap_percent, rule.grace_days)
            ):
                raise ValidationError(
                    self.env._("Rule “%(rule)s”: fees and days cannot be negative.", rule=rule.name)
                )
            if (
                not currency.is_zero(rule.maximum)
                and currency.compare_amounts(rule.minimum, rule.maximum) > 0
            ):
                raise ValidationError(
                    self.env._("Rule “%(rule)s”: the minimum is above the maximum.", rule=rule.name)
                )
            if rule.preset != "custom":
                continue
            if rule.interest == "fixed" and rule.annual_rate <= 0:
                raise ValidationError(
                    self.env._("Rule “%(rule)s”: enter the yearly rate.", rule=rule.name)
                )
            if rule.interest == "reference" and not rule.reference_regime:
                raise ValidationError(
                    self.env._("Rule “%(rule)s”: choose the reference rate.", rule=rule.name)
                )
            if currency.is_zero(rule.fixed_amount) and not rule.percent and rule.interest == "none":
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s” charges nothing: set a fixed fee, a percentage or "
                        "interest.",
                        rule=rule.name,
                    )
                )

    # ------------------------------------------------------------------
    # What the rule says, in words (printed on invoices, in the customer's language)
    # ------------------------------------------------------------------

    def _terms_text(self):
        self.ensure_one()
        _ = self.env._
        laws = {
            "eu": _(
                "statutory interest at the ECB reference rate plus 8 points a year and a fixed "
                "compensation of EUR 40 per late invoice (Directive 2011/7/EU)"
            ),
            "uk": _(
                "statutory interest at 8 % over the Bank of England base rate and a fixed sum "
                "of GBP 40, 70 or 100 per late invoice (Late Payment of Commercial Debts "
                "(Interest) Act 1998)"
            ),
            "de_b2b": _(
                "default interest at 9 points over the base rate and a flat EUR 40 per late "
                "invoice (BGB § 288)"
            ),
            "de_consumer": _("default interest at 5 points over the base rate (BGB § 288)"),
            "fr": _(
                "late payment penalties at the ECB rate plus 10 points and a fixed indemnity of "
                "EUR 40 for recovery costs (Code de commerce L441-10)"
            ),
            "ru": _(
                "interest at the Bank of Russia key rate in force for each period (Civil Code "
                "art. 395)"
            ),
            "ir": _(
                "compensation for the fall in value of money by the Central Bank price index "
                "(Civil Procedure Code art. 522)"
            ),
        }
        if self.preset in laws:
            parts = [laws[self.preset]]
        else:
            parts = []
            if self.fixed_amount:
                amount = tools.format_amount(self.env, self.fixed_amount, self.currency_id)
                parts.append(_("a fee of %(amount)s per late invoice", amount=amount))
            if self.percent:
                parts.append(
                    _(
                        "%(percent)s %% of the overdue amount",
                        percent=format_percent(self.env, self.percent),
                    )
                )
            if self.interest == "fixed":
                parts.append(
                    _(
                        "interest at %(rate)s %% a year",
                        rate=format_percent(self.env, self.annual_rate),
                    )
                )
            elif self.interest == "reference":
                regimes = dict(self._fields["reference_regime"]._description_selection(self.env))
                parts.append(
                    _(
                        "interest at the %(reference)s plus %(margin)s points a year",
                        reference=regimes.get(self.reference_regime, ""),
                        margin=format_percent(self.env, self.margin),
                    )
                )
        text = ", ".join(parts)
        if self.grace_days:
            text = counted(self.env, AFTER_GRACE_DAYS, self.grace_days, terms=text)
        return text

    # ------------------------------------------------------------------
    # Arithmetic: what an invoice owes under the rule on a date
    # ------------------------------------------------------------------

    def _history(self, regime):
        return self.env["collection.reference.rate"]._history(regime)

    def _convert(self, amount, from_currency, invoice, on_date):
        """``amount`` of ``from_currency`` in the invoice's currency, as a Decimal."""
        if not amount or from_currency == invoice.currency_id:
            return Decimal(str(amount or 0))
        converted = from_currency._convert(
            float(amount), invoice.currency_id, invoice.company_id, on_date, round=False
        )
        return Decimal(str(converted))

    def _law_currency(self, code):
        return self.env.ref(f"base.{code}")

    def _statutory_terms(self, due_date, on_date, principal, invoice):
        """The law's rate steps, basis and fixed sum (in the invoice's currency)."""
        history = self._history(PRESETS[self.preset])
        if self.preset == "uk":
            gbp = self._law_currency("GBP")
            debt = principal
            if invoice.currency_id != gbp:
                debt = Decimal(
                    str(
                        invoice.currency_id._convert(
                            float(principal), gbp, invoice.company_id, due_date, round=False
                        )
                    )
                )
            terms = logic.uk_late_payment(history, due_date, on_date, debt)
        elif self.preset == "eu":
            terms = logic.eu_late_payment(history, due_date, on_date)
        elif self.preset in ("de_b2b", "de_consumer"):
            terms = logic.germany_bgb_288(
                history, due_date, on_date, consumer=self.preset == "de_consumer"
            )
        elif self.preset == "fr":
            terms = logic.france_l441_10(history, due_date, on_date)
        else:
            terms = logic.russia_art_395(history, due_date, on_date)
        fixed = self._convert(terms.fixed, self._law_currency(terms.currency), invoice, on_date)
        return terms, fixed

    @api.model
    def _item_payments(self, line, on_date):
        """``[(day, amount)]`` paid or credited on receivable ``line`` up to ``on_date``, in its
        currency: what reached the line (with the fees-first order of :attr:`payment_order`, a
        payment that settled fee documents first reaches the invoice only for the rest)."""
        return [
            (partial.max_date, Decimal(str(partial.debit_amount_currency)))
            for partial in line.matched_credit_ids
            if partial.max_date <= on_date
        ]

    @api.model
    def _balance_steps(self, line, on_date, pauses=()):
        """What was open of receivable ``line`` over time, in its currency, counted as zero
        during ``pauses`` (see :meth:`_pauses`).

        Returns ``(principal, steps)``: the amount that became overdue on the due date (the
        item less what was paid or credited by then) and ``[(date, balance)]`` from the due
        date on. A payment lowers the balance from the day after it: the day of payment bears
        interest (:func:`..tools.late_fee_logic.balance_steps`).
        """
        due_date = line.date_maturity or line.date
        principal, steps = logic.balance_steps(
            Decimal(str(line.amount_currency)),
            due_date,
            self._item_payments(line, on_date),
            line.move_id.currency_id.decimal_places,
        )
        return principal, logic.pause_steps(steps, [(start, end) for start, end, _why in pauses])

    def _pauses(self, invoice, on_date):
        """``[(first day, day it ends, reason)]`` when ``invoice`` bore no interest, the end
        excluded:

        - ``disputed``: from the day a dispute was opened to the day it was resolved included;
        - ``plan``: the days a payment plan that pauses fees was in force, from its acceptance.
          A plan completed or cancelled keeps its days free. A broken plan keeps them free up
          to the due date of the instalment that was missed (``plan_days`` "from the missed
          instalment", the default), or up to the day it broke ("none"), or not at all ("all":
          the plan's days bear interest as if there had been no plan).
        """
        self.ensure_one()
        one_day = timedelta(days=1)
        pauses = []
        # The engine's bookkeeping: a collector or the portal may compute what a dispute saves.
        for dispute in self.env["collection.dispute"].sudo().search([("move_id", "=", invoice.id)]):
            start = dispute.date
            end = (dispute.resolved_date or on_date) + one_day
            if start <= on_date:
                pauses.append((start, end, "disputed"))
        for plan in invoice.sudo().collection_payment_plan_ids:
            if not (plan.pause_fees and plan.accepted_date) or plan.accepted_date > on_date:
                continue
            if plan.state in PLAN_ACTIVE_STATES:
                last = on_date
            elif plan.state == "broken":
                if self.plan_days == "all":
                    continue
                if self.plan_days == "from_missed":
                    last = plan.broken_due_date or plan.end_date or on_date
                else:
                    last = plan.end_date or on_date
            elif plan.state in ("completed", "cancel"):
                last = plan.end_date or on_date
            else:
                continue
            if last >= plan.accepted_date:
                pauses.append((plan.accepted_date, last + one_day, "plan"))
        return pauses

    def _item_figures(self, line, on_date, with_fixed, pauses=()):
        """What one receivable line (an instalment) owes under the rule on ``on_date``.

        Returns an :class:`ItemFigures`: the fee as a Decimal rounded to the invoice's
        currency, the lines that explain it, the fixed part in it, and the first day whose
        reference rate is not checked (None when all are). ``with_fixed``: this item carries
        the invoice's fixed fee. Raises UserError when the rule cannot be computed (a reference
        rate missing...).
        """
        try:
            return self._compute_item(line, on_date, with_fixed, pauses)
        except ValueError as error:
            raise UserError(
                self.env._(
                    "Late fee rule “%(rule)s” cannot compute %(invoice)s: %(error)s",
                    rule=self.name,
                    invoice=line.move_id.name,
                    error=error,
                )
            ) from None

    def _compute_item(self, line, on_date, with_fixed, pauses):
        invoice = line.move_id
        currency = invoice.currency_id
        digits = currency.decimal_places
        due_date = line.date_maturity or line.date
        nothing = ItemFigures(Decimal(0), [], Decimal(0), None)
        if self.preset == "ir":
            # Indexation compensates the fall in value of money, disputed or not: no pause.
            return self._indexation_figures(line, due_date, on_date) or nothing
        principal, steps = self._balance_steps(line, on_date, pauses)
        if not logic.to_minor(principal, digits) or on_date <= due_date:
            return nothing
        interest_end = self._interest_end(steps, on_date)
        rates = basis = regime = None
        unchecked = None
        fixed = Decimal(0)
        percent = 0
        if self.preset == "custom":
            fixed = self._convert(self.fixed_amount, self.currency_id, invoice, on_date)
            percent = self.percent
            basis = self.day_count
            if self.interest == "fixed":
                rates = [(due_date, self.annual_rate)]
            elif self.interest == "reference":
                regime = self.reference_regime
                history = self._history(regime)
                margin = Decimal(str(self.margin))
                rates = [(day, Decimal(str(value)) + margin) for day, value in history]
                unchecked = logic.unchecked_from(
                    due_date, interest_end, self._checked_until(regime)
                )
        else:
            regime = PRESETS[self.preset]
            terms, fixed = self._statutory_terms(due_date, on_date, principal, invoice)
            rates, basis = terms.rates or None, terms.basis
            unchecked = terms.unchecked_from(interest_end, self._checked_until(regime))
            if unchecked and unchecked > interest_end:
                unchecked = None
        if rates is not None and not rates:
            rates = None
        result = logic.compute_fee(
            principal,
            due_date,
            on_date,
            fixed=fixed if with_fixed else 0,
            percent=percent,
            rates=rates,
            balances=steps,
            basis=basis or "actual/365",
            grace_days=self.grace_days,
            minimum=self._convert(self.minimum, self.currency_id, invoice, on_date) or None,
            maximum=self._convert(self.maximum, self.currency_id, invoice, on_date) or None,
            cap_percent=self.cap_percent or None,
            digits=digits,
        )
        if result.status != logic.CHARGED:
            return nothing
        return ItemFigures(
            result.amount,
            self._explain(line, principal, result, pauses),
            result.fixed,
            (regime, unchecked) if unchecked else None,
        )

    @staticmethod
    def _interest_end(steps, on_date):
        """The last day of (due date, ``on_date``] on which something was still owed."""
        last_day, last_balance = steps[-1]
        if not last_balance and last_day <= on_date:
            return last_day - timedelta(days=1)
        return on_date

    def _checked_until(self, regime):
        return self.env["collection.reference.regime"]._checked_until(regime)

    def _indexation_figures(self, line, due_date, on_date):
        """Iran art. 522: each part of the debt indexed from the due date to the day it was
        paid, what is still open to ``on_date``, with the index row in force on each of those
        days (the rows start on the first day of each Solar Hijri month)."""
        invoice = line.move_id
        currency = invoice.currency_id
        digits = currency.decimal_places
        payments = self._item_payments(line, on_date)
        principal = Decimal(str(line.amount_currency))
        parts = []
        for day, amount in sorted(payments):
            if day <= due_date:
                principal -= amount
            else:
                parts.append((amount, day))
        open_amount = principal - sum((amount for amount, _day in parts), Decimal(0))
        if logic.to_minor(open_amount, digits) > 0 and on_date > due_date:
            parts.append((open_amount, on_date))
        if logic.to_minor(principal, digits) <= 0 or on_date <= due_date:
            return None
        index = self._history(PRESETS[self.preset])
        exact = Decimal(0)
        texts = []
        for amount, day in parts:
            if logic.to_minor(amount, digits) <= 0:
                continue
            result = logic.iran_art_522_indexation(amount, due_date, day, index, digits=digits)
            exact += result.exact
            texts.append(
                self.env._(
                    "%(amount)s indexed from %(due)s to %(day)s: index %(index_due)s (from "
                    "%(due_row)s) → %(index_paid)s (from %(paid_row)s) = %(fee)s",
                    amount=self._money(amount, currency),
                    due=self._date(due_date),
                    day=self._date(day),
                    index_due=format_percent(self.env, result.index_due),
                    due_row=self._date(result.due_period),
                    index_paid=format_percent(self.env, result.index_paid),
                    paid_row=self._date(result.paid_period),
                    fee=self._money(result.exact, currency),
                )
            )
        if not texts:
            return None
        checked = self._checked_until(PRESETS[self.preset])
        reads = [due_date] + [day for _amount, day in parts]
        unread = [day for day in reads if checked is None or day > checked]
        unchecked = (PRESETS[self.preset], min(unread)) if unread else None
        return ItemFigures(logic.round_money(exact, digits), texts, Decimal(0), unchecked)

    def _money(self, amount, currency):
        return tools.format_amount(self.env, float(amount), currency)

    def _date(self, day):
        return tools.format_date(self.env, day)

    def _explain(self, line, principal, result, pauses=()):
        currency = line.move_id.currency_id
        _ = self.env._
        due_date = line.date_maturity or line.date
        texts = [
            counted(
                self.env,
                ITEM_DAYS_LATE,
                result.days_late,
                due=self._date(due_date),
                principal=self._money(principal, currency),
            )
        ]
        if result.fixed:
            texts.append(_("fixed fee %(amount)s", amount=self._money(result.fixed, currency)))
        if result.percent_amount:
            texts.append(
                _(
                    "%(percent)s %% of %(principal)s = %(amount)s",
                    percent=format_percent(self.env, self.percent),
                    principal=self._money(principal, currency),
                    amount=self._money(result.percent_amount, currency),
                )
            )
        for segment in result.interest.segments if result.interest else ():
            if not segment.amount:
                continue
            texts.append(
                _(
                    "%(first)s – %(last)s: %(balance)s × %(rate)s %% × %(days)s/%(year)s = "
                    "%(amount)s",
                    first=self._date(segment.first_day),
                    last=self._date(segment.end),
                    balance=self._money(segment.balance, currency),
                    rate=format_percent(self.env, segment.rate),
                    days=segment.days,
                    year=segment.year_days,
                    amount=self._money(segment.amount, currency),
                )
            )
        on_date = due_date + timedelta(days=result.days_late)
        reasons = {"disputed": _("disputed"), "plan": _("payment plan")}
        for start, end, why in pauses if result.interest else ():
            first = max(start, due_date + timedelta(days=1))
            last = min(end - timedelta(days=1), on_date)
            if first <= last:
                texts.append(
                    _(
                        "%(first)s – %(last)s: no interest (%(reason)s)",
                        first=self._date(first),
                        last=self._date(last),
                        reason=reasons[why],
                    )
                )
        limits = {
            "minimum": _("raised to the minimum"),
            "maximum": _("limited to the maximum"),
            "cap": _(
                "limited to %(percent)s %% of the principal",
                percent=format_percent(self.env, self.cap_percent),
            ),
        }
        if result.limit:
            texts.append(
                _(
                    "%(limit)s: %(amount)s",
                    limit=limits[result.limit],
                    amount=self._money(result.limit_value, currency),
                )
            )
        texts.append(_("fee for this item %(amount)s", amount=self._money(result.amount, currency)))
        return texts

    def _invoice_figures(self, invoice, on_date):
        """Everything ``invoice`` owes under the rule from its due dates to ``on_date``,
        charged or not, as :class:`InvoiceFigures` (total as a Decimal, explanation lines, the
        fixed fee in it, and the sentence saying the rate is provisional, or None). The fixed
        fee goes with the first late item only: it is due once per late invoice."""
        self.ensure_one()
        lines = invoice.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
            and aml.currency_id.compare_amounts(aml.amount_currency, 0) > 0
        ).sorted(lambda aml: (aml.date_maturity or aml.date, aml.id))
        pauses = self._pauses(invoice, on_date)
        total, texts, fixed, fixed_given, unchecked = Decimal(0), [], Decimal(0), False, []
        for line in lines:
            item = self._item_figures(line, on_date, with_fixed=not fixed_given, pauses=pauses)
            if item.texts:
                fixed_given = True
            total += item.amount
            fixed += item.fixed
            texts.extend(item.texts)
            if item.unchecked:
                unchecked.append(item.unchecked)
        provisional = None
        if unchecked:
            regime, day = min(unchecked, key=lambda pair: pair[1])
            provisional = self._provisional_text(regime, day)
            texts.append(provisional)
        return InvoiceFigures(total, texts, fixed, provisional)

    def _provisional_text(self, regime, day):
        """The warning that a figure rests on reference values not checked yet."""
        Regime = self.env["collection.reference.regime"]
        checked = self._checked_until(regime)
        if checked is None:
            return self.env._(
                "Provisional: the %(series)s has not been checked against the central bank's "
                "publication; the values entered are used.",
                series=Regime._label(regime),
            )
        return self.env._(
            "Provisional: the %(series)s is checked until %(checked)s; from %(day)s the last "
            "value known is used, and the figure changes if the central bank decided "
            "otherwise.",
            series=Regime._label(regime),
            checked=self._date(checked),
            day=self._date(day),
        )

    # ------------------------------------------------------------------
    # Charging
    # ------------------------------------------------------------------

    @api.model
    def _exempt_reason(self, invoice):
        """Why ``invoice`` gets no late fee now, or False."""
        _ = self.env._
        partner = invoice.commercial_partner_id.with_company(invoice.company_id)
        if invoice.move_type != "out_invoice" or invoice.state != "posted":
            return _("not a posted customer invoice")
        if invoice.collection_late_fee_origin_id:
            return _("a fee document bears no fee")
        reason = (
            self.env["collection.eligibility"]
            ._collection_reasons(ELIGIBILITY_CHARGE, invoice)
            .get(invoice.id)
        )
        if reason == HELD_BLOCKED:
            return _("payment blocked")
        if partner.collection_excluded:
            return _("customer excluded from follow-up")
        if reason:
            return {
                HELD_DISPUTED: _("disputed"),
                HELD_IN_PLAN: _("in a payment plan on schedule"),
            }.get(reason, reason)
        milestone = invoice.collection_billing_milestone_id.sudo()
        if milestone.is_deposit and not milestone.plan_id.milestone_ids.filtered(
            lambda m: not m.is_deposit and m.state in ("ready", "invoiced", "paid")
        ):
            return _("deposit for work not started")
        return False

    def _charge(self, invoices, on_date, period_key):
        """Charge the rule on ``invoices`` for ``period_key`` (a day or a month); return the
        new ``collection.late.fee`` records. See :meth:`_charge_invoice`."""
        self.ensure_one()
        fees = self.env["collection.late.fee"]
        for invoice in invoices:
            fees |= self._charge_invoice(invoice, on_date, period_key).fees
        return fees

    def _charge_invoice(self, invoice, on_date, period_key):
        """Charge the rule on ``invoice`` for ``period_key``, once whoever charges it.

        The (rule, invoice) ledger row is locked and updated first, in a savepoint: another
        transaction charging the same rule on the same invoice — a follow-up level, the monthly
        accrual, a manager approving a fee action — makes this one book nothing (outcome
        ``busy``) instead of a second fee, and a later charge adds what is left. Then the fee
        is what the invoice owes under the rule up to ``on_date`` less what was posted or
        waived under it. Nothing is booked for a period already charged, an exempt invoice, a
        fee of the rule still waiting in draft for review, or nothing left to charge.

        The fee and its document are booked in the same savepoint: an error leaves neither.
        Returns a :class:`ChargeOutcome` with the ledger row (empty when busy).
        """
        self.ensure_one()
        Ledger = self.env["collection.late.fee.ledger"].sudo()  # the engine's bookkeeping
        try:
            with self.env.cr.savepoint():
                ledger = Ledger._lock(self, invoice)
                outcome = self._charge_locked(invoice, on_date, period_key)
        except ConcurrentChargeError:
            _logger.info(
                "Late fees of %s under %s are being charged by another transaction: left to "
                "the next charge.",
                invoice.name,
                self.name,
            )
            return ChargeOutcome(
                self.env["collection.late.fee"],
                "busy",
                self.env._(
                    "The late fees of %(invoice)s were being charged by another process at the "
                    "same moment: nothing was booked twice, and the next charge adds what is "
                    "left.",
                    invoice=invoice.name,
                ),
                Ledger,
            )
        return outcome._replace(ledger=ledger)

    def _charge_locked(self, invoice, on_date, period_key):
        """:meth:`_charge_invoice` once the ledger row is held."""
        _ = self.env._
        # Fees are the engine's ledger, read-only for people: booked as superuser whoever
        # charges them (a follow-up level, the monthly accrual, a manager's approval).
        Fee = self.env["collection.late.fee"].sudo()
        currency = invoice.currency_id
        previous = Fee.search([("rule_id", "=", self.id), ("move_id", "=", invoice.id)])
        if period_key in previous.mapped("period_key"):
            return ChargeOutcome(Fee, "nothing", _("Already charged for this period."))
        reason = self._exempt_reason(invoice)
        if reason:
            return ChargeOutcome(Fee, "exempt", reason)
        if previous.filtered(lambda fee: fee.state == "draft"):
            return ChargeOutcome(
                Fee,
                "review",
                _("A fee of this rule waits in draft for review: it is posted or waived first."),
            )
        figures = self.with_context(lang=invoice.partner_id.lang)._invoice_figures(invoice, on_date)
        # Only what was posted or waived counts as charged.
        counted = previous.filtered(lambda fee: fee.state in ("posted", "waived"))
        charged = currency.round(sum(counted.mapped("amount")))
        amount = currency.round(float(figures.total) - charged)
        if currency.compare_amounts(amount, 0) <= 0:
            return ChargeOutcome(Fee, "nothing", _("Nothing more to charge."))
        fee = Fee.create(
            {
                "rule_id": self.id,
                "move_id": invoice.id,
                "period_key": period_key,
                "date": on_date,
                "amount_total": float(figures.total),
                "amount": amount,
                "includes_fixed": bool(figures.fixed) and not previous.filtered("includes_fixed"),
                "provisional": bool(figures.provisional),
                "explanation": "\n".join(
                    self.with_context(lang=invoice.partner_id.lang)._charge_texts(
                        figures.texts, figures.total, charged, amount, currency
                    )
                ),
            }
        )
        fee._create_documents()
        return ChargeOutcome(
            fee, "charged", _("Charged %(amount)s.", amount=self._money(amount, currency))
        )

    def _charge_texts(self, texts, total, charged, amount, currency):
        _ = self.env._
        lines = [self.name, *texts]
        if charged:
            lines.append(
                _(
                    "Total to date %(total)s, already charged %(charged)s",
                    total=self._money(total, currency),
                    charged=self._money(charged, currency),
                )
            )
        lines.append(_("Charged now: %(amount)s", amount=self._money(amount, currency)))
        return lines

    @api.model
    def _policy_rules(self, policy, days_late=None):
        """The rules of ``policy``: its monthly rule, and the rules of its levels reached by
        an item ``days_late`` days late (all levels when None)."""
        rules = policy.late_fee_rule_id
        for level in policy.level_ids:
            if level.late_fee_rule_id and (days_late is None or level.delay <= days_late):
                rules |= level.late_fee_rule_id
        return rules

    @api.model
    def _cron_accrue_monthly(self, today=None, batch_size=500):
        """Charge the monthly rules of every policy for the last complete month, one batch.

        Each (rule, invoice) is examined once for the month, charged or not: the outcome
        (charged, nothing to charge, exempt, awaiting review, error) is written on its ledger
        row, so the next batch goes on with the next invoices. Each pair runs in its own
        savepoint: an error of any kind is logged and recorded on the row and does not stop the
        others; a pair another transaction is charging at the same moment is left for the next
        batch. The progress is reported to the scheduler, which commits the batch and calls
        again while invoices remain (Odoo's cron progress). Returns the number of pairs done.
        """
        today = today or fields.Date.context_today(self)
        period_end = today.replace(day=1) - timedelta(days=1)
        period_key = period_end.strftime("%Y-%m")
        pending = self._monthly_pending(period_end, period_key)
        batch = pending[:batch_size] if batch_size else pending
        done = 0
        for rule, invoice in batch:
            done += rule._accrue_invoice(invoice, period_end, period_key).outcome != "busy"
        if done < len(batch):
            # Pairs another transaction was charging: examined again in a minute, whatever the
            # scheduler makes of a batch with no progress.
            cron = self.env.ref(
                "collection_followup.ir_cron_collection_late_fees_monthly",
                raise_if_not_found=False,
            )
            if cron:
                cron._trigger(fields.Datetime.now() + timedelta(minutes=1))
        self.env["ir.cron"]._notify_progress(done=done, remaining=len(pending) - done)
        return done

    def _accrue_invoice(self, invoice, period_end, period_key):
        """The monthly accrual of the rule on one invoice, recorded on its ledger row."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                outcome = self._charge_invoice(invoice, period_end, period_key)
                outcome.ledger.write(
                    {
                        "monthly_period": period_key,
                        "monthly_outcome": outcome.outcome,
                        "monthly_note": outcome.note,
                    }
                )
            return outcome
        except UserError as error:
            _logger.info("Late fees of %s for %s not charged: %s", invoice.name, period_key, error)
            note = str(error)
        except Exception as error:  # noqa: BLE001 - one bad invoice must not stop the month
            _logger.warning(
                "Late fees of %s for %s failed", invoice.name, period_key, exc_info=True
            )
            note = self.env._("Unexpected error: %(error)s", error=error)
        Fee = self.env["collection.late.fee"]
        Ledger = self.env["collection.late.fee.ledger"].sudo()
        try:
            with self.env.cr.savepoint():
                Ledger._lock(self, invoice).write(
                    {"monthly_period": period_key, "monthly_outcome": "error", "monthly_note": note}
                )
        except ConcurrentChargeError:
            return ChargeOutcome(Fee, "busy", note, Ledger)
        return ChargeOutcome(Fee, "error", note, Ledger)

    @api.model
    def _monthly_pending(self, period_end, period_key):
        """``[(rule, invoice)]`` the monthly accrual still has to examine for the period: late
        invoices open at some time in it, under a policy with a monthly rule, whose ledger row
        does not say the month was examined."""
        period_start = period_end.replace(day=1)
        policies = self.env["collection.followup.policy"].search(
            [("late_fee_rule_id", "!=", False)]
        )
        done = {
            (row["rule_id"][0], row["move_id"][0])
            for row in self.env["collection.late.fee.ledger"]
            .sudo()
            .search_read(
                [
                    ("rule_id", "in", policies.late_fee_rule_id.ids),
                    ("monthly_period", ">=", period_key),
                ],
                ["rule_id", "move_id"],
            )
        }
        pending = []
        for company in policies.company_id:
            lines = self.env["account.move.line"].search(
                [
                    ("company_id", "=", company.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("move_id.collection_late_fee_origin_id", "=", False),
                    ("date_maturity", "<", period_end),
                    "|",
                    ("reconciled", "=", False),
                    ("matched_credit_ids.max_date", ">=", period_start),
                ],
                order="date_maturity, id",
            )
            default_policy = company.collection_policy_id
            for invoice in lines.move_id:
                partner = invoice.commercial_partner_id.with_company(company)
                rule = (partner.collection_policy_id or default_policy).late_fee_rule_id
                if rule and (rule.id, invoice.id) not in done:
                    pending.append((rule, invoice))
        return pending
