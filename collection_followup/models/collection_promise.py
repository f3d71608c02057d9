from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError


class CollectionPromise(models.Model):
    """A customer's promise to pay an amount by a date. While it stands, reminders pause; kept
    when the payments come in, broken (and counted) when the date and grace days pass."""

    _name = "collection.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, tracking=True)
    date = fields.Date(string="Promised Date", required=True, tracking=True)
    grace_days = fields.Integer(
        default=lambda self: self.env.company.collection_promise_grace_days,
        help="Days after the promised date before the promise counts as broken.",
    )
    pause_until = fields.Date(compute="_compute_pause_until", store=True, index=True)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        check_company=True,
        help="The invoices the promise is about; empty: the customer's overdue invoices.",
    )
    residual_at_start = fields.Monetary(readonly=True, copy=False)
    amount_paid = fields.Monetary(compute="_compute_amount_paid", string="Paid Since")
    source = fields.Selection(
        [("backend", "Accountant"), ("portal", "Customer Portal")],
        default="backend",
        required=True,
    )
    note = fields.Text()
    state = fields.Selection(
        [("open", "Open"), ("kept", "Kept"), ("broken", "Broken"), ("cancel", "Cancelled")],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )

    @api.depends("date", "grace_days")
    def _compute_pause_until(self):
        for promise in self:
            promise.pause_until = promise.date and promise.date + timedelta(days=promise.grace_days)

    @api.depends("move_ids.amount_residual", "residual_at_start")
    def _compute_amount_paid(self):
        for promise in self:
            currency = promise.currency_id
            open_now = sum(promise.move_ids.mapped("amount_residual"))
            paid = currency.round(promise.residual_at_start - open_now)
            promise.amount_paid = paid if currency.compare_amounts(paid, 0) > 0 else 0.0

    @api.constrains("amount", "grace_days")
    def _check_amount(self):
        for promise in self:
            if promise.currency_id.compare_amounts(promise.amount, 0) <= 0:
                raise ValidationError(self.env._("A promise to pay is for a positive amount."))
            if promise.grace_days < 0:
                raise ValidationError(self.env._("Grace days cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        today = fields.Date.context_today(self)
        for vals in vals_list:
            if fields.Date.to_date(vals.get("date")) and fields.Date.to_date(vals["date"]) < today:
                raise ValidationError(self.env._("A promise is for today or a later date."))
        promises = super().create(vals_list)
        for promise in promises:
            if not promise.move_ids:
                promise.move_ids = promise._overdue_invoices()
            promise.residual_at_start = sum(promise.move_ids.mapped("amount_residual"))
            promise.partner_id.message_post(
                body=self.env._(
                    "Promise to pay %(amount)s by %(date)s.",
                    amount=tools.format_amount(self.env, promise.amount, promise.currency_id),
                    date=tools.format_date(self.env, promise.date),
                )
            )
        return promises

    def _overdue_invoices(self):
        self.ensure_one()
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.partner_id.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", fields.Date.context_today(self)),
            ]
        )

    def action_cancel(self):
        self.filtered(lambda p: p.state == "open").state = "cancel"
        return True

    def _check_kept(self):
        """Open promises whose amount has been paid are kept."""
        for promise in self.filtered(lambda p: p.state == "open"):
            if promise.currency_id.compare_amounts(promise.amount_paid, promise.amount) >= 0:
                promise.state = "kept"
                promise.partner_id.message_post(body=self.env._("Promise to pay kept."))

    @api.model
    def _cron_check_promises(self):
        """Daily: mark kept promises, and break the ones whose date and grace days passed."""
        today = fields.Date.context_today(self)
        open_promises = self.search([("state", "=", "open")])
        open_promises._check_kept()
        for promise in open_promises.filtered(
            lambda p: p.state == "open" and p.pause_until < today
        ):
            promise.state = "broken"
            promise.partner_id.message_post(
                body=self.env._(
                    "Promise to pay %(amount)s by %(date)s broken: follow-up resumes.",
                    amount=tools.format_amount(self.env, promise.amount, promise.currency_id),
                    date=tools.format_date(self.env, promise.date),
                )
            )
