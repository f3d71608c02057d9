from odoo import fields, models


class CollectionFollowupAction(models.Model):
    """The audit trail: one record per thing the follow-up did, or tried and failed to do."""

    _name = "collection.followup.action"
    _description = "Collection Follow-up Action"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_id = fields.Many2one(
        "collection.followup.level", string="Level", ondelete="set null", check_company=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    channel = fields.Selection([("email", "Email")], required=True)
    state = fields.Selection(
        [("done", "Done"), ("failed", "Failed")], required=True, default="done", index=True
    )
    line_ids = fields.Many2many(
        "account.move.line",
        string="Receivable Items",
        help="The open receivable lines (instalments) this reminder was about.",
    )
    move_ids = fields.Many2many("account.move", string="Invoices", compute="_compute_move_ids")
    amount_due = fields.Monetary(
        string="Overdue Amount", currency_field="currency_id",
        help="What was overdue when the action ran, in company currency, credits deducted.",
    )
    recipient_id = fields.Many2one("res.partner", string="Recipient", ondelete="set null")
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null")
    error = fields.Text()

    def _compute_move_ids(self):
        for action in self:
            action.move_ids = action.line_ids.move_id

    def _compute_display_name(self):
        for action in self:
            action.display_name = f"{action.partner_id.display_name} · {action.level_id.name or ''}"
