from odoo import api, fields, models
from odoo.exceptions import UserError


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
            self.env["collection.factoring.batch.line"]
            .sudo()
            .search([("move_id", "=", self.id), ("state", "=", "factored")])
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

    def _post(self, soft=True):
        for move in self.filtered(lambda m: m.move_type == "out_invoice"):
            partner = move.commercial_partner_id.with_company(move.company_id)
            if not partner.collection_on_hold:
                continue
            if move.company_id.collection_hold_mode == "block":
                raise UserError(move._collection_hold_message())
            move.message_post(body=move._collection_hold_message())
        return super()._post(soft=soft)
