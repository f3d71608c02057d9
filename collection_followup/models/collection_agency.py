from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError


class CollectionAgency(models.Model):
    """A collection agency's terms: its commission, and the debts worth handing over to it."""

    _name = "collection.agency"
    _description = "Collection Agency"
    _order = "company_id, id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Agency",
        required=True,
        check_company=True,
        help="The agency's contact: cases are handed over to it and its commission is billed "
        "to it as a vendor bill.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)
    commission_percent = fields.Float(
        string="Commission (%)",
        digits=(5, 2),
        help="Share of every amount the customer pays while the case is at the agency.",
    )
    min_days_overdue = fields.Integer(
        string="Minimum Days Overdue",
        default=90,
        help="Only items at least this many days past their due date are worth handing over.",
    )
    min_amount = fields.Monetary(
        string="Minimum Amount",
        help="Only when the items overdue for the minimum days add up to at least this much "
        "(below it, the agency costs more than it brings).",
    )
    commission_account_id = fields.Many2one(
        "account.account",
        string="Commission Expense Account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Account of the commission lines of the agency's vendor bills. Empty: the "
        "purchase journal's default account.",
    )
    note = fields.Text(string="Terms")
    case_ids = fields.One2many("collection.agency.case", "agency_id", string="Cases")
    case_count = fields.Integer(compute="_compute_case_count")

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "This agency already has its terms in this company.",
        ),
    ]

    def _compute_display_name(self):
        for agency in self:
            agency.display_name = agency.partner_id.display_name

    def _compute_case_count(self):
        counts = dict(
            self.env["collection.agency.case"]._read_group(
                [("agency_id", "in", self.ids)], ["agency_id"], ["__count"]
            )
        )
        for agency in self:
            agency.case_count = counts.get(agency, 0)

    @api.constrains("commission_percent", "min_days_overdue", "min_amount")
    def _check_terms(self):
        for agency in self:
            if not 0 <= agency.commission_percent <= 100:
                raise ValidationError(self.env._("The commission is between 0 and 100 %."))
            if (
                agency.min_days_overdue < 0
                or agency.currency_id.compare_amounts(agency.min_amount, 0) < 0
            ):
                raise ValidationError(
                    self.env._("The minimum days overdue and amount cannot be negative.")
                )

    def action_view_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collection_followup.action_collection_agency_case"
        )
        action["domain"] = [("agency_id", "=", self.id)]
        action["context"] = {"default_agency_id": self.id}
        return action

    def _collection_threshold_error(self, lines, today):
        """Why ``lines`` are not worth handing over to this agency on ``today``, or False.

        The items at least ``min_days_overdue`` days past their due date must add up to at
        least ``min_amount`` (company currency, what they still owe)."""
        self.ensure_one()
        if not lines:
            return self.env._("There is nothing overdue to hand over.")
        ages = {line: (today - (line.date_maturity or line.date)).days for line in lines}
        aged = lines.filtered(lambda line: ages[line] >= self.min_days_overdue)
        if not aged:
            return self.env._(
                "No item is %(days)s days overdue yet (the oldest: %(oldest)s days): "
                "%(agency)s takes debts from %(days)s days.",
                days=self.min_days_overdue,
                oldest=max(ages.values()),
                agency=self.display_name,
            )
        amount = sum(aged.mapped("amount_residual"))
        if self.currency_id.compare_amounts(amount, self.min_amount) < 0:
            return self.env._(
                "%(amount)s is %(days)s days or more overdue: below the %(minimum)s "
                "%(agency)s takes on.",
                amount=tools.format_amount(self.env, amount, self.currency_id),
                days=self.min_days_overdue,
                minimum=tools.format_amount(self.env, self.min_amount, self.currency_id),
                agency=self.display_name,
            )
        return False
