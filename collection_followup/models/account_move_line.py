from odoo import api, fields, models
from odoo.exceptions import AccessError

# The level each item reached is the follow-up run's bookkeeping (see the engine's _mark_items).
COLLECTION_ENGINE_LINE_FIELDS = frozenset({"collection_level_id", "collection_level_date"})


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    collection_factoring_line_id = fields.Many2one(
        "collection.factoring.batch.line",
        string="Factored Invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="On a factoring transfer or recourse entry: the invoice of the batch it moves.",
    )
    # Each receivable item escalates on its own days: the follow-up level it last reached
    # (written by the run when a reminder names it at that level) and when.
    collection_level_id = fields.Many2one(
        "collection.followup.level",
        string="Follow-up Level",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The follow-up level this item last reached, set by the follow-up run.",
    )
    collection_level_date = fields.Date(string="Follow-up Level Date", readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._collection_check_level_change(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._collection_check_level_change(vals)
        return super().write(vals)

    @api.model
    def _collection_check_level_change(self, vals):
        """Refuse a plain create/write of the follow-up level an item reached: the run keeps it,
        a collections manager resets it with the customer's button."""
        if not self.env.su and COLLECTION_ENGINE_LINE_FIELDS & set(vals):
            raise AccessError(
                self.env._(
                    "The credit hold and the follow-up level reached are kept by the follow-up "
                    "run; a collections manager lifts a hold or resets the level with the "
                    "buttons of the customer's Follow-up tab."
                )
            )

    def reconcile(self):
        """Paying the overdue items lifts the customer's credit hold, marks promises kept and
        records the collections of agency cases at once."""
        result = super().reconcile()
        receivables = self.filtered(lambda line: line.account_type == "asset_receivable")
        if not receivables:  # vendor bills, transfers...: nothing of ours to update
            return result
        # A promise kept is the engine's bookkeeping, whoever registers the payment (a billing
        # clerk may only read promises): the promises of the invoices paid, as superuser.
        self.env["collection.promise"].sudo().search(
            [("state", "=", "open"), ("move_ids", "in", receivables.move_id.ids)]
        )._check_kept()
        # Rewarding on-time payers is the engine's bookkeeping, whoever registers the payment.
        self.env["collection.loyalty.reward"].sudo()._check_streaks(receivables.move_id)
        self.env["collection.agency.case"]._collection_on_reconcile(receivables)
        for company, lines in receivables.grouped("company_id").items():
            partners = lines.partner_id.commercial_partner_id.with_company(company).filtered(
                "collection_on_hold"
            )
            if not partners:
                continue
            decisions = self.env["collection.followup.engine"]._decisions(company, partners.ids)
            for decision in decisions.values():
                if not decision.situation.overdue:
                    decision.partner._collection_release_hold(
                        self.env._("Credit hold lifted: the overdue items are paid.")
                    )
        return result

    @api.model
    def _reconcile_plan(self, reconciliation_plan):
        """EXTENDS account: with a late fee rule whose partial payments settle fees and
        interest first, a payment of a late invoice settles its fee documents before it."""
        plan = self.env["collection.late.fee"]._legal_order_plan(reconciliation_plan)
        return super()._reconcile_plan(plan)

    def _get_installments_data(
        self, payment_currency=None, payment_date=None, next_payment_date=None
    ):
        """EXTENDS account: with discount tiers, the early-payment discount to report is the one
        in force on the payment date (Odoo stores only its own, the first tier, on the line)."""
        installments = super()._get_installments_data(
            payment_currency=payment_currency,
            payment_date=payment_date,
            next_payment_date=next_payment_date,
        )
        move = self.move_id
        if not move.collection_discount_tiers:
            return installments
        tier = move._collection_discount_tier(payment_date or fields.Date.context_today(self))
        if not tier:
            return installments
        sign = -move.direction_sign
        for installment in installments:
            if installment["type"] != "early_payment_discount":
                continue
            line = installment["line"]
            installment.update(
                {
                    "amount_residual_currency": sign * tier["amount_currency"],
                    "amount_residual": sign * tier["balance"],
                    "amount_residual_currency_unsigned": tier["amount_currency"],
                    "amount_residual_unsigned": tier["balance"],
                    "discount_amount_currency": line.amount_currency
                    - sign * tier["amount_currency"],
                    "discount_amount": line.balance - sign * tier["balance"],
                }
            )
        return installments

    @api.model
    def _collection_portal_items_domain(self, partner):
        """The open receivable items of ``partner``'s customer in every company: what its
        collections page is about, and what the portal home counts."""
        return [
            ("partner_id.commercial_partner_id", "=", partner.commercial_partner_id.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
        ]
