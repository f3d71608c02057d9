from odoo import fields, models, tools


class CollectionAgencyCommission(models.Model):
    """A payment received on a case's item while the case was open, and the agency's share."""

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

    _sql_constraints = [
        (
            "case_partial_uniq",
            "unique(case_id, partial_id)",
            "A payment is recorded once per case.",
        ),
    ]

    def _prepare_bill_line_vals(self):
        self.ensure_one()
        vals = {
            "name": self.env._(
                "Commission %(percent)s %% on %(amount)s collected on %(invoice)s (%(date)s)",
                percent=tools.formatLang(self.env, self.commission_percent),
                amount=tools.format_amount(self.env, self.amount_collected, self.currency_id),
                invoice=self.move_id.name,
                date=tools.format_date(self.env, self.date),
            ),
            "quantity": 1,
            "price_unit": self.amount_commission,
        }
        account = self.case_id.agency_id.commission_account_id
        if account:
            vals["account_id"] = account.id
        return vals
