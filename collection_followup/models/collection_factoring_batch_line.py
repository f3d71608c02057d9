from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CollectionFactoringBatchLine(models.Model):
    """One invoice of a factoring batch."""

    _name = "collection.factoring.batch.line"
    _description = "Factoring Batch Invoice"
    _order = "batch_id, id"
    _check_company_auto = True

    batch_id = fields.Many2one(
        "collection.factoring.batch", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="batch_id.currency_id", store=True)
    factor_id = fields.Many2one(related="batch_id.factor_id", store=True)
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('payment_state', 'in', ('not_paid', 'partial')), ('currency_id', '=', currency_id)]",
    )
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer", store=True, index=True
    )
    invoice_date = fields.Date(related="move_id.invoice_date")
    due_date = fields.Date(related="move_id.invoice_date_due", string="Due Date")
    amount_total = fields.Monetary(related="move_id.amount_total", string="Invoice Total")
    amount_face = fields.Monetary(
        string="Face Value",
        compute="_compute_amount_face",
        store=True,
        precompute=True,
        help="What the invoice still owes, as sent to the factor: the amount sold. Taken when "
        "the invoice is added and again at each export.",
    )
    state = fields.Selection(
        [
            ("draft", "In Batch"),
            ("factored", "Factored"),
            ("returned", "Returned (Recourse)"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
    )
    ineligibility = fields.Char(
        string="Not Eligible", compute="_compute_ineligibility", help="Why it cannot be sold."
    )
    recourse_move_id = fields.Many2one(
        "account.move", string="Recourse Entry", readonly=True, copy=False
    )
    recourse_date = fields.Date(readonly=True, copy=False)

    _sql_constraints = [
        (
            "move_batch_unique",
            "UNIQUE(batch_id, move_id)",
            "An invoice appears once in a factoring batch.",
        ),
    ]

    @api.depends("move_id")
    def _compute_amount_face(self):
        """A snapshot, on purpose not recomputed when the invoice is paid: the export takes
        it again, and posting refuses an invoice that changed since (see _check_unchanged)."""
        for line in self:
            line.amount_face = line.move_id.amount_residual

    @api.depends("move_id", "batch_id.state", "batch_id.date")
    def _compute_ineligibility(self):
        self.ineligibility = False
        for batch, lines in (
            self.filtered(lambda line: line.batch_id.state == "draft" and line.move_id)
            .grouped("batch_id")
            .items()
        ):
            reasons = batch._ineligibility(lines.move_id)
            for line in lines:
                line.ineligibility = reasons.get(line.move_id) or False

    @api.constrains("move_id", "batch_id")
    def _check_invoice(self):
        for line in self:
            if line.move_id.currency_id != line.batch_id.currency_id:
                raise ValidationError(
                    self.env._(
                        "%(invoice)s is in %(currency)s; the batch is in %(batch_currency)s.",
                        invoice=line.move_id.name,
                        currency=line.move_id.currency_id.name,
                        batch_currency=line.batch_id.currency_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if any(line.batch_id.state != "draft" for line in lines):
            raise UserError(self.env._("Invoices are added to a batch while it is a draft."))
        return lines

    def write(self, vals):
        if "move_id" in vals and any(line.batch_id.state != "draft" for line in self):
            raise UserError(self.env._("Invoices are changed in a batch while it is a draft."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(line.batch_id.state not in ("draft", "cancel") for line in self):
            raise UserError(self.env._("Invoices are removed from a batch while it is a draft."))

    def action_recourse(self):
        """With recourse: the factor hands back an invoice its customer did not pay. The sale
        of that invoice is reversed: it is open again in our books, in our follow-up, and what
        the factor owes us is reduced by its face value."""
        self.check_access("write")
        for line in self:
            batch = line.batch_id
            batch._lock()
            if batch.recourse != "with":
                raise UserError(
                    self.env._(
                        "%(factor)s buys without recourse: it bears the default of the customer.",
                        factor=batch.factor_id.name,
                    )
                )
            if batch.state != "posted" or line.state != "factored":
                raise UserError(
                    self.env._(
                        "Only a factored invoice of a posted batch can be handed back "
                        "(%(invoice)s).",
                        invoice=line.move_id.name,
                    )
                )
            line._action_recourse()
        return True

    def _action_recourse(self):
        self.ensure_one()
        batch = self.batch_id
        transfer_lines = batch.transfer_move_id.line_ids.filtered(
            lambda aml: aml.collection_factoring_line_id == self
        )
        date = max(fields.Date.context_today(self), batch.date)
        label = self.env._(
            "%(invoice)s handed back by %(factor)s (recourse)",
            invoice=self.move_id.name,
            factor=batch.factor_id.partner_id.name,
        )
        lines = [
            {
                "name": label,
                "account_id": aml.account_id.id,
                "partner_id": aml.partner_id.id,
                "currency_id": aml.currency_id.id,
                "amount_currency": -aml.amount_currency,
                "balance": -aml.balance,
                "date_maturity": aml.date_maturity,
                "collection_factoring_line_id": self.id,
            }
            for aml in transfer_lines
        ]
        lines.append(
            {
                "name": label,
                "account_id": batch.factor_id.receivable_account_id.id,
                "partner_id": batch.factor_id.partner_id.id,
                "currency_id": batch.currency_id.id,
                "amount_currency": sum(transfer_lines.mapped("amount_currency")),
                "balance": sum(transfer_lines.mapped("balance")),
            }
        )
        move = (
            self.env["account.move"]
            .with_company(batch.company_id)
            .create(batch._prepare_move_vals(batch.factor_id.journal_id, label, lines, date))
        )
        move.action_post()
        # The invoice is open again: its sale to the factor is undone...
        transfer_lines.remove_move_reconcile()
        # ...and the transfer line is matched with the recourse entry instead.
        for aml in transfer_lines:
            counterpart = move.line_ids.filtered(
                lambda r, a=aml: r.collection_factoring_line_id
                and r.account_id == a.account_id
                and r.date_maturity == a.date_maturity
                and not r.reconciled
            )[:1]
            (aml | counterpart).reconcile()
        self.write({"state": "returned", "recourse_move_id": move.id, "recourse_date": date})
        self.move_id.message_post(
            body=self.env._(
                "Handed back by %(factor)s (recourse, batch %(batch)s): the invoice is ours "
                "again and its follow-up resumes.",
                factor=batch.factor_id.partner_id.name,
                batch=batch.name,
            )
        )
        batch.message_post(body=label)
