from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from ..const import ELIGIBILITY_PAY
from .collection_discount_rule import format_percent
from .res_lang import counted

_lt = LazyTranslate(__name__)
PROMISE_HORIZON = _lt(
    "{days, plural, one {A promise to pay is for a date at most # day ahead.} "
    "other {A promise to pay is for a date at most # days ahead.}}"
)


class CollectionPromise(models.Model):
    """A customer's promise to pay an amount by a date. While it stands, reminders pause; kept
    when the payments come in, broken (and counted) when the date and grace days pass."""

    _name = "collection.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.request.mixin"]
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
        [
            ("to_approve", "To Approve"),
            ("open", "Open"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancel", "Cancelled"),
        ],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )

    @api.depends("date", "grace_days")
    def _compute_pause_until(self):
        for promise in self:
            try:
                promise.pause_until = promise.date and promise.date + timedelta(
                    days=promise.grace_days
                )
            except OverflowError:  # a date near 9999-12-31: refused by _check_horizon
                promise.pause_until = promise.date

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

    @api.constrains("date")
    def _check_horizon(self):
        today = fields.Date.context_today(self)
        for promise in self:
            horizon = promise.company_id.collection_promise_horizon_days
            if promise.date > today + timedelta(days=horizon):
                raise ValidationError(counted(self.env, PROMISE_HORIZON, horizon))

    @api.constrains("partner_id", "company_id", "state")
    def _check_one_pending(self):
        pending = self.filtered(lambda p: p.state in ("open", "to_approve"))
        for promise in pending:
            customer = promise.partner_id.commercial_partner_id
            if (
                self.search_count(
                    [
                        ("partner_id", "child_of", customer.id),
                        ("company_id", "=", promise.company_id.id),
                        ("state", "in", ("open", "to_approve")),
                    ]
                )
                > 1
            ):
                raise ValidationError(
                    self.env._(
                        "%(customer)s already has a promise to pay in progress.",
                        customer=customer.display_name,
                    )
                )

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
            amount = tools.format_amount(self.env, promise.amount, promise.currency_id)
            date = tools.format_date(self.env, promise.date)
            # A note on the customer by the promise, whoever recorded it (a collector may not
            # edit contacts).
            promise.partner_id.sudo().message_post(
                body=self.env._(
                    "Promise to pay %(amount)s by %(date)s, waiting for a collector's approval.",
                    amount=amount,
                    date=date,
                )
                if promise.state == "to_approve"
                else self.env._("Promise to pay %(amount)s by %(date)s.", amount=amount, date=date)
            )
        return promises

    def _overdue_invoices(self):
        """The customer's overdue invoices it may pay (collection.eligibility: not disputed),
        what a promise without invoices covers."""
        self.ensure_one()
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.partner_id.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", fields.Date.context_today(self)),
                *self.env["collection.eligibility"]._collection_domain(ELIGIBILITY_PAY),
            ]
        )

    def action_cancel(self):
        self.filtered(lambda p: p.state in ("open", "to_approve")).state = "cancel"
        return True

    def action_approve(self):
        """A collector accepts a promise that waited for approval: the reminders pause."""
        self._check_can_approve()
        for promise in self.filtered(lambda p: p.state == "to_approve"):
            promise.state = "open"
            promise._collection_close_owner_activities(self.env._("Approved"))
            # A note on the customer needs no right to edit it.
            promise.partner_id.sudo().message_post(
                body=self.env._(
                    "Promise to pay approved by %(user)s: no reminders until %(date)s.",
                    user=self.env.user.name,
                    date=tools.format_date(self.env, promise.pause_until),
                )
            )
        return True

    def action_refuse(self):
        """A collector refuses a promise that waited for approval: the follow-up goes on."""
        self._check_can_approve()
        for promise in self.filtered(lambda p: p.state == "to_approve"):
            promise.state = "cancel"
            promise._collection_close_owner_activities(self.env._("Refused"))
            # A note on the customer needs no right to edit it.
            promise.partner_id.sudo().message_post(
                body=self.env._("Promise to pay refused by %(user)s.", user=self.env.user.name)
            )
        return True

    def _check_can_approve(self):
        if not self.env.user.has_group("collection_followup.group_collection_user"):
            raise AccessError(self.env._("Only a collector can approve or refuse a promise."))

    @api.model
    def _create_from_portal(self, partner, company, date, amount):
        """The customer promises to pay ``amount`` (company currency) by ``date``: for at
        least the company's share of what is overdue and at most what it owes, by a date
        within the company's horizon, one promise at a time. After too many broken promises
        it waits for a collector's approval instead of pausing the reminders. Called sudo-ed
        by the portal after it checked who the visitor is."""
        partner = partner.commercial_partner_id.with_company(company)
        currency = company.currency_id
        decision = (
            self.env["collection.followup.engine"]._decisions(company, partner.ids).get(partner.id)
        )
        overdue = decision.situation.overdue if decision else 0.0
        owed = decision.situation.total_due if decision else 0.0
        if currency.compare_amounts(overdue, 0.0) <= 0:
            raise UserError(self.env._("Nothing is overdue: there is nothing to promise."))
        minimum = currency.round(overdue * company.collection_promise_min_percent / 100)
        if currency.compare_amounts(amount, minimum) < 0:
            raise UserError(
                self.env._(
                    "Promise at least %(minimum)s: %(percent)s %% of the %(overdue)s overdue.",
                    minimum=tools.format_amount(self.env, minimum, currency),
                    percent=format_percent(self.env, company.collection_promise_min_percent),
                    overdue=tools.format_amount(self.env, overdue, currency),
                )
            )
        if currency.compare_amounts(amount, owed) > 0:
            raise UserError(
                self.env._(
                    "You owe us %(owed)s: a promise cannot be for more.",
                    owed=tools.format_amount(self.env, owed, currency),
                )
            )
        broken = self.search_count(
            [
                ("partner_id", "child_of", partner.id),
                ("company_id", "=", company.id),
                ("state", "=", "broken"),
            ]
        )
        needs_approval = broken >= company.collection_promise_max_broken
        promise = self.with_company(company).create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "date": date,
                "amount": amount,
                "source": "portal",
                "state": "to_approve" if needs_approval else "open",
            }
        )
        if needs_approval:
            promise._collection_schedule_owner_activity(
                self.env._(
                    "Approve or refuse the promise of %(customer)s to pay %(amount)s by %(date)s "
                    "(%(count)s broken promises)",
                    customer=partner.display_name,
                    amount=tools.format_amount(self.env, amount, currency),
                    date=tools.format_date(self.env, date),
                    count=broken,
                )
            )
        return promise

    def _check_kept(self):
        """Open promises whose amount has been paid are kept."""
        for promise in self.filtered(lambda p: p.state == "open"):
            if promise.currency_id.compare_amounts(promise.amount_paid, promise.amount) >= 0:
                promise.state = "kept"
                promise.partner_id.message_post(body=self.env._("Promise to pay kept."))

    @api.model
    def _cron_check_promises(self):
        """Daily: mark kept promises, and break the ones whose date and grace days passed.
        A promise still waiting for approval by then is cancelled."""
        today = fields.Date.context_today(self)
        self.search([("state", "=", "to_approve"), ("pause_until", "<", today)]).write(
            {"state": "cancel"}
        )
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
