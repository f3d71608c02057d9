import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..const import INDEX_REGIMES, REGIMES
from ..tools import late_fee_logic as logic
from .collection_discount_rule import format_percent

_logger = logging.getLogger(__name__)

# preset -> (reference regime it reads, label of the law)
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
    summary = fields.Char(compute="_compute_summary")
    fee_ids = fields.One2many("collection.late.fee", "rule_id", string="Charges")

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
            amounts = (rule.fixed_amount, rule.percent, rule.minimum, rule.maximum)
            if any(value < 0 for value in (*amounts, rule.cap_percent, rule.grace_days)):
                raise ValidationError(
                    self.env._("Rule “%(rule)s”: fees and days cannot be negative.", rule=rule.name)
                )
            if rule.maximum and rule.minimum > rule.maximum:
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
            if not (rule.fixed_amount or rule.percent or rule.interest != "none"):
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
            text = _("%(terms)s, after %(days)s days of grace", terms=text, days=self.grace_days)
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
    def _balance_steps(self, line, on_date, pauses=()):
        """What was open of receivable ``line`` over time, in its currency, counted as zero
        during ``pauses`` (see :meth:`_pauses`).

        Returns ``(principal, steps)``: the amount that became overdue on the due date (the
        item less what was paid or credited by then) and ``[(date, balance)]`` from the due
        date on, one step per day payments or credits reduced it, up to ``on_date``.
        """
        due_date = line.date_maturity or line.date
        paid = defaultdict(Decimal)
        for partial in line.matched_credit_ids:
            if partial.max_date <= on_date:
                paid[max(partial.max_date, due_date)] += Decimal(str(partial.debit_amount_currency))
        balance = Decimal(str(line.amount_currency)) - paid.pop(due_date, Decimal(0))
        principal = balance
        steps = [(due_date, balance)]
        for day in sorted(paid):
            balance -= paid[day]
            steps.append((day, max(balance, Decimal(0))))
        return principal, self._pause_steps(steps, pauses)

    @api.model
    def _pauses(self, invoice, on_date):
        """``[(first day, day it ends)]`` when ``invoice`` bore no interest: the days it was
        disputed, from the day the dispute was opened to the day it was resolved included."""
        pauses = []
        for dispute in self.env["collection.dispute"].sudo().search([("move_id", "=", invoice.id)]):
            start = dispute.date
            end = (dispute.resolved_date or on_date) + timedelta(days=1)
            if start <= on_date:
                pauses.append((start, end))
        return pauses

    @staticmethod
    def _pause_steps(steps, pauses):
        """The balance ``steps`` with a zero balance during each of ``pauses``."""
        if not pauses:
            return steps

        def value(day):
            if any(start <= day < end for start, end in pauses):
                return Decimal(0)
            return [amount for date_from, amount in steps if date_from <= day][-1]

        first = steps[0][0]
        days = {day for day, _amount in steps}
        days |= {day for pause in pauses for day in pause if day > first}
        return [(day, value(day)) for day in sorted(days)]

    def _item_figures(self, line, on_date, with_fixed, pauses=()):
        """What one receivable line (an instalment) owes under the rule on ``on_date``.

        Returns ``(amount, texts)``: the fee as a Decimal rounded to the invoice's currency, and
        the lines that explain it. ``with_fixed``: this item carries the invoice's fixed fee.
        Raises UserError when the rule cannot be computed (a reference rate missing...).
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
        principal, steps = self._balance_steps(line, on_date, pauses)
        if principal <= 0 or on_date <= due_date:
            return Decimal(0), []
        if self.preset == "ir":
            return self._indexation_figures(line, due_date, on_date, principal, steps)
        rates = basis = None
        fixed = Decimal(0)
        percent = 0
        if self.preset == "custom":
            fixed = self._convert(self.fixed_amount, self.currency_id, invoice, on_date)
            percent = self.percent
            basis = self.day_count
            if self.interest == "fixed":
                rates = [(due_date, self.annual_rate)]
            elif self.interest == "reference":
                history = self._history(self.reference_regime)
                margin = Decimal(str(self.margin))
                rates = [(day, Decimal(str(value)) + margin) for day, value in history]
        else:
            terms, fixed = self._statutory_terms(due_date, on_date, principal, invoice)
            rates, basis = terms.rates or None, terms.basis
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
            return Decimal(0), []
        return result.amount, self._explain(line, principal, result, pauses)

    def _indexation_figures(self, line, due_date, on_date, principal, steps):
        """Iran art. 522: each part of the debt indexed from the due date to the day it was
        paid, what is still open to ``on_date``."""
        index = {logic.month_key(day): value for day, value in self._history(PRESETS[self.preset])}
        currency = line.move_id.currency_id
        exact = Decimal(0)
        texts = []
        previous = principal
        parts = []
        for day, balance in steps[1:]:
            parts.append((previous - balance, day))
            previous = balance
        if previous > 0:
            parts.append((previous, on_date))
        for amount, day in parts:
            if amount <= 0:
                continue
            result = logic.iran_art_522_indexation(
                amount, due_date, day, index, digits=currency.decimal_places
            )
            exact += result.exact
            texts.append(
                self.env._(
                    "%(amount)s indexed from %(due)s to %(day)s: index %(index_due)s → "
                    "%(index_paid)s = %(fee)s",
                    amount=self._money(amount, currency),
                    due=self._date(due_date),
                    day=self._date(day),
                    index_due=format_percent(self.env, result.index_due),
                    index_paid=format_percent(self.env, result.index_paid),
                    fee=self._money(result.exact, currency),
                )
            )
        return logic.round_money(exact, currency.decimal_places), texts

    def _money(self, amount, currency):
        return tools.format_amount(self.env, float(amount), currency)

    def _date(self, day):
        return tools.format_date(self.env, day)

    def _explain(self, line, principal, result, pauses=()):
        currency = line.move_id.currency_id
        _ = self.env._
        due_date = line.date_maturity or line.date
        texts = [
            _(
                "Item due %(due)s, %(principal)s overdue, %(days)s days late:",
                due=self._date(due_date),
                principal=self._money(principal, currency),
                days=result.days_late,
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
        for start, end in pauses if result.interest else ():
            first = max(start, due_date + timedelta(days=1))
            last = min(end - timedelta(days=1), on_date)
            if first <= last:
                texts.append(
                    _(
                        "%(first)s – %(last)s: no interest (disputed)",
                        first=self._date(first),
                        last=self._date(last),
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
        charged or not: ``(amount as a Decimal, texts)``. The fixed fee goes with the first
        late item only: it is due once per late invoice."""
        self.ensure_one()
        lines = invoice.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
            and aml.amount_currency > 0
        ).sorted(lambda aml: (aml.date_maturity or aml.date, aml.id))
        # Indexation compensates the fall in value of money, disputed or not: no pause.
        pauses = self._pauses(invoice, on_date) if self.preset != "ir" else []
        total, texts, fixed_given = Decimal(0), [], False
        for line in lines:
            amount, item_texts = self._item_figures(
                line, on_date, with_fixed=not fixed_given, pauses=pauses
            )
            if item_texts:
                fixed_given = True
            total += amount
            texts.extend(item_texts)
        return total, texts

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
        if invoice.payment_state == "blocked":
            return _("payment blocked")
        if partner.collection_excluded:
            return _("customer excluded from follow-up")
        disputes = (
            self.env["collection.dispute"]
            .sudo()
            .search_count([("move_id", "=", invoice.id), ("state", "=", "open")])
        )
        if disputes:
            return _("disputed")
        if invoice.collection_payment_plan_ids.sudo().filtered(
            lambda plan: plan.state in ("accepted", "running") and plan.pause_fees
        ):
            return _("in a payment plan on schedule")
        milestone = invoice.collection_billing_milestone_id.sudo()
        if milestone.is_deposit and not milestone.plan_id.milestone_ids.filtered(
            lambda m: not m.is_deposit and m.state in ("ready", "invoiced", "paid")
        ):
            return _("deposit for work not started")
        return False

    def _charge(self, invoices, on_date, period_key):
        """Charge the rule on ``invoices`` for ``period_key`` (a day or a month).

        For each invoice, the fee is what it owes under the rule up to ``on_date`` less what
        was already charged (or waived) under it; an invoice already charged for the period
        is skipped. Returns the new ``collection.late.fee`` records.
        """
        self.ensure_one()
        Fee = self.env["collection.late.fee"]
        fees = Fee
        if not invoices:
            return fees
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(invoices.ids),
            )
        )
        locked = set(row[0] for row in self.env.cr.fetchall())
        existing = defaultdict(lambda: Fee)
        for fee in Fee.search([("rule_id", "=", self.id), ("move_id", "in", invoices.ids)]):
            existing[fee.move_id.id] |= fee
        for invoice in invoices:
            previous = existing[invoice.id]
            if invoice.id not in locked or period_key in previous.mapped("period_key"):
                continue
            if self._exempt_reason(invoice):
                continue
            total, texts = self.with_context(lang=invoice.partner_id.lang)._invoice_figures(
                invoice, on_date
            )
            charged = sum(previous.mapped("amount"))
            amount = invoice.currency_id.round(float(total) - charged)
            if invoice.currency_id.compare_amounts(amount, 0) <= 0:
                continue
            fees |= Fee.create(
                {
                    "rule_id": self.id,
                    "move_id": invoice.id,
                    "period_key": period_key,
                    "date": on_date,
                    "amount_total": float(total),
                    "amount": amount,
                    "explanation": "\n".join(
                        self.with_context(lang=invoice.partner_id.lang)._charge_texts(
                            texts, total, charged, amount, invoice.currency_id
                        )
                    ),
                }
            )
        fees._create_documents()
        return fees

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
        """Charge the monthly rules of every policy for the last complete month.

        Invoices already charged for the month are skipped, so the scheduler can call again
        for the rest (progress reported in batches of ``batch_size``) and a second run books
        nothing. One invoice that cannot be computed is logged and does not stop the others.
        """
        today = today or fields.Date.context_today(self)
        period_end = today.replace(day=1) - timedelta(days=1)
        period_key = period_end.strftime("%Y-%m")
        pending = self._monthly_pending(period_end, period_key)
        batch = pending[:batch_size] if batch_size else pending
        for rule, invoice in batch:
            try:
                with self.env.cr.savepoint():
                    rule._charge(invoice, period_end, period_key)
            except UserError as error:
                _logger.info(
                    "Late fees of %s for %s not charged: %s", invoice.name, period_key, error
                )
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=len(pending) - len(batch))
        return len(batch)

    @api.model
    def _monthly_pending(self, period_end, period_key):
        """``[(rule, invoice)]`` the monthly accrual still has to look at for the period: late
        invoices open at some time in it, under a policy with a monthly rule, not charged yet."""
        period_start = period_end.replace(day=1)
        policies = self.env["collection.followup.policy"].search(
            [("late_fee_rule_id", "!=", False)]
        )
        done = {
            (row["rule_id"][0], row["move_id"][0])
            for row in self.env["collection.late.fee"].search_read(
                [("period_key", "=", period_key), ("rule_id", "in", policies.late_fee_rule_id.ids)],
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
