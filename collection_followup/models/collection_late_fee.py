from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CollectionLateFee(models.Model):
    """One charge of a late fee rule on one invoice for one period, and the document that
    books it (a debit note on the invoice or a separate fee invoice).

    The fee follows its document: *To Post* while the document is a draft, *Posted* once it is
    posted. Only posted and waived fees count as charged; a fee in draft stops the rule from
    charging the invoice again until it is posted or waived. The document cannot be deleted,
    cancelled or reversed while the fee counts: a collections manager waives the fee, with a
    reason, and the waiver cancels or reverses it."""

    _name = "collection.late.fee"
    _description = "Late Fee Charge"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    rule_id = fields.Many2one(
        "collection.late.fee.rule", required=True, readonly=True, ondelete="restrict", index=True
    )
    move_id = fields.Many2one(
        "account.move",
        string="Late Invoice",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
    )
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", store=True, index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="move_id.currency_id", store=True)
    period_key = fields.Char(
        required=True,
        readonly=True,
        help="The day (level charges) or the month (monthly accrual) charged: a rule charges "
        "an invoice once per period.",
    )
    date = fields.Date(required=True, readonly=True, help="Fees are computed up to this day.")
    amount_total = fields.Monetary(
        string="Total to Date", readonly=True, help="All the rule's fees on the invoice so far."
    )
    amount = fields.Monetary(string="Charged", readonly=True)
    explanation = fields.Text(readonly=True)
    fee_move_id = fields.Many2one(
        "account.move", string="Fee Document", readonly=True, copy=False, index=True
    )
    state = fields.Selection(
        [("draft", "To Post"), ("posted", "Posted"), ("waived", "Waived")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    waive_reason = fields.Text(readonly=True, tracking=True)
    waived_by_id = fields.Many2one("res.users", readonly=True)
    waived_date = fields.Date(readonly=True)
    credit_note_id = fields.Many2one("account.move", readonly=True, copy=False)
    includes_fixed = fields.Boolean(
        string="Includes the Fixed Fee",
        readonly=True,
        help="This charge books the rule's fixed fee of the invoice: at most one charge per "
        "rule and invoice does (enforced by the database).",
    )
    provisional = fields.Boolean(
        string="Provisional Rate",
        readonly=True,
        help="Computed with a reference rate for days after the series was last checked: see "
        "the explanation, and add the central bank's new decisions.",
    )
    action_id = fields.Many2one(
        "collection.followup.action",
        string="Follow-up Action",
        readonly=True,
        ondelete="set null",
        help="The follow-up level action that charged it; empty for monthly accruals.",
    )

    _sql_constraints = [
        (
            "rule_move_period_uniq",
            "unique(rule_id, move_id, period_key)",
            "A late fee rule charges an invoice once per period.",
        ),
    ]

    def init(self):
        # "Once per late invoice": whoever charges and for whatever period, a rule's fixed fee
        # is booked by one charge of the invoice at most.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS collection_late_fee_fixed_once"
                " ON collection_late_fee (rule_id, move_id) WHERE includes_fixed"
            )
        )

    @api.depends("move_id", "rule_id")
    def _compute_display_name(self):
        for fee in self:
            fee.display_name = f"{fee.rule_id.name} · {fee.move_id.name} · {fee.period_key}"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_charged(self):
        if self.filtered("fee_move_id"):
            raise UserError(self.env._("A charged late fee is waived, not deleted."))

    def action_open_waive(self):
        self._check_can_waive()
        return {
            "type": "ir.actions.act_window",
            "res_model": "collection.late.fee.waive",
            "view_mode": "form",
            "target": "new",
            "context": {"default_fee_ids": self.ids},
        }

    def action_post(self):
        """Post the draft documents, with the user's own accounting rights."""
        for fee in self.filtered(lambda f: f.state == "draft"):
            if fee.fee_move_id.state == "draft":
                fee.fee_move_id.with_env(self.env).action_post()
        self._sync_state()

    def _check_can_waive(self):
        if not self.env.user.has_group("collection_followup.group_collection_manager"):
            raise UserError(self.env._("Only a collections manager can waive a late fee."))
        if self.filtered(lambda fee: fee.state == "waived"):
            raise UserError(self.env._("This late fee is already waived."))

    def _waive(self, reason):
        """Waive the fees: a draft document is cancelled, a posted one reversed by a credit
        note reconciled with it (a fee already paid leaves the customer a credit)."""
        self._check_can_waive()
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the late fee is waived."))
        for fee in self:
            # The waiver is the one way a fee document is cancelled or reversed.
            document = fee.fee_move_id.with_context(collection_fee_waive=True)
            credit_note = self.env["account.move"]
            if document.state == "draft":
                document.button_cancel()
            elif document.state == "posted":
                credit_note = document._reverse_moves(
                    [
                        {
                            "ref": self.env._("Late fee waived: %(reason)s", reason=reason.strip()),
                            "invoice_date": fields.Date.context_today(self),
                            "date": fields.Date.context_today(self),
                        }
                    ]
                )
                credit_note.action_post()
                receivables = (document.line_ids | credit_note.line_ids).filtered(
                    lambda line: line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                )
                if len(receivables) > 1:
                    receivables.reconcile()
            # The fee is the engine's ledger (read-only for people): the waiver, checked above,
            # is the one way a manager changes it, with the reason kept on the fee.
            fee.sudo().write(
                {
                    "state": "waived",
                    "waive_reason": reason.strip(),
                    "waived_by_id": self.env.uid,
                    "waived_date": fields.Date.context_today(self),
                    "credit_note_id": credit_note.id,
                }
            )
            fee.move_id.message_post(
                body=self.env._(
                    "Late fee of %(amount)s waived: %(reason)s",
                    amount=fee.rule_id._money(fee.amount, fee.currency_id),
                    reason=reason.strip(),
                )
            )

    def _sync_state(self):
        """The fee follows its document (the engine's bookkeeping, whoever posts it)."""
        for fee in self.sudo().filtered(lambda f: f.state != "waived"):
            state = "posted" if fee.fee_move_id.state == "posted" else "draft"
            if fee.state != state:
                fee.state = state

    def _prepare_document_vals(self):
        self.ensure_one()
        invoice, rule = self.move_id, self.rule_id
        taxes = rule.product_id.taxes_id.filtered(
            lambda tax: tax.company_id in invoice.company_id.parent_ids
        )
        vals = {
            "move_type": "out_invoice",
            "partner_id": invoice.partner_id.id,
            "currency_id": invoice.currency_id.id,
            "journal_id": (rule.journal_id or invoice.journal_id).id,
            "company_id": invoice.company_id.id,
            "invoice_date": self.date,
            "invoice_payment_term_id": False,
            "invoice_date_due": max(self.date, fields.Date.context_today(self)),
            "invoice_origin": invoice.name,
            "ref": self.env._("Late payment fees on %(invoice)s", invoice=invoice.name),
            "invoice_user_id": invoice.invoice_user_id.id,
            "collection_late_fee_origin_id": invoice.id,
            "invoice_line_ids": [
                fields.Command.create(
                    {
                        "product_id": rule.product_id.id,
                        "name": self.explanation,
                        "quantity": 1,
                        "price_unit": self.amount,
                        "tax_ids": [fields.Command.set(taxes.ids)],
                    }
                )
            ],
        }
        if rule.document == "debit_note":
            vals["debit_origin_id"] = invoice.id
        return vals

    def _create_documents(self):
        """Book each charge; post it when its rule says so."""
        Move = self.env["account.move"]
        for fee in self:
            document = Move.with_context(lang=fee.move_id.partner_id.lang or self.env.lang).create(
                fee._prepare_document_vals()
            )
            fee.fee_move_id = document
            if fee.rule_id.auto_post:
                document.action_post()
            fee.move_id.message_post(
                body=self.env._(
                    "Late fee of %(amount)s charged: %(document)s",
                    amount=fee.rule_id._money(fee.amount, fee.currency_id),
                    document=document.name,
                )
            )
        self._sync_state()

    # ------------------------------------------------------------------
    # Partial payments: fees and interest first (the rule's "Partial Payments")
    # ------------------------------------------------------------------

    @api.model
    def _legal_order_plan(self, reconciliation_plan):
        """``reconciliation_plan`` (account.move.line._reconcile_plan) rewritten so that a
        payment matched with a late invoice first settles the open fee documents booked on that
        invoice by rules whose *Partial Payments* is *Fees and interest first*, then the
        invoice: the order of BGB § 367(1) (costs, interest, principal) and of the Russian
        Civil Code art. 319. A fee document holds the costs and the interest of a charge and is
        settled as a whole, oldest first; neither bears interest, so the order between them
        does not change any figure. Credit notes, factoring and other entries keep Odoo's
        matching: only a payment (or a bank statement line) is a partial payment of the debt.
        """
        return [
            self._legal_order_item(item)
            if isinstance(item, models.BaseModel) and item._name == "account.move.line"
            else item
            for item in reconciliation_plan
        ]

    @api.model
    def _legal_order_item(self, amls):
        receivables = amls.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )
        payments = receivables.filtered(
            lambda line: line.company_currency_id.compare_amounts(line.balance, 0) < 0
            and (line.move_id.origin_payment_id or line.move_id.statement_line_id)
        )
        invoice_lines = receivables.filtered(
            lambda line: line.company_currency_id.compare_amounts(line.balance, 0) > 0
            and line.move_id.move_type == "out_invoice"
            and not line.move_id.collection_late_fee_origin_id
        )
        if not payments or not invoice_lines:
            return amls
        # The engine's bookkeeping: whoever registers the payment (a billing clerk), the rule
        # of the fees decides the order.
        fees = self.sudo().search(
            [
                ("move_id", "in", invoice_lines.move_id.ids),
                ("state", "=", "posted"),
                ("rule_id.payment_order", "=", "legal"),
            ]
        )
        fee_lines = fees.fee_move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
            and not line.reconciled
            and line.parent_state == "posted"
            and line.company_currency_id.compare_amounts(line.balance, 0) > 0
        )
        fee_lines = self.env["account.move.line"].browse(fee_lines.ids) - amls
        if not fee_lines:
            return amls
        plan = []
        fees_by_invoice = fee_lines.grouped(lambda line: line.move_id.collection_late_fee_origin_id)
        for invoice, lines in invoice_lines.grouped("move_id").items():
            own_fees = fees_by_invoice.get(invoice, fee_lines.browse()).filtered(
                lambda line, first=lines[0]: line.account_id == first.account_id
                and line.currency_id == first.currency_id
            )
            if own_fees:
                plan.append(payments | own_fees.sorted(lambda line: (line.date, line.id)))
            plan.append(payments | lines)
        used = self.env["account.move.line"].union(*plan)
        plan.append(amls | used)
        return [plan]
