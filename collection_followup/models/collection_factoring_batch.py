import base64

from odoo import Command, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..const import ELIGIBILITY_SELL, HELD_AT_AGENCY, HELD_DISPUTED, HELD_IN_PLAN
from ..tools import factoring_logic
from ..tools.factoring_formats import BatchHeader, FormatError, Receivable, get_format


class CollectionFactoringBatch(models.Model):
    """Receivables sold to a factor at once: draft → exported (file sent) → posted (the
    invoices move to the factor, the advance, fee and holdback are booked) → settled (the
    factor pays the rest and releases the holdback)."""

    _name = "collection.factoring.batch"
    _description = "Factoring Batch"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    LOCKED_FIELDS = {
        "factor_id",
        "company_id",
        "currency_id",
        "date",
        "advance_rate",
        "fee_percent",
        "fee_tax_id",
        "holdback_percent",
    }

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    factor_id = fields.Many2one(
        "collection.factor", required=True, check_company=True, tracking=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the invoices sold; amounts of the batch are in it.",
    )
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Cut-off date of the eligibility rules and accounting date of the entries.",
    )
    settlement_date = fields.Date(
        copy=False, help="Date of the settlement entry (default: the day you settle)."
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("exported", "Exported"),
            ("posted", "Posted"),
            ("settled", "Settled"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        index=True,
    )
    recourse = fields.Selection(related="factor_id.recourse")
    # The factor's terms, copied when the factor is chosen: a posted batch keeps its figures.
    advance_rate = fields.Float(
        string="Advance Rate (%)",
        compute="_compute_terms",
        store=True,
        readonly=False,
        precompute=True,
    )
    fee_percent = fields.Float(
        string="Fee (%)", compute="_compute_terms", store=True, readonly=False, precompute=True
    )
    fee_tax_id = fields.Many2one(
        "account.tax",
        string="Tax on the Fee",
        compute="_compute_terms",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    holdback_percent = fields.Float(
        string="Holdback (%)",
        compute="_compute_terms",
        store=True,
        readonly=False,
        precompute=True,
    )
    line_ids = fields.One2many(
        "collection.factoring.batch.line", "batch_id", string="Invoices", copy=False
    )
    invoice_count = fields.Integer(compute="_compute_amounts", store=True, string="Invoices Sold")
    amount_face = fields.Monetary(
        string="Face Value", compute="_compute_amounts", store=True, tracking=True
    )
    amount_advance = fields.Monetary(string="Advance", compute="_compute_amounts", store=True)
    amount_fee = fields.Monetary(string="Fee", compute="_compute_amounts", store=True)
    amount_fee_tax = fields.Monetary(string="Fee Tax", compute="_compute_amounts", store=True)
    amount_holdback = fields.Monetary(string="Holdback", compute="_compute_amounts", store=True)
    amount_settlement = fields.Monetary(
        string="Due at Settlement",
        compute="_compute_amounts",
        store=True,
        help="Face value less advance, fee and its tax: the holdback and the rest of the "
        "price, paid by the factor at settlement.",
    )
    export_file = fields.Binary(attachment=True, copy=False, readonly=True)
    export_filename = fields.Char(copy=False, readonly=True)
    export_date = fields.Datetime(copy=False, readonly=True)
    transfer_move_id = fields.Many2one(
        "account.move", string="Transfer Entry", readonly=True, copy=False, check_company=True
    )
    advance_move_id = fields.Many2one(
        "account.move", string="Advance Entry", readonly=True, copy=False, check_company=True
    )
    fee_move_id = fields.Many2one(
        "account.move", string="Fee Entry", readonly=True, copy=False, check_company=True
    )
    holdback_move_id = fields.Many2one(
        "account.move", string="Holdback Entry", readonly=True, copy=False, check_company=True
    )
    settlement_move_id = fields.Many2one(
        "account.move", string="Settlement Entry", readonly=True, copy=False, check_company=True
    )
    move_count = fields.Integer(compute="_compute_move_count", string="Journal Entries")

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("factor_id")
    def _compute_terms(self):
        for batch in self:
            factor = batch.factor_id
            batch.advance_rate = factor.advance_rate
            batch.fee_percent = factor.fee_percent
            batch.fee_tax_id = factor.fee_tax_id
            batch.holdback_percent = factor.holdback_percent

    @api.depends(
        "line_ids.amount_face",
        "line_ids.state",
        "advance_rate",
        "fee_percent",
        "fee_tax_id",
        "holdback_percent",
        "currency_id",
    )
    def _compute_amounts(self):
        for batch in self:
            lines = batch.line_ids.filtered(lambda line: line.state != "cancel")
            figures = batch._figures(lines)
            batch.invoice_count = len(lines)
            batch.amount_face = float(figures.face_value)
            batch.amount_advance = float(figures.advance)
            batch.amount_fee = float(figures.fee)
            batch.amount_fee_tax = float(figures.fee_tax)
            batch.amount_holdback = float(figures.holdback)
            batch.amount_settlement = float(figures.settlement)

    def _compute_move_count(self):
        for batch in self:
            batch.move_count = len(batch._all_moves())

    @api.constrains("advance_rate", "fee_percent", "holdback_percent")
    def _check_terms(self):
        for batch in self:
            self.env["collection.factor"]._check_term_values(
                batch.advance_rate, batch.fee_percent, batch.holdback_percent, batch.name
            )

    @api.constrains("fee_tax_id")
    def _check_fee_tax(self):
        for batch in self:
            batch.factor_id._check_fee_tax_is_excluded(batch.fee_tax_id)

    @api.constrains("currency_id", "factor_id")
    def _check_currency(self):
        for batch in self:
            accepted = batch.factor_id._accepted_currencies()
            if batch.currency_id not in accepted:
                raise ValidationError(
                    self.env._(
                        "%(factor)s does not buy invoices in %(currency)s (accepted: "
                        "%(accepted)s).",
                        factor=batch.factor_id.name,
                        currency=batch.currency_id.name,
                        accepted=", ".join(accepted.mapped("name")),
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "collection.factoring.batch"
                ) or self.env._("New")
        return super().create(vals_list)

    def write(self, vals):
        locked = vals.keys() & self.LOCKED_FIELDS
        if locked and any(batch.state != "draft" for batch in self):
            raise UserError(
                self.env._(
                    "Set the batch back to draft to change its factor, currency, date or terms."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(batch.state not in ("draft", "cancel") for batch in self):
            raise UserError(self.env._("Only draft or cancelled factoring batches can be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_add_eligible(self):
        """Add every eligible invoice of the company in the batch currency not yet in it."""
        self.check_access("write")
        for batch in self:
            batch._check_state("draft")
            candidates = self.env["account.move"].search(
                [
                    ("company_id", "=", batch.company_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("currency_id", "=", batch.currency_id.id),
                    ("id", "not in", batch.line_ids.move_id.ids),
                ],
                order="invoice_date, name, id",
            )
            reasons = batch._ineligibility(candidates)
            eligible = candidates.filtered(lambda move, r=reasons: not r[move])
            batch.line_ids = [Command.create({"move_id": move.id}) for move in eligible]
        return True

    def action_export(self):
        """Write the factor's file of the batch; the batch becomes *exported*."""
        self.ensure_one()
        self.check_access("write")
        self._check_state("draft", "exported")
        self.line_ids.filtered(lambda line: line.state != "cancel")._compute_amount_face()
        self._check_lines()
        export_format = get_format(self.factor_id.export_format)
        header = self._export_header()
        try:
            content = export_format.render(header)
        except FormatError as error:
            raise UserError(
                self.env._(
                    "The batch cannot be written as %(format)s: %(error)s",
                    format=export_format.label,
                    error=error,
                )
            ) from error
        filename = export_format.filename(header)
        self.write(
            {
                "export_file": base64.b64encode(content),
                "export_filename": filename,
                "export_date": fields.Datetime.now(),
                "state": "exported",
            }
        )
        self.message_post(
            body=self.env._("Exported as %(format)s.", format=export_format.label),
            attachments=[(filename, content)],
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/export_file/{filename}?download=true",
            "target": "download",
        }

    def action_draft(self):
        """Back to draft to change the invoices (the file must then be exported again)."""
        for batch in self:
            batch._check_state("exported", "cancel")
            batch.line_ids.state = "draft"
        self.state = "draft"
        return True

    def action_cancel(self):
        """Cancel a batch that is not posted: its invoices are free for another batch."""
        for batch in self:
            if batch.state in ("posted", "settled"):
                raise UserError(
                    self.env._(
                        "%(batch)s is posted: it cannot be cancelled. An invoice the factor "
                        "hands back is taken back with Recourse.",
                        batch=batch.name,
                    )
                )
        self.line_ids.state = "cancel"
        self.state = "cancel"
        return True

    def action_post(self):
        """Sell the invoices: transfer them to the factor, book the advance, the fee and the
        holdback. Refused twice, and refused when an invoice changed since the export."""
        self.check_access("write")
        for batch in self:
            batch._lock()
            batch._check_state("exported")
            batch._check_lines()
            batch._check_unchanged()
            batch._action_post()
        return True

    def action_settle(self):
        """The factor pays what it still owes and releases the holdback."""
        self.check_access("write")
        for batch in self:
            batch._lock()
            batch._check_state("posted")
            batch._action_settle()
        return True

    def action_view_moves(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Journal Entries of %(batch)s", batch=self.name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self._all_moves().ids)],
            "context": {"create": False},
        }

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice")
        action["domain"] = [("id", "in", self.line_ids.move_id.ids)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _lock(self):
        """Lock the batch row: two clicks at once post it once (the second sees it posted)."""
        self._lock_rows(self)
        self.invalidate_recordset(["state"])

    @api.model
    def _lock_rows(self, records):
        """Lock ``records`` until the end of the transaction; a concurrent transaction that
        changed them makes this one fail and be retried (then it sees the change)."""
        if records:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR UPDATE",
                    SQL.identifier(records._table),
                    tuple(records.ids),
                )
            )

    def _check_state(self, *states):
        self.ensure_one()
        if self.state in states:
            return
        labels = dict(self._fields["state"]._description_selection(self.env))
        raise UserError(
            self.env._(
                "%(batch)s is %(state)s: this can only be done when it is %(expected)s.",
                batch=self.name,
                state=labels[self.state],
                expected=self.env._(" or ").join(labels[state] for state in states),
            )
        )

    def _figures(self, lines=None):
        """The batch's figures (:class:`factoring_logic.BatchFigures`) for ``lines``."""
        self.ensure_one()
        if lines is None:
            lines = self.line_ids.filtered(lambda line: line.state != "cancel")
        currency = self.currency_id or self.env.company.currency_id
        figures = factoring_logic.batch_figures(
            [
                line.amount_face
                for line in lines
                if currency.compare_amounts(line.amount_face, 0) > 0
            ],
            self.advance_rate,
            self.fee_percent,
            self.holdback_percent,
            currency.decimal_places,
        )
        if self.fee_tax_id and figures.fee:
            taxes = self.fee_tax_id.compute_all(
                float(figures.fee), currency=currency, handle_price_include=False
            )
            figures = factoring_logic.with_fee_tax(
                figures, sum(tax["amount"] for tax in taxes["taxes"]), currency.decimal_places
            )
        return figures

    def _ineligibility(self, moves):
        """``{move: reason or False}``: why each of ``moves`` cannot be sold in this batch
        (the translated reason), read in a few grouped queries."""
        self.ensure_one()
        company = self.company_id
        held = self.env["collection.eligibility"]._collection_reasons(ELIGIBILITY_SELL, moves)
        in_batch = {
            move
            for (move,) in self.env["collection.factoring.batch.line"]._read_group(
                [
                    ("move_id", "in", moves.ids),
                    ("batch_id", "!=", self._origin.id),
                    ("state", "in", ("draft", "factored")),
                ],
                ["move_id"],
            )
        }
        partners = moves.commercial_partner_id.with_company(company)
        on_hold = set(partners.filtered("collection_on_hold").ids)
        rules = factoring_logic.FactorRules(
            currencies=frozenset(
                (self.factor_id._accepted_currencies() & self.currency_id).mapped("name")
            ),
            max_days_overdue=self.factor_id.max_days_overdue,
        )
        messages = self._ineligibility_messages()
        result = {}
        for move in moves:
            facts = factoring_logic.InvoiceFacts(
                move_type=move.move_type,
                state=move.state,
                payment_state=move.payment_state,
                currency=move.currency_id.name,
                days_overdue=(self.date - move._collection_oldest_open_due_date()).days,
                disputed=held.get(move.id) == HELD_DISPUTED,
                in_payment_plan=held.get(move.id) == HELD_IN_PLAN,
                at_agency=held.get(move.id) == HELD_AT_AGENCY,
                customer_on_hold=move.commercial_partner_id.id in on_hold,
                in_other_batch=move in in_batch,
            )
            reason = factoring_logic.ineligibility(facts, rules)
            result[move] = (
                messages[reason]
                % {
                    "days": self.factor_id.max_days_overdue,
                    "currency": move.currency_id.name,
                    "batch_currency": self.currency_id.name,
                }
                if reason
                else False
            )
        return result

    def _ineligibility_messages(self):
        return {
            factoring_logic.NOT_AN_INVOICE: self.env._("not a customer invoice"),
            factoring_logic.NOT_POSTED: self.env._("not posted"),
            factoring_logic.PAID: self.env._("already paid"),
            factoring_logic.BLOCKED: self.env._("its payment is blocked"),
            factoring_logic.DISPUTED: self.env._("the customer disputes it"),
            factoring_logic.IN_PAYMENT_PLAN: self.env._("in a payment plan in force"),
            factoring_logic.AT_AGENCY: self.env._("handed over to a collection agency"),
            factoring_logic.CUSTOMER_ON_HOLD: self.env._("the customer is on credit hold"),
            factoring_logic.CURRENCY_REFUSED: self.env._(
                "in %(currency)s, not in the batch currency %(batch_currency)s"
            ),
            factoring_logic.TOO_OLD: self.env._(
                "more than %(days)s days past due on the batch date"
            ),
            factoring_logic.IN_ANOTHER_BATCH: self.env._("already in another factoring batch"),
        }

    def _check_lines(self):
        """Every invoice of the batch is (still) eligible."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.state != "cancel")
        if not lines:
            raise UserError(self.env._("%(batch)s has no invoice.", batch=self.name))
        reasons = self._ineligibility(lines.move_id)
        refused = [f"{move.name}: {reason}" for move, reason in reasons.items() if reason]
        if refused:
            raise UserError(
                self.env._(
                    "These invoices cannot be sold to %(factor)s:\n%(invoices)s",
                    factor=self.factor_id.name,
                    invoices="\n".join(refused),
                )
            )

    def _check_unchanged(self):
        """The invoices still owe what the factor was sent."""
        changed = []
        for line in self.line_ids.filtered(lambda line: line.state != "cancel"):
            if self.currency_id.compare_amounts(line.amount_face, line.move_id.amount_residual):
                changed.append(line.move_id.name)
        if changed:
            raise UserError(
                self.env._(
                    "The open amount of %(invoices)s changed since the batch was exported: "
                    "set it back to draft and export it again.",
                    invoices=", ".join(changed),
                )
            )

    def _export_header(self):
        self.ensure_one()
        currency = self.currency_id
        receivables = []
        for line in self.line_ids.filtered(lambda line: line.state != "cancel").sorted(
            lambda line: (line.move_id.name, line.id)
        ):
            move, partner = line.move_id, line.move_id.commercial_partner_id
            receivables.append(
                Receivable(
                    invoice_number=move.name,
                    invoice_date=move.invoice_date,
                    due_date=move.invoice_date_due,
                    customer_ref=partner.ref or str(partner.id),
                    customer_name=partner.name or "",
                    customer_vat=partner.vat or "",
                    street=" ".join(filter(None, [partner.street, partner.street2])),
                    zip=partner.zip or "",
                    city=partner.city or "",
                    country=partner.country_id.code or "",
                    amount_total=factoring_logic.round_money(
                        move.amount_total, currency.decimal_places
                    ),
                    amount_open=factoring_logic.round_money(
                        line.amount_face, currency.decimal_places
                    ),
                    currency=currency.name,
                    payment_reference=move.payment_reference or move.name,
                )
            )
        return BatchHeader(
            reference=self.name,
            date=self.date,
            seller_name=self.company_id.name,
            seller_vat=self.company_id.vat or "",
            factor_name=self.factor_id.partner_id.name,
            client_number=self.factor_id.client_number or "",
            currency=currency.name,
            digits=currency.decimal_places,
            receivables=tuple(receivables),
        )

    def _all_moves(self):
        return (
            self.transfer_move_id
            | self.advance_move_id
            | self.fee_move_id
            | self.holdback_move_id
            | self.settlement_move_id
            | self.line_ids.recourse_move_id
        )

    def _amounts(self, amount_currency):
        """Line values of ``amount_currency`` in the batch currency, and its value in the
        company currency at the batch date."""
        company = self.company_id
        balance = self.currency_id._convert(
            amount_currency, company.currency_id, company, self.date
        )
        return {
            "currency_id": self.currency_id.id,
            "amount_currency": amount_currency,
            "balance": balance,
        }

    def _receipt_account(self, inbound=True):
        """The outstanding receipts (payments) account of the factor's bank journal: the
        factor's transfer is matched with it when the bank statement comes in."""
        journal = self.factor_id.bank_journal_id
        method_lines = (
            journal.inbound_payment_method_line_ids
            if inbound
            else journal.outbound_payment_method_line_ids
        )
        account = method_lines.payment_account_id[:1]
        if not account:
            xmlid = (
                "account_journal_payment_debit_account_id"
                if inbound
                else "account_journal_payment_credit_account_id"
            )
            account = (
                self.env["account.chart.template"]
                .with_company(self.company_id)
                .ref(xmlid, raise_if_not_found=False)
            )
        if not account:
            raise UserError(
                self.env._(
                    "Set an outstanding receipts account on the payment methods of %(journal)s.",
                    journal=journal.display_name,
                )
            )
        return account

    def _factor_line(self, amount_currency, name, account=None):
        """A line on the factor receivable (or ``account``) with the factor as partner."""
        return {
            "name": name,
            "account_id": (account or self.factor_id.receivable_account_id).id,
            "partner_id": self.factor_id.partner_id.id,
            **self._amounts(amount_currency),
        }

    def _prepare_transfer_move_vals(self):
        """Credit each open receivable line of the invoices sold (the customer no longer owes
        us), debit the factor receivable with the total."""
        self.ensure_one()
        lines, total_currency, total_balance = [], 0.0, 0.0
        for batch_line in self.line_ids.filtered(lambda line: line.state != "cancel"):
            for receivable in batch_line.move_id._collection_open_receivable_lines():
                lines.append(
                    {
                        "name": self.env._(
                            "%(invoice)s sold to %(factor)s",
                            invoice=receivable.move_id.name,
                            factor=self.factor_id.partner_id.name,
                        ),
                        "account_id": receivable.account_id.id,
                        "partner_id": receivable.partner_id.id,
                        "currency_id": receivable.currency_id.id,
                        "amount_currency": -receivable.amount_residual_currency,
                        "balance": -receivable.amount_residual,
                        "date_maturity": receivable.date_maturity,
                        "collection_factoring_line_id": batch_line.id,
                    }
                )
                total_currency += receivable.amount_residual_currency
                total_balance += receivable.amount_residual
        lines.append(
            {
                "name": self.env._("Receivables sold in %(batch)s", batch=self.name),
                "account_id": self.factor_id.receivable_account_id.id,
                "partner_id": self.factor_id.partner_id.id,
                "currency_id": self.currency_id.id,
                "amount_currency": self.currency_id.round(total_currency),
                "balance": self.company_id.currency_id.round(total_balance),
            }
        )
        ref = self.env._(
            "%(batch)s: receivables sold to %(factor)s",
            batch=self.name,
            factor=self.factor_id.partner_id.name,
        )
        return self._prepare_move_vals(self.factor_id.journal_id, ref, lines)

    def _prepare_move_vals(self, journal, ref, lines, date=None):
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": date or self.date,
            "ref": ref,
            "currency_id": self.currency_id.id,
            "partner_id": self.factor_id.partner_id.id,
            "line_ids": [Command.create(vals) for vals in lines],
        }

    def _prepare_advance_move_vals(self, figures):
        advance = float(figures.advance)
        label = self.env._(
            "%(batch)s: advance from %(factor)s",
            batch=self.name,
            factor=self.factor_id.partner_id.name,
        )
        return self._prepare_move_vals(
            self.factor_id.bank_journal_id,
            label,
            [
                self._factor_line(advance, label, self._receipt_account()),
                self._factor_line(-advance, label),
            ],
        )

    def _prepare_fee_move_vals(self, figures):
        fee, fee_tax = float(figures.fee), float(figures.fee_tax)
        label = self.env._("%(batch)s: factoring fee", batch=self.name)
        fee_line = {
            **self._factor_line(fee, label, self.factor_id.fee_account_id),
            "tax_ids": [Command.set(self.fee_tax_id.ids)],
        }
        factor_line = self._factor_line(-(fee + fee_tax), label)
        # The tax line is added by Odoo's tax engine (a journal entry in "auto tax" mode);
        # in the company currency it is the converted tax amount.
        factor_line["balance"] = -(
            fee_line["balance"]
            + self.currency_id._convert(
                fee_tax, self.company_id.currency_id, self.company_id, self.date
            )
        )
        return self._prepare_move_vals(self.factor_id.journal_id, label, [fee_line, factor_line])

    def _prepare_holdback_move_vals(self, figures):
        holdback = float(figures.holdback)
        label = self.env._(
            "%(batch)s: holdback kept by %(factor)s",
            batch=self.name,
            factor=self.factor_id.partner_id.name,
        )
        return self._prepare_move_vals(
            self.factor_id.journal_id,
            label,
            [
                self._factor_line(holdback, label, self.factor_id.holdback_account_id),
                self._factor_line(-holdback, label),
            ],
        )

    def _action_post(self):
        self.ensure_one()
        if not self.factor_id.bank_account_id:
            raise UserError(
                self.env._(
                    "Set the bank account of %(factor)s first: factored invoices tell the "
                    "customers to pay to it.",
                    factor=self.factor_id.name,
                )
            )
        figures = self._figures()
        if figures.settlement < 0:
            raise UserError(
                self.env._(
                    "The advance, fee and tax exceed the face value of %(batch)s.",
                    batch=self.name,
                )
            )
        invoices = self.line_ids.filtered(lambda line: line.state != "cancel").move_id
        # A payment registered on one of the invoices meanwhile must not be lost: lock them.
        self._lock_rows(invoices)
        Move = self.env["account.move"].with_company(self.company_id)
        transfer = Move.create(self._prepare_transfer_move_vals())
        transfer.action_post()
        # Each credit pays one open receivable line: created in the same order, so matched
        # in id order, invoice by invoice.
        for batch_line, credits in (
            transfer.line_ids.filtered("collection_factoring_line_id")
            .grouped("collection_factoring_line_id")
            .items()
        ):
            debits = batch_line.move_id._collection_open_receivable_lines()
            for credit, debit in zip(credits.sorted("id"), debits, strict=True):
                (credit | debit).reconcile()
        values = {"transfer_move_id": transfer.id}
        for field_name, amount, prepare in (
            ("advance_move_id", figures.advance, self._prepare_advance_move_vals),
            ("fee_move_id", figures.fee, self._prepare_fee_move_vals),
            ("holdback_move_id", figures.holdback, self._prepare_holdback_move_vals),
        ):
            if amount:
                move = Move.create(prepare(figures))
                move.action_post()
                values[field_name] = move.id
        if "fee_move_id" in values:
            self._check_fee_move(Move.browse(values["fee_move_id"]), figures)
        self.line_ids.filtered(lambda line: line.state != "cancel").state = "factored"
        values["state"] = "posted"
        self.write(values)
        # What the factor still owes: the transfer less the advance, fee and holdback.
        self._factor_open_lines().filtered(
            lambda line: line.account_id == self.factor_id.receivable_account_id
        ).reconcile()
        for invoice in invoices:
            invoice.message_post(
                body=self.env._(
                    "Assigned to %(factor)s in factoring batch %(batch)s: the customer pays "
                    "the factor; our follow-up stops.",
                    factor=self.factor_id.partner_id.name,
                    batch=self.name,
                )
            )

    def _check_fee_move(self, move, figures):
        """Odoo's tax engine found the tax of the batch figures (else the entry would carry an
        automatic balancing line)."""
        tax = sum(move.line_ids.filtered("tax_line_id").mapped("amount_currency"))
        if self.currency_id.compare_amounts(tax, float(figures.fee_tax)):
            raise UserError(
                self.env._(
                    "The tax on the fee of %(batch)s is %(tax)s in the journal entry, not "
                    "%(expected)s: check the tax %(name)s.",
                    batch=self.name,
                    tax=tax,
                    expected=figures.fee_tax,
                    name=self.fee_tax_id.name,
                )
            )

    def _factor_open_lines(self):
        """Open lines of the batch on the factor receivable and holdback accounts."""
        accounts = self.factor_id.receivable_account_id | self.factor_id.holdback_account_id
        return self._all_moves().line_ids.filtered(
            lambda line: line.account_id in accounts
            and line.parent_state == "posted"
            and not line.reconciled
        )

    def _action_settle(self):
        self.ensure_one()
        date = self.settlement_date or fields.Date.context_today(self)
        if date < self.date:
            raise UserError(self.env._("The settlement cannot be dated before the batch."))
        open_lines = self._factor_open_lines()
        label = self.env._(
            "%(batch)s: settlement by %(factor)s",
            batch=self.name,
            factor=self.factor_id.partner_id.name,
        )
        lines, total_currency, total_balance = [], 0.0, 0.0
        for account, account_lines in open_lines.grouped("account_id").items():
            residual_currency = self.currency_id.round(
                sum(account_lines.mapped("amount_residual_currency"))
            )
            if self.currency_id.is_zero(residual_currency):
                continue  # matched below; a rest in company currency is an exchange difference
            balance = self.currency_id._convert(
                residual_currency, self.company_id.currency_id, self.company_id, date
            )
            lines.append(
                {
                    "name": label,
                    "account_id": account.id,
                    "partner_id": self.factor_id.partner_id.id,
                    "currency_id": self.currency_id.id,
                    "amount_currency": -residual_currency,
                    "balance": -balance,
                }
            )
            total_currency += residual_currency
            total_balance += balance
        values = {"state": "settled", "settlement_date": date}
        if lines:
            lines.append(
                {
                    "name": label,
                    "account_id": self._receipt_account(
                        inbound=self.currency_id.compare_amounts(total_currency, 0) >= 0
                    ).id,
                    "partner_id": self.factor_id.partner_id.id,
                    "currency_id": self.currency_id.id,
                    "amount_currency": self.currency_id.round(total_currency),
                    "balance": self.company_id.currency_id.round(total_balance),
                }
            )
            settlement = (
                self.env["account.move"]
                .with_company(self.company_id)
                .create(self._prepare_move_vals(self.factor_id.bank_journal_id, label, lines, date))
            )
            settlement.action_post()
            values["settlement_move_id"] = settlement.id
        self.write(values)
        for account_lines in self._factor_open_lines().grouped("account_id").values():
            account_lines.reconcile()
        self.message_post(
            body=self.env._("Settled on %(date)s.", date=tools.format_date(self.env, date))
        )
