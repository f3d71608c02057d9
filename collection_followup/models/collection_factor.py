from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.factoring_formats import FORMATS
from ..tools.factoring_logic import MAX_ADVANCE_RATE, MIN_ADVANCE_RATE


class CollectionFactor(models.Model):
    """A factoring company's terms: what it pays for our receivables, what it charges, which
    invoices it buys, and where the entries of a sale to it are booked."""

    _name = "collection.factor"
    _description = "Factoring Company Terms"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Factor",
        required=True,
        check_company=True,
        tracking=True,
        help="The factoring company: partner of its receivable and of the entries.",
    )
    bank_account_id = fields.Many2one(
        "res.partner.bank",
        string="Factor's Bank Account",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
        tracking=True,
        help="Printed on factored invoices: customers pay only to this account.",
    )
    client_number = fields.Char(help="Our client number at the factor, written in export files.")
    advance_rate = fields.Float(
        string="Advance Rate (%)",
        default=80.0,
        required=True,
        tracking=True,
        help="Part of the face value the factor pays when a batch is posted (70 to 90 %).",
    )
    fee_percent = fields.Float(
        string="Fee (%)",
        default=2.0,
        required=True,
        tracking=True,
        help="The factor's charge, in percent of the face value.",
    )
    fee_tax_id = fields.Many2one(
        "account.tax",
        string="Tax on the Fee",
        check_company=True,
        domain="[('type_tax_use', '=', 'purchase')]",
        help="Purchase tax the factor charges on its fee (deductible input tax), if any.",
    )
    holdback_percent = fields.Float(
        string="Holdback (%)",
        default=10.0,
        required=True,
        tracking=True,
        help="Part of the face value the factor keeps as a reserve until the batch is settled.",
    )
    recourse = fields.Selection(
        [("with", "With Recourse"), ("without", "Without Recourse")],
        default="with",
        required=True,
        tracking=True,
        help="With recourse, the factor can hand back an invoice its customer did not pay: it "
        "returns to our books and to our follow-up. Without recourse, the factor bears the "
        "customer's default.",
    )
    max_days_overdue = fields.Integer(
        string="Max. Days Past Due",
        default=30,
        required=True,
        help="Invoices more than this many days past their due date on the batch date are "
        "not bought.",
    )
    currency_ids = fields.Many2many(
        "res.currency",
        string="Accepted Currencies",
        default=lambda self: self.env.company.currency_id,
        help="Currencies of the invoices the factor buys; empty: the company's currency.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Factoring Journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the transfer, fee, holdback and recourse entries.",
    )
    bank_journal_id = fields.Many2one(
        "account.journal",
        string="Bank Journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="Bank journal the factor pays the advance and the settlement into; the entries "
        "use its outstanding receipts account, matched later with the bank statement.",
    )
    receivable_account_id = fields.Many2one(
        "account.account",
        string="Factor Receivable Account",
        required=True,
        check_company=True,
        domain="[('reconcile', '=', True),"
        " ('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="What the factor owes us for the receivables sold (a reconcilable current asset, "
        "not a customer receivable account, so the follow-up never chases the factor).",
    )
    holdback_account_id = fields.Many2one(
        "account.account",
        string="Holdback Account",
        required=True,
        check_company=True,
        domain="[('reconcile', '=', True),"
        " ('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="The reserve the factor keeps until settlement (a reconcilable current asset).",
    )
    fee_account_id = fields.Many2one(
        "account.account",
        string="Fee Expense Account",
        required=True,
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
    )
    export_format = fields.Selection(
        selection="_selection_export_format",
        default="csv",
        required=True,
        help="Layout of the file sent to the factor with each batch.",
    )
    batch_ids = fields.One2many("collection.factoring.batch", "factor_id", string="Batches")
    batch_count = fields.Integer(compute="_compute_batch_count")

    @api.model
    def _selection_export_format(self):
        return [(code, fmt.label) for code, fmt in FORMATS.items()]

    def _compute_batch_count(self):
        counts = dict(
            self.env["collection.factoring.batch"]._read_group(
                [("factor_id", "in", self.ids)], ["factor_id"], ["__count"]
            )
        )
        for factor in self:
            factor.batch_count = counts.get(factor, 0)

    @api.constrains("advance_rate", "fee_percent", "holdback_percent", "max_days_overdue")
    def _check_terms(self):
        for factor in self:
            self._check_term_values(
                factor.advance_rate, factor.fee_percent, factor.holdback_percent, factor.name
            )
            if factor.max_days_overdue < 0:
                raise ValidationError(self.env._("Max. days past due cannot be negative."))

    @api.model
    def _check_term_values(self, advance_rate, fee_percent, holdback_percent, name):
        """The terms of a factor, or of a batch that copied them, are a possible deal."""
        if not MIN_ADVANCE_RATE <= advance_rate <= MAX_ADVANCE_RATE:
            raise ValidationError(
                self.env._(
                    "The advance rate of %(factor)s must be between %(min)s and %(max)s %%.",
                    factor=name,
                    min=MIN_ADVANCE_RATE,
                    max=MAX_ADVANCE_RATE,
                )
            )
        if fee_percent < 0 or holdback_percent < 0:
            raise ValidationError(
                self.env._("The fee and the holdback of a factor cannot be negative.")
            )
        if advance_rate + holdback_percent + fee_percent > 100:
            raise ValidationError(
                self.env._(
                    "Advance, holdback and fee of %(factor)s add up to more than 100 %% "
                    "of the face value.",
                    factor=name,
                )
            )

    @api.constrains("fee_tax_id")
    def _check_fee_tax(self):
        for factor in self:
            factor._check_fee_tax_is_excluded(factor.fee_tax_id)

    @api.model
    def _check_fee_tax_is_excluded(self, tax):
        """The fee is a base amount, the tax comes on top: a tax included in the price would
        be read the other way round by the journal entry."""
        if tax and any(t.price_include for t in tax | tax.children_tax_ids):
            raise ValidationError(
                self.env._(
                    "%(tax)s is included in the price: choose a tax excluded from the price "
                    "for the factoring fee.",
                    tax=tax.name,
                )
            )

    @api.constrains("receivable_account_id", "holdback_account_id")
    def _check_accounts(self):
        for factor in self:
            for account in factor.receivable_account_id | factor.holdback_account_id:
                if not account.reconcile or account.account_type in (
                    "asset_receivable",
                    "liability_payable",
                ):
                    raise ValidationError(
                        self.env._(
                            "%(account)s must be a reconcilable account that is not a customer "
                            "receivable or vendor payable account: the factor is not followed "
                            "up as a customer.",
                            account=account.display_name,
                        )
                    )
            if factor.receivable_account_id == factor.holdback_account_id:
                raise ValidationError(
                    self.env._("The factor receivable and holdback accounts must differ.")
                )

    def _accepted_currencies(self):
        self.ensure_one()
        return self.currency_ids or self.company_id.currency_id

    def action_view_batches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collection_followup.action_collection_factoring_batch"
        )
        action["domain"] = [("factor_id", "=", self.id)]
        action["context"] = {"default_factor_id": self.id}
        return action
