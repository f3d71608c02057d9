import uuid
from collections import defaultdict

from odoo import Command, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..const import ELIGIBILITY_PAY
from .collection_discount_rule import format_percent
from .res_lang import counted

_lt = LazyTranslate(__name__)
EPD_WITHIN_DAYS = _lt(
    "{days, plural, one {Discount of %(amount)s if paid within # day} "
    "other {Discount of %(amount)s if paid within # days}}"
)
LOYALTY_LINE = _lt(
    "{count, plural, one {Loyalty reward: %(percent)s %% discount for # invoice paid on time} "
    "other {Loyalty reward: %(percent)s %% discount for # invoices paid on time}}"
)


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_action_ids = fields.Many2many(
        "collection.followup.action",
        "collection_followup_action_move_rel",
        string="Follow-up Actions",
        readonly=True,
        copy=False,
    )
    collection_action_count = fields.Integer(compute="_compute_collection_action_count")
    collection_billing_plan_id = fields.Many2one(
        "collection.billing.plan", string="Billing Plan", readonly=True, copy=False, index=True
    )
    collection_billing_milestone_id = fields.Many2one(
        "collection.billing.milestone", string="Milestone", readonly=True, copy=False
    )
    collection_is_deposit = fields.Boolean(
        related="collection_billing_milestone_id.is_deposit", string="Deposit Invoice"
    )
    collection_payment_plan_ids = fields.Many2many(
        "collection.payment.plan",
        "collection_payment_plan_move_rel",
        string="Payment Plans",
        readonly=True,
        copy=False,
    )
    collection_hold_warning = fields.Char(compute="_compute_collection_hold_warning")
    collection_late_fee_origin_id = fields.Many2one(
        "account.move",
        string="Late Fees On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The late invoice whose fees this document books.",
    )
    collection_late_fee_ids = fields.One2many(
        "collection.late.fee", "move_id", string="Late Fees", readonly=True
    )
    collection_late_fee_charged = fields.Monetary(
        compute="_compute_collection_late_fees",
        string="Late Fees Charged",
        help="Late fees posted on this invoice (not those waived or waiting for review).",
    )
    collection_late_fee_preview = fields.Monetary(
        compute="_compute_collection_late_fees",
        string="Late Fees If Paid Today",
        help="What the late fee rules of the customer's policy would add, on top of what was "
        "already charged, if the invoice were paid today.",
    )
    collection_discount_tiers = fields.Json(
        string="Discount Tiers",
        compute="_compute_collection_discount_tiers",
        store=True,
        readonly=True,
        copy=False,
        help="The early-payment discount tiers of this invoice, fixed when it is posted: per "
        "tier the percentage, the last day and the discounted amount to pay.",
    )
    collection_discount_summary = fields.Char(
        string="Early-Payment Discounts", compute="_compute_collection_discount_summary"
    )
    collection_loyalty_notice = fields.Char(compute="_compute_collection_loyalty_notice")
    collection_factoring_line_ids = fields.One2many(
        "collection.factoring.batch.line", "move_id", string="Factoring", readonly=True
    )
    collection_factor_name = fields.Char(
        compute="_compute_collection_factoring",
        string="Assigned To",
        help="The factor this invoice is sold to: the customer pays the factor.",
    )
    collection_factor_bank = fields.Char(
        compute="_compute_collection_factoring", string="Pay To Account"
    )
    collection_factored_amount = fields.Monetary(
        compute="_compute_collection_factoring",
        string="Amount Assigned",
        help="The open amount sold to the factor, owed to it by the customer.",
    )

    @api.depends("collection_action_ids")
    def _compute_collection_action_count(self):
        for move in self:
            move.collection_action_count = len(move.collection_action_ids)

    @api.depends(
        "collection_late_fee_ids.amount", "collection_late_fee_ids.state", "amount_residual"
    )
    def _compute_collection_late_fees(self):
        previews = self._collection_late_fee_preview()
        for move in self:
            move.collection_late_fee_charged = move.currency_id.round(
                sum(
                    move.collection_late_fee_ids.filtered(lambda f: f.state == "posted").mapped(
                        "amount"
                    )
                )
            )
            move.collection_late_fee_preview = previews.get(move.id, {}).get("amount", 0.0)

    @api.depends("partner_id", "move_type", "state")
    def _compute_collection_hold_warning(self):
        for move in self:
            partner = move.commercial_partner_id.with_company(move.company_id)
            move.collection_hold_warning = (
                move.move_type == "out_invoice"
                and move.state == "draft"
                and partner.collection_on_hold
                and move._collection_hold_message()
            ) or False

    @api.depends(
        "invoice_payment_term_id",
        "invoice_date",
        "date",
        "currency_id",
        "amount_total",
        "amount_untaxed",
        "amount_total_signed",
        "amount_untaxed_signed",
        "invoice_cash_rounding_id",
    )
    def _compute_collection_discount_tiers(self):
        for move in self:
            rule = move.invoice_payment_term_id.collection_discount_rule_id
            if not rule or move.move_type not in move._early_payment_discount_move_types():
                move.collection_discount_tiers = False
                continue
            move.collection_discount_tiers = [
                {"days": tier.days, "percent": tier.percent, **move._collection_tier_values(tier)}
                for tier in rule._sorted_tiers()
            ]

    @api.depends("collection_discount_tiers", "invoice_payment_term_id", "line_ids.discount_date")
    def _compute_collection_discount_summary(self):
        for move in self:
            move.collection_discount_summary = "; ".join(
                self.env._(
                    "%(percent)s %% until %(date)s: %(amount)s",
                    percent=format_percent(self.env, tier["percent"]),
                    date=tools.format_date(self.env, tier["date"]),
                    amount=tools.format_amount(self.env, tier["amount_currency"], move.currency_id),
                )
                for tier in move._collection_discount_schedule()
            )

    @api.depends("partner_id", "move_type", "state", "company_id")
    def _compute_collection_loyalty_notice(self):
        drafts = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "draft")
        Reward = self.env["collection.loyalty.reward"]
        rewards = Reward._available_discounts(drafts) if Reward.has_access("read") else {}
        for move in self:
            reward = rewards.get(move)
            move.collection_loyalty_notice = reward and self.env._(
                "Loyalty reward: a %(percent)s %% discount will be added to this invoice when it "
                "is posted.",
                percent=format_percent(self.env, reward.percent),
            )

    @api.depends("collection_factoring_line_ids.state")
    def _compute_collection_factoring(self):
        """The assignment notice printed on a factored invoice. Read as superuser: it must be
        printed whoever prints the invoice (a salesperson, the customer in the portal)."""
        self.collection_factor_name = self.collection_factor_bank = False
        self.collection_factored_amount = 0.0
        lines = (
            self.env["collection.factoring.batch.line"]
            .sudo()
            .search([("move_id", "in", self.ids), ("state", "=", "factored")])
        )
        for line in lines:
            move = self.browse(line.move_id.id)
            factor = line.batch_id.factor_id
            bank = factor.bank_account_id
            move.collection_factor_name = factor.partner_id.name
            move.collection_factor_bank = bank and " · ".join(
                filter(None, [bank.acc_number, bank.bank_id.name, bank.bank_bic])
            )
            move.collection_factored_amount = line.amount_face

    def _collection_ensure_portal_tokens(self):
        """Give these invoices the portal access token their links to pay online carry, in one
        query, without changing anything else on them (neither their last edit, part of the
        fingerprint of their kept PDF, nor their journal items).

        The token is the portal's bookkeeping, written as superuser whoever follows up, as
        Odoo's own portal link does; Odoo writes it through the invoice, whose write re-syncs
        the whole entry (tens of milliseconds each): for the invoices of a night's reminders
        it is written here in SQL. An invoice given a token at the same moment by another
        transaction keeps that one."""
        self.flush_recordset(["access_token"])
        missing = self.filtered(lambda move: not move.access_token)
        if not missing:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move move
                   SET access_token = token.value
                  FROM (VALUES %s) AS token (id, value)
                 WHERE move.id = token.id AND move.access_token IS NULL
                """,
                SQL(", ").join(SQL("(%s, %s)", move.id, str(uuid.uuid4())) for move in missing),
            )
        )
        missing.invalidate_recordset(["access_token"])

    def _collection_open_receivable_lines(self):
        """The invoice's receivable lines still open, in id order."""
        self.ensure_one()
        return self.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        ).sorted("id")

    def _collection_oldest_open_due_date(self):
        """Due date of the invoice's oldest open instalment (else its due date)."""
        self.ensure_one()
        dates = [
            line.date_maturity
            for line in self._collection_open_receivable_lines()
            if line.date_maturity
        ]
        return min(dates) if dates else self.invoice_date_due or self.date

    def _collection_report_payments(self, payments):
        """The invoice's payments as printed for the customer: the sale to the factor is not a
        payment of the customer."""
        self.ensure_one()
        if not self.collection_factor_name:
            return payments
        transfers = (
            self.sudo()
            .collection_factoring_line_ids.filtered(lambda line: line.state == "factored")
            .batch_id.transfer_move_id
        )
        return [payment for payment in payments if payment["move_id"] not in transfers.ids]

    def action_view_collection_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collection_followup.action_collection_followup_action"
        )
        action["domain"] = [("id", "in", self.collection_action_ids.ids)]
        return action

    def _collection_hold_message(self):
        partner = self.commercial_partner_id.with_company(self.company_id)
        return self.env._(
            "%(customer)s is on credit hold since %(date)s: overdue invoices must be paid first.",
            customer=partner.display_name,
            date=partner.collection_hold_date,
        )

    def _collection_late_fee_preview(self, on_date=None):
        """What the late fee rules would add to each late invoice of ``self`` if it were paid
        on ``on_date`` (today by default), on top of the fees already booked (posted, waived,
        or waiting in draft for review). Interest counts ``on_date`` itself, as the day of
        payment does once the payment is registered, so the preview is what is booked.

        The rules are those of the customer's policy: its monthly rule, and the rules of the
        levels the invoice's oldest item has reached. Returns ``{invoice id: {"amount": float in
        the invoice's currency, "currency": res.currency, "texts": [explanation lines],
        "provisional": [sentences saying a rate is provisional]}}`` for the invoices that would
        owe something; nothing is booked.
        """
        on_date = on_date or fields.Date.context_today(self)
        Rule = self.env["collection.late.fee.rule"]
        previews = {}
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and not m.currency_id.is_zero(m.amount_residual)
        )
        for invoice in invoices:
            oldest = invoice._collection_oldest_open_due_date()
            if oldest >= on_date:
                continue
            company = invoice.company_id
            currency = invoice.currency_id
            partner = invoice.commercial_partner_id.with_company(company)
            policy = partner.sudo().collection_policy_id or company.sudo().collection_policy_id
            rules = Rule._policy_rules(policy, (on_date - oldest).days)
            if not rules or Rule._exempt_reason(invoice):
                continue
            amount, texts, provisional = 0.0, [], []
            booked = invoice.sudo().collection_late_fee_ids
            for rule in rules.sudo():
                figures = rule._invoice_figures(invoice, on_date)
                charged = currency.round(
                    sum(booked.filtered(lambda f, r=rule: f.rule_id == r).mapped("amount"))
                )
                due = currency.round(float(figures.total) - charged)
                if currency.compare_amounts(due, 0) > 0:
                    amount += due
                    texts += [rule.name, *figures.texts]
                    if figures.provisional:
                        provisional.append(figures.provisional)
            if currency.compare_amounts(amount, 0) > 0:
                previews[invoice.id] = {
                    "amount": currency.round(amount),
                    "currency": currency,
                    "texts": texts,
                    "provisional": provisional,
                }
        return previews

    def _collection_invoice_terms(self):
        """The collection terms printed on the invoice, in the current language: the policy's
        own text, then what its late fee rules charge."""
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(self.company_id)
        policy = (
            partner.sudo().collection_policy_id or self.company_id.sudo().collection_policy_id
        ).with_context(lang=self.env.lang)
        terms = []
        if policy.invoice_terms:
            terms.append(policy.invoice_terms)
        rules = self.env["collection.late.fee.rule"]._policy_rules(policy).sudo()
        for rule in rules.with_context(lang=self.env.lang):
            terms.append(self.env._("Late payment: %(terms)s.", terms=rule._terms_text()))
        return terms

    def unlink(self):
        """A fee document is not deleted while its fee counts: the fee would be lost, neither
        billed again nor waived. A collections manager waives it (with a reason) instead.
        Checked before Odoo deletes the journal items (an ``ondelete`` check would come after)."""
        self._collection_check_fee_documents()
        return super().unlink()

    def write(self, vals):
        if vals.get("state") == "cancel" and not self.env.context.get("collection_fee_waive"):
            self._collection_check_fee_documents()
        result = super().write(vals)
        if "state" in vals:
            self._collection_fee_documents()._sync_state()
        return result

    def _reverse_moves(self, default_values_list=None, cancel=False):
        if not self.env.context.get("collection_fee_waive"):
            self._collection_check_fee_documents()
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)

    def _collection_fee_documents(self):
        """The late fees (not waived) that ``self`` books. Read as superuser: the check holds
        for a billing clerk who cannot read late fees."""
        documents = self.filtered("collection_late_fee_origin_id")
        if not documents:
            return self.env["collection.late.fee"]
        return (
            self.env["collection.late.fee"]
            .sudo()
            .search([("fee_move_id", "in", documents.ids), ("state", "!=", "waived")])
        )

    def _collection_check_fee_documents(self):
        fees = self._collection_fee_documents()
        if fees:
            raise UserError(
                self.env._(
                    "%(document)s books the late fee of %(invoice)s: it cannot be deleted, "
                    "cancelled or reversed while the fee counts. A collections manager waives "
                    "the fee (Late Fees, Waive), with a reason; the waiver cancels or reverses "
                    "the document.",
                    document=fees[0].fee_move_id.display_name,
                    invoice=fees[0].move_id.display_name,
                )
            )

    def _post(self, soft=True):
        for move in self.filtered(
            lambda m: m.move_type == "out_invoice" and not m.collection_late_fee_origin_id
        ):
            partner = move.commercial_partner_id.with_company(move.company_id)
            if not partner.collection_on_hold:
                continue
            if move.company_id.collection_hold_mode == "block":
                raise UserError(move._collection_hold_message())
            move.message_post(body=move._collection_hold_message())
        self._collection_apply_loyalty_rewards()
        # The tiers of the rule as it is now, whatever it was when the draft was made.
        self.env.add_to_compute(self._fields["collection_discount_tiers"], self)
        return super()._post(soft=soft)

    # ------------------------------------------------------------------
    # Early-payment discount tiers (on top of Odoo's early payment discount)
    # ------------------------------------------------------------------

    def _collection_tier_values(self, tier):
        """The last day of ``tier`` and what is left to pay with its discount, as Odoo computes
        its own early discount: ``account.payment.term._compute_terms`` on a copy of the
        invoice's payment term, in memory, whose early discount is the tier's (on the total
        when the tax is reduced on early payment, on the untaxed amount otherwise; cash
        rounding included).

        Returns ``{"date": "YYYY-MM-DD", "amount_currency": ..., "balance": ...}``, the amounts
        unsigned (invoice and company currency).
        """
        self.ensure_one()
        term = self.invoice_payment_term_id
        tier_term = term.new(
            {
                "early_discount": True,
                "discount_percentage": tier.percent,
                "discount_days": tier.days,
            },
            origin=term,
        )
        sign = 1 if self.is_inbound(include_receipts=True) else -1
        # The arguments of account.move._compute_needed_terms for a saved invoice.
        terms = tier_term._compute_terms(
            date_ref=self.invoice_date or self.date or fields.Date.context_today(self),
            currency=self.currency_id,
            company=self.company_id,
            tax_amount=self.amount_tax_signed,
            tax_amount_currency=self.amount_tax * sign,
            sign=sign,
            untaxed_amount=self.amount_untaxed_signed,
            untaxed_amount_currency=self.amount_untaxed * sign,
            cash_rounding=self.invoice_cash_rounding_id,
        )
        return {
            "date": fields.Date.to_string(terms["discount_date"]),
            "amount_currency": abs(terms["discount_amount_currency"]),
            "balance": abs(terms["discount_balance"]),
        }

    def _collection_discount_schedule(self):
        """The early-payment discounts of this invoice in date order: the tiers of its discount
        rule, else Odoo's single early discount. Each is ``{"percent", "date",
        "amount_currency", "balance"}`` with the unsigned discounted amount to pay."""
        self.ensure_one()
        if self.collection_discount_tiers:
            return [
                {**tier, "date": fields.Date.to_date(tier["date"])}
                for tier in self.collection_discount_tiers
            ]
        term_line = self.line_ids.filtered(lambda line: line.display_type == "payment_term")
        if (
            len(term_line) != 1
            or not term_line.discount_date
            or not self.invoice_payment_term_id.early_discount
        ):
            return []
        sign = -self.direction_sign
        return [
            {
                "percent": self.invoice_payment_term_id.discount_percentage,
                "date": term_line.discount_date,
                "amount_currency": sign * term_line.discount_amount_currency,
                "balance": sign * term_line.discount_balance,
            }
        ]

    def _collection_discount_tier(self, on_date):
        """The discount in force on ``on_date`` (the first one whose last day is not past)."""
        return next(
            (tier for tier in self._collection_discount_schedule() if on_date <= tier["date"]),
            None,
        )

    def _collection_discount_offer(self, on_date=None):
        """The early-payment discount the customer gets by paying this invoice in full on
        ``on_date`` (default today), or False.

        Returns ``{"percent", "deadline" (date), "amount" (the discounted amount to pay, invoice
        currency), "discount" (the amount saved), "amount_full" (what is owed without the
        discount), "currency"}``. Like Odoo's own early discount, an invoice already partly paid
        gets no discount.
        """
        self.ensure_one()
        on_date = fields.Date.to_date(on_date) or fields.Date.context_today(self)
        if (
            self.state != "posted"
            or self.currency_id.is_zero(self.amount_residual)
            or not self._is_eligible_for_early_payment_discount(self.currency_id, on_date)
        ):
            return False
        tier = self._collection_discount_tier(on_date)
        if not tier:
            return False
        return {
            "percent": tier["percent"],
            "deadline": tier["date"],
            "amount": tier["amount_currency"],
            "discount": self.currency_id.round(self.amount_residual - tier["amount_currency"]),
            "amount_full": self.amount_residual,
            "currency": self.currency_id,
        }

    def _is_eligible_for_early_payment_discount(self, currency, reference_date):
        # EXTENDS account: with tiers, a payment is eligible until the last tier has passed.
        if not self.collection_discount_tiers:
            return super()._is_eligible_for_early_payment_discount(currency, reference_date)
        return super()._is_eligible_for_early_payment_discount(currency, None) and bool(
            not reference_date
            or not self.invoice_date
            or self._collection_discount_tier(fields.Date.to_date(reference_date))
        )

    def _get_invoice_next_payment_values(self, custom_amount=None):
        # EXTENDS account: the portal shows the tier in force today and its own last day.
        values = super()._get_invoice_next_payment_values(custom_amount=custom_amount)
        if values.get("installment_state") != "epd" or not self.collection_discount_tiers:
            return values
        today = fields.Date.context_today(self)
        tier = self._collection_discount_tier(today)
        if not tier:
            return values
        days_left = max(0, (tier["date"] - today).days)
        amount = self.currency_id.format(values["epd_discount_amount_currency"])
        values.update(
            {
                "discount_date": fields.Date.to_string(tier["date"]),
                "epd_days_left": days_left,
                "epd_discount_msg": counted(self.env, EPD_WITHIN_DAYS, days_left, amount=amount)
                if days_left
                else self.env._("Discount of %(amount)s if paid today", amount=amount),
            }
        )
        return values

    @api.model
    def _get_invoice_counterpart_amls_for_early_payment_discount(
        self, aml_values_list, open_balance
    ):
        # EXTENDS account: the invoices are read from the matched lines, so the payment date
        # given in the context reaches them through the lines.
        on_date = self.env.context.get("collection_discount_date")
        if on_date:
            aml_values_list = [
                {**values, "aml": values["aml"].with_context(collection_discount_date=on_date)}
                for values in aml_values_list
            ]
        return super()._get_invoice_counterpart_amls_for_early_payment_discount(
            aml_values_list, open_balance
        )

    def _get_invoice_counterpart_amls_for_early_payment_discount_per_payment_term_line(self):
        """EXTENDS account: the write-off of the tier in force on the payment date.

        Odoo computes the write-off lines (discount account, and the tax lines when the tax is
        reduced on early payment) for its own discount, the rule's first tier. For a later tier
        they are scaled to that tier's discount, and the rounding difference goes to the biggest
        line, the way Odoo balances its own lines. The payment date comes from the context
        (``collection_discount_date``, set by the payment wizard), else today.
        """
        result = (
            super()._get_invoice_counterpart_amls_for_early_payment_discount_per_payment_term_line()
        )
        if not self.collection_discount_tiers:
            return result
        on_date = fields.Date.to_date(
            self.env.context.get("collection_discount_date")
        ) or fields.Date.context_today(self)
        tier = self._collection_discount_tier(on_date)
        term_line = self.line_ids.filtered(lambda line: line.display_type == "payment_term")
        if not tier or len(term_line) != 1:
            return result
        sign = -self.direction_sign
        target_currency = term_line.amount_currency - sign * tier["amount_currency"]
        target_balance = term_line.balance - sign * tier["balance"]
        lines = [
            vals
            for key in ("term_lines", "base_lines", "tax_lines")
            for vals in result[key][term_line].values()
        ]
        native_currency = sum(vals["amount_currency"] for vals in lines)
        native_balance = sum(vals["balance"] for vals in lines)
        if self.currency_id.is_zero(native_currency) or self.company_currency_id.is_zero(
            native_balance
        ):
            return result
        for vals in lines:
            vals["amount_currency"] = self.currency_id.round(
                vals["amount_currency"] * target_currency / native_currency
            )
            vals["balance"] = self.company_currency_id.round(
                vals["balance"] * target_balance / native_balance
            )
        biggest = max(
            list(result["base_lines"][term_line].values())
            or list(result["term_lines"][term_line].values()),
            key=lambda vals: abs(vals["amount_currency"]),
        )
        biggest["amount_currency"] += target_currency - sum(v["amount_currency"] for v in lines)
        biggest["balance"] += target_balance - sum(v["balance"] for v in lines)
        return result

    # ------------------------------------------------------------------
    # Loyalty: invoices paid on time, and the discount reward on the next invoice
    # ------------------------------------------------------------------

    def _collection_punctuality(self, today):
        """``on_time`` (paid in full, every instalment by its due date), ``late`` (paid after a
        due date, or a due date passed unpaid), ``pending`` (open, not due yet) or ``skip``
        (reversed, cancelled, nothing to pay, or not settled by the customer's money).

        Only the customer's money counts as paying: payments and bank statement lines. A credit
        note or a write-off settles an instalment without the customer paying it, and an invoice
        sold to a factor (matched with the factoring transfer) is paid to the factor, out of our
        sight: neither is the customer paying on time, nor late.
        """
        self.ensure_one()
        if (
            self.state != "posted"
            or self.payment_state == "invoicing_legacy"
            or self.currency_id.is_zero(self.amount_total)
        ):
            return "skip"
        terms = self.line_ids.filtered(lambda line: line.display_type == "payment_term")
        # Odoo calls "reversed" an invoice settled by a credit note, also when the customer paid
        # the rest of it: the payments, if any, say whether the customer paid on time.
        if self.payment_state not in ("paid", "in_payment", "reversed"):
            open_terms = terms.filtered(lambda line: not line.reconciled)
            if any((line.date_maturity or line.date) < today for line in open_terms):
                return "late"
            return "pending"
        exchange_journal = self.company_id.currency_exchange_journal_id
        paid_by_customer = False
        for line in terms:
            counterparts = (
                line.matched_credit_ids.credit_move_id | line.matched_debit_ids.debit_move_id
            ).filtered(lambda aml: aml.journal_id != exchange_journal)
            if counterparts.filtered("collection_factoring_line_id"):
                return "skip"
            money = counterparts.filtered(
                lambda aml: aml.move_id.origin_payment_id or aml.move_id.statement_line_id
            )
            if not money:
                continue
            paid_by_customer = True
            if max(money.mapped("date")) > (line.date_maturity or line.date):
                return "late"
        return "on_time" if paid_by_customer else "skip"

    def _collection_apply_loyalty_rewards(self):
        """Add the customer's loyalty discount, if one is waiting, to the invoices being
        posted: one discount line per income account and taxes, so the tax is reduced too."""
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "draft"
            and not m.collection_late_fee_origin_id
        )
        # Whoever posts the invoice (an accountant, a payment processed online), the reward
        # waiting for the customer applies: the engine's bookkeeping.
        rewards = self.env["collection.loyalty.reward"].sudo()._available_discounts(invoices)
        for invoice, reward in rewards.items():
            line_vals = invoice._collection_loyalty_line_vals(reward)
            if not line_vals:
                continue
            invoice.write({"invoice_line_ids": [Command.create(vals) for vals in line_vals]})
            reward._mark_used(invoice)

    def _collection_loyalty_line_vals(self, reward):
        self.ensure_one()
        gross = defaultdict(float)
        for line in self.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            taxes = line.tax_ids.filtered(lambda tax: tax.amount_type != "fixed")
            gross[line.account_id, taxes] += (
                line.quantity * line.price_unit * (1 - line.discount / 100.0)
            )
        name = counted(
            self.env,
            LOYALTY_LINE,
            len(reward.move_ids),
            percent=format_percent(self.env, reward.percent),
        )
        vals_list = []
        for (account, taxes), amount in gross.items():
            discount = self.currency_id.round(amount * reward.percent / 100.0)
            if self.currency_id.is_zero(discount):
                continue
            vals_list.append(
                {
                    "name": name,
                    "quantity": 1,
                    "price_unit": -discount,
                    "account_id": account.id,
                    "tax_ids": [Command.set(taxes.ids)],
                    "sequence": 10000,
                }
            )
        return vals_list

    @api.model
    def _collection_portal_overdue_domain(self, partner, company):
        """The overdue invoices ``partner``'s customer pays together from its collections
        page, in ``company``, whichever of its contacts each is addressed to; those it may not
        pay there (collection.eligibility: disputed ones) are left aside."""
        customer = partner.commercial_partner_id
        return [
            ("commercial_partner_id", "=", customer.id),
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("invoice_date_due", "<", fields.Date.context_today(self)),
            *self.env["collection.eligibility"]._collection_domain(ELIGIBILITY_PAY),
        ]
