from odoo import fields, models


class CollectionLoyaltyProgress(models.Model):
    """How far the engine has walked a customer's invoices towards its next loyalty reward.

    Invoices are walked in the order they were issued. An invoice is decided once it is paid,
    or past a due date unpaid; the walk stops at the first invoice neither paid nor due yet.
    The progress keeps the last invoice walked and the on-time invoices of the run in progress,
    so each reconciliation only walks the invoices issued since (no walk of the customer's whole
    history). It is the engine's bookkeeping, written as superuser; deleting it only makes the
    next walk start again from the customer's last reward.
    """

    _name = "collection.loyalty.progress"
    _description = "On-Time Payer Progress"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    last_move_id = fields.Many2one(
        "account.move",
        string="Walked Up To",
        required=True,
        ondelete="cascade",
        check_company=True,
        help="The last invoice decided: every invoice of the customer issued up to it is "
        "counted.",
    )
    run_move_ids = fields.Many2many(
        "account.move",
        "collection_loyalty_progress_move_rel",
        string="Paid on Time in a Row",
        check_company=True,
        help="The invoices paid on time since the last reward or late payment.",
    )

    _sql_constraints = [
        (
            "partner_company_unique",
            "unique(partner_id, company_id)",
            "A customer has one loyalty progress per company.",
        )
    ]
