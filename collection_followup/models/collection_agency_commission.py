from odoo import fields, models, tools
from odoo.exceptions import AccessError, UserError


class CollectionAgencyCommission(models.Model):
    """A payment received on a case's item while the case was open, and the agency's share.

    A ledger kept by the engine: a line follows the matching (``partial_id``) it came from.
    When the payment is unmatched from the item, a line not billed yet is removed; a line
    already on a vendor bill of the agency stays, and a reversal line (negative amounts,
    ``reversed_id``) is recorded and deducted on the next commission bill.
    """

    _name = "collection.agency.commission"
    _description = "Collection Agency Commission"
    _order = "date, id"

    case_id = fields.Many2one(
        "collection.agency.case", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="case_id.currency_id")
    date = fields.Date(required=True)
    partial_id = fields.Many2one(
        "account.partial.reconcile", string="Matching", ondelete="set null", index=True
    )
    move_id = fields.Many2one("account.move", string="Invoice", required=True)
    payment_move_id = fields.Many2one("account.move", string="Payment")
    amount_collected = fields.Monetary(string="Collected", required=True)
    commission_percent = fields.Float(string="Commission (%)", digits=(5, 2))
    amount_commission = fields.Monetary(string="Commission", required=True)
    bill_id = fields.Many2one(
        "account.move", string="Vendor Bill", ondelete="set null", readonly=True, copy=False
    )
    reversed_id = fields.Many2one(
        "collection.agency.commission",
        string="Reverses",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The commission this line takes back: its payment was unmatched from the item "
        "after the commission was billed, or a manager reversed it (see the reason).",
    )
    reversal_ids = fields.One2many("collection.agency.commission", "reversed_id")
    reason = fields.Text(
        readonly=True, help="Why a manager reversed the commission this line takes back."
    )

    _sql_constraints = [
        (
            "case_partial_uniq",
            "unique(case_id, partial_id)",
            "A payment is recorded once per case.",
        ),
    ]

    def _compute_display_name(self):
        for commission in self:
            commission.display_name = self.env._(
                "%(case)s: %(amount)s",
                case=commission.case_id.name,
                amount=tools.format_amount(
                    self.env, commission.amount_commission, commission.currency_id
                ),
            )

    def action_open_reverse(self):
        self._check_can_reverse()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reverse Commission"),
            "res_model": "collection.agency.commission.reverse",
            "view_mode": "form",
            "target": "new",
            "context": {"default_commission_ids": self.ids},
        }

    def _check_can_reverse(self):
        if not self.env.su and not self.env.user.has_group(
            "collection_followup.group_collection_manager"
        ):
            raise AccessError(
                self.env._("Only a collections manager can reverse an agency's commission.")
            )
        if self.filtered(lambda c: c.reversed_id or c.reversal_ids):
            raise UserError(
                self.env._("A reversal, or a commission already reversed, is not reversed again.")
            )

    def _reverse(self, reason):
        """Take the commissions back with a reversal line each (negative amounts, the reason
        kept on it and in the case's chatter): deducted from the next commission bill, or
        netting to nothing if they were not billed yet. Commissions are never edited."""
        self._check_can_reverse()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the commission is reversed."))
        # The ledger is read-only for people: the reversal, checked above, is the engine's.
        reversals = (
            self.env["collection.agency.commission"]
            .sudo()
            .create([{**c._prepare_reversal_vals(), "reason": reason} for c in self])
        )
        for commission in self:
            commission.case_id.message_post(
                body=self.env._(
                    "Commission %(commission)s on %(invoice)s reversed by %(user)s: %(reason)s",
                    commission=tools.format_amount(
                        self.env, commission.amount_commission, commission.currency_id
                    ),
                    invoice=commission.move_id.name,
                    user=self.env.user.name,
                    reason=reason,
                )
            )
        return reversals.with_env(self.env)

    def _prepare_reversal_vals(self):
        self.ensure_one()
        return {
            "case_id": self.case_id.id,
            "date": fields.Date.context_today(self),
            "move_id": self.move_id.id,
            "payment_move_id": self.payment_move_id.id,
            "amount_collected": -self.amount_collected,
            "commission_percent": self.commission_percent,
            "amount_commission": -self.amount_commission,
            "reversed_id": self.id,
        }

    def _prepare_bill_line_vals(self, sign=1):
        """The vendor bill line of this commission; ``sign`` -1 on a vendor credit note."""
        self.ensure_one()
        if self.reversed_id:
            name = self.env._(
                "Commission taken back: the payment of %(amount)s on %(invoice)s of "
                "%(date)s was unmatched",
                amount=tools.format_amount(self.env, -self.amount_collected, self.currency_id),
                invoice=self.move_id.name,
                date=tools.format_date(self.env, self.reversed_id.date),
            )
        else:
            name = self.env._(
                "Commission %(percent)s %% on %(amount)s collected on %(invoice)s (%(date)s)",
                percent=tools.formatLang(self.env, self.commission_percent),
                amount=tools.format_amount(self.env, self.amount_collected, self.currency_id),
                invoice=self.move_id.name,
                date=tools.format_date(self.env, self.date),
            )
        vals = {"name": name, "quantity": 1, "price_unit": sign * self.amount_commission}
        account = self.case_id.agency_id.commission_account_id
        if account:
            vals["account_id"] = account.id
        return vals
