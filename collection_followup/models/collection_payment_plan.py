from werkzeug.urls import url_encode

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import PLAN_ACTIVE_STATES
from ..tools.plan_logic import adherence, schedule_dates, split_evenly

# States the engine (or the Accept button) sets; the rest of a plan's life is the collector's.
PLAN_ENGINE_STATES = ("accepted", "running", "completed", "broken")
PLAN_EDITABLE_STATES = ("draft", "proposed", "cancel")
PLAN_SCHEDULE_FIELDS = frozenset(
    {
        "partner_id",
        "company_id",
        "currency_id",
        "move_ids",
        "amount_total",
        "down_payment",
        "installment_count",
        "frequency",
        "first_date",
        "installment_ids",
    }
)
PLAN_BOOKKEEPING_FIELDS = frozenset(
    {"accepted_date", "residual_at_start", "end_date", "broken_due_date"}
)


class CollectionPaymentPlan(models.Model):
    """An agreement to pay one or many open invoices in instalments ("1,800 becomes 3 × 600").

    Posted invoices are never rewritten: payments reconcile with them as usual, and the plan
    compares what was paid since it started with what was due by each instalment date.
    """

    _name = "collection.payment.plan"
    _description = "Payment Plan"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.request.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, tracking=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    move_ids = fields.Many2many(
        "account.move",
        "collection_payment_plan_move_rel",
        string="Invoices",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('payment_state', 'in', ('not_paid', 'partial')),"
        " ('commercial_partner_id', '=', partner_id), ('currency_id', '=', currency_id)]",
    )
    amount_total = fields.Monetary(
        string="Amount",
        compute="_compute_amount_total",
        store=True,
        readonly=False,
        help="What the plan covers: the open amount of its invoices when it was set up.",
    )
    down_payment = fields.Monetary()
    installment_count = fields.Integer(string="Instalments", default=3)
    frequency = fields.Selection(
        [("weekly", "Weekly"), ("monthly", "Monthly"), ("custom", "Custom Dates")],
        default="monthly",
        required=True,
    )
    first_date = fields.Date(string="First Instalment", default=fields.Date.context_today)
    grace_days = fields.Integer(default=5, help="Days after an instalment before it is missed.")
    reminder_days = fields.Integer(
        default=3, help="Days before each instalment when the customer is reminded."
    )
    source = fields.Selection(
        [("backend", "Accountant"), ("portal", "Customer Portal")],
        default="backend",
        required=True,
        readonly=True,
        help="Customer Portal: the customer asked for this plan on its collections page.",
    )
    pause_fees = fields.Boolean(
        string="No Late Fees While on Schedule",
        default=True,
        help="While the plan runs on schedule, its invoices get no late fees.",
    )
    installment_ids = fields.One2many(
        "collection.payment.plan.installment", "plan_id", string="Schedule", copy=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("proposed", "Proposed"),
            ("accepted", "Accepted"),
            ("running", "Running"),
            ("completed", "Completed"),
            ("broken", "Broken"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
    )
    accepted_date = fields.Date(readonly=True, copy=False)
    residual_at_start = fields.Monetary(
        readonly=True,
        copy=False,
        help="Open amount of the invoices when the plan was accepted: what is paid since "
        "counts towards the instalments.",
    )
    end_date = fields.Date(
        string="Ended On",
        readonly=True,
        copy=False,
        help="The day the plan in force was completed, broken or cancelled: its days bear no "
        "late-payment interest when it pauses fees (see the late fee rule).",
    )
    broken_due_date = fields.Date(
        string="Missed Instalment Due",
        readonly=True,
        copy=False,
        help="Due date of the instalment whose miss broke the plan.",
    )
    amount_paid = fields.Monetary(compute="_compute_progress", string="Paid")
    amount_due_today = fields.Monetary(
        compute="_compute_progress",
        string="Due by Today",
        help="What the schedule says should have been paid by today.",
    )
    next_installment_date = fields.Date(compute="_compute_progress")

    @api.depends("move_ids.amount_residual", "state")
    def _compute_amount_total(self):
        for plan in self:
            if plan.state == "draft":
                plan.amount_total = sum(plan.move_ids.mapped("amount_residual"))

    @api.depends("installment_ids.state", "installment_ids.paid_amount", "move_ids.amount_residual")
    def _compute_progress(self):
        today = fields.Date.context_today(self)
        for plan in self:
            plan.amount_paid = plan._paid_since_start()
            plan.amount_due_today = sum(
                plan.installment_ids.filtered(lambda i: i.date <= today).mapped("amount")
            )
            upcoming = plan.installment_ids.filtered(lambda i: i.state != "paid").sorted("date")
            plan.next_installment_date = upcoming[:1].date

    @api.constrains("installment_count", "down_payment", "amount_total", "grace_days")
    def _check_figures(self):
        for plan in self:
            if plan.installment_count < 1:
                raise ValidationError(self.env._("A payment plan has at least one instalment."))
            compare = plan.currency_id.compare_amounts
            if compare(plan.down_payment, 0) < 0 or (
                compare(plan.amount_total, 0) > 0
                and compare(plan.down_payment, plan.amount_total) >= 0
            ):
                raise ValidationError(
                    self.env._("The down payment must be less than the amount of the plan.")
                )
            if plan.grace_days < 0:
                raise ValidationError(self.env._("Grace days cannot be negative."))

    @api.constrains("move_ids", "partner_id", "currency_id")
    def _check_invoices(self):
        for plan in self:
            wrong = plan.move_ids.filtered(
                lambda m, p=plan: m.commercial_partner_id != p.partner_id.commercial_partner_id
                or m.currency_id != p.currency_id
                or m.move_type != "out_invoice"
                or m.state != "posted"
            )
            if wrong:
                raise ValidationError(
                    self.env._(
                        "A payment plan covers posted invoices of its customer in its currency: "
                        "%(invoices)s cannot be in it.",
                        invoices=", ".join(wrong.mapped("display_name")),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("collection.payment.plan")
        return super().create(vals_list)

    def write(self, vals):
        """A plan in force that ends records the day (and, broken, the missed instalment's due
        date): the late fee rules read them to leave the plan's days free of interest.

        An accepted schedule is the customer's agreement: it is not edited in place (by a plain
        write either) but rescheduled (:meth:`action_open_reschedule`); a plan is accepted with
        :meth:`action_accept`, and runs, completes or breaks by the engine only."""
        self._check_schedule_change(vals)
        state = vals.get("state")
        ending = self.filtered(lambda plan: plan.state in PLAN_ACTIVE_STATES)
        if state not in ("completed", "broken", "cancel") or not ending:
            return super().write(vals)
        today = fields.Date.context_today(self)
        for plan in ending:
            values = {"end_date": today}
            if state == "broken":
                missed = [
                    inst.date for inst, status in plan._statuses(today) if status.state == "missed"
                ]
                values["broken_due_date"] = min(missed, default=today)
            super(CollectionPaymentPlan, plan).write({**vals, **values})
        return super(CollectionPaymentPlan, self - ending).write(vals)

    def _check_schedule_change(self, vals):
        if self.env.su:
            return
        if vals.get("state") in PLAN_ENGINE_STATES or set(vals) & PLAN_BOOKKEEPING_FIELDS:
            raise UserError(
                self.env._(
                    "A payment plan is accepted with its Accept button; it runs, completes or "
                    "breaks by the payments the follow-up checks."
                )
            )
        if set(vals) & PLAN_SCHEDULE_FIELDS and self.filtered(
            lambda plan: plan.state not in PLAN_EDITABLE_STATES
        ):
            raise UserError(
                self.env._(
                    "The schedule of an accepted payment plan is the customer's agreement: "
                    "reschedule it instead."
                )
            )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_compute_schedule(self):
        """(Re)build the instalments: down payment first, then equal parts, the last one
        absorbing the rounding."""
        for plan in self:
            if plan.state not in ("draft", "proposed"):
                raise UserError(self.env._("The schedule of an accepted plan cannot change."))
            if plan.currency_id.compare_amounts(plan.amount_total, 0) <= 0:
                raise UserError(self.env._("Choose the open invoices the plan covers."))
            plan.installment_ids = [fields.Command.clear()] + [
                fields.Command.create(vals) for vals in plan._prepare_installment_vals()
            ]
        return True

    def action_propose(self):
        for plan in self:
            plan._check_ready()
            plan.state = "proposed"
            template = self.env.ref("collection_followup.mail_template_payment_plan_proposed")
            message = plan.with_context(mail_notify_force_send=False).message_post_with_source(
                template, subtype_xmlid="mail.mt_comment"
            )
            # The proposal answers the customer: it goes, and counts as the day's message.
            self.env["collection.proportion"]._record_contact(
                plan.company_id, plan.partner_id, message
            )
        return True

    def action_accept(self):
        """Accepted (by the accountant, or the customer in the portal): the schedule is in force
        and the plan's invoices are paused from escalation."""
        today = fields.Date.context_today(self)
        for plan in self:
            if plan.state not in ("draft", "proposed"):
                raise UserError(self.env._("Only a draft or proposed plan can be accepted."))
            plan._check_ready()
            # The schedule in force and its starting figures are the engine's bookkeeping,
            # written as superuser once the plan is checked ready to accept.
            plan.sudo().write(
                {
                    "state": "running" if plan.installment_ids[:1].date <= today else "accepted",
                    "accepted_date": today,
                    "residual_at_start": plan._open_amount(),
                }
            )
            plan.message_post(body=self.env._("Payment plan accepted."))
        return True

    def action_cancel(self):
        self.filtered(lambda p: p.state not in ("completed", "broken")).state = "cancel"
        return True

    def action_draft(self):
        self.filtered(lambda p: p.state in ("proposed", "cancel")).state = "draft"
        return True

    def action_open_reschedule(self):
        self.ensure_one()
        self._check_can_reschedule()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reschedule %(plan)s", plan=self.name),
            "res_model": "collection.payment.plan.reschedule",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_plan_id": self.id,
                "default_installment_count": self.installment_count,
            },
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _check_schedule_editable(self):
        """Instalments of an accepted plan are the customer's agreement: added, moved or
        deleted by nobody but the engine (a plan is rescheduled instead)."""
        if self.env.su:
            return
        if self.filtered(lambda plan: plan.state not in PLAN_EDITABLE_STATES):
            raise UserError(
                self.env._(
                    "The schedule of an accepted payment plan is the customer's agreement: "
                    "reschedule it instead."
                )
            )

    def _check_can_reschedule(self):
        if not self.env.su and not self.env.user.has_group(
            "collection_followup.group_collection_user"
        ):
            raise AccessError(self.env._("Only collections users can reschedule a payment plan."))
        if self.filtered(lambda plan: plan.state not in PLAN_ACTIVE_STATES):
            raise UserError(self.env._("Only a payment plan in force is rescheduled."))

    def _reschedule(self, agreement, first_date, installment_count):
        """The customer agreed to a new schedule: this plan is cancelled (its days so far stay
        free of late fees) and a new plan over what is still open is proposed to the customer,
        who accepts it (in the portal, or through the collector). ``agreement`` says how the
        customer agreed; it is kept in the chatter of both plans. Returns the new plan."""
        self.ensure_one()
        self._check_can_reschedule()
        agreement = (agreement or "").strip()
        if not agreement:
            raise UserError(self.env._("Say how the customer agreed to the new schedule."))
        if installment_count < 1:
            raise UserError(self.env._("A payment plan has at least one instalment."))
        moves = self.move_ids.filtered(
            lambda m: m.currency_id.compare_amounts(m.amount_residual, 0) > 0
        )
        if not moves:
            raise UserError(self.env._("Nothing of %(plan)s is left to pay.", plan=self.name))
        self.action_cancel()
        new_plan = self.copy(
            {
                "state": "draft",
                "move_ids": [fields.Command.set(moves.ids)],
                "amount_total": self.currency_id.round(sum(moves.mapped("amount_residual"))),
                "installment_ids": [],
                "installment_count": installment_count,
                "first_date": first_date,
                "down_payment": 0.0,
                "frequency": "monthly" if self.frequency == "custom" else self.frequency,
            }
        )
        new_plan.action_compute_schedule()
        new_plan.action_propose()
        self.message_post(
            body=self.env._(
                "Rescheduled by %(user)s as %(plan)s: %(agreement)s",
                user=self.env.user.name,
                plan=new_plan.name,
                agreement=agreement,
            )
        )
        new_plan.message_post(
            body=self.env._(
                "Reschedules %(plan)s, agreed with the customer: %(agreement)s",
                plan=self.name,
                agreement=agreement,
            )
        )
        return new_plan

    def _check_ready(self):
        self.ensure_one()
        if not self.installment_ids:
            raise UserError(self.env._("Compute the schedule of %(plan)s first.", plan=self.name))
        scheduled = self.currency_id.round(sum(self.installment_ids.mapped("amount")))
        if self.currency_id.compare_amounts(scheduled, self.amount_total):
            raise UserError(
                self.env._(
                    "The instalments of %(plan)s add up to %(scheduled)s, not %(total)s.",
                    plan=self.name,
                    scheduled=tools.format_amount(self.env, scheduled, self.currency_id),
                    total=tools.format_amount(self.env, self.amount_total, self.currency_id),
                )
            )

    def _prepare_installment_vals(self):
        self.ensure_one()
        digits = self.currency_id.decimal_places
        vals = []
        first = self.first_date or fields.Date.context_today(self)
        rest = self.amount_total - self.down_payment
        offset = 1 if self.down_payment else 0
        if offset:
            vals.append({"date": first, "amount": self.down_payment, "is_down_payment": True})
        if self.frequency == "custom":
            custom = self.installment_ids.filtered(lambda i: not i.is_down_payment).mapped("date")
            dates = schedule_dates(first, self.installment_count, "custom", custom)
        else:
            count = self.installment_count + offset
            dates = schedule_dates(first, count, self.frequency)[offset:]
        amounts = split_evenly(rest, self.installment_count, digits)
        vals += [{"date": d, "amount": a} for d, a in zip(dates, amounts, strict=True)]
        return vals

    def _open_amount(self):
        self.ensure_one()
        return sum(self.move_ids.mapped("amount_residual"))

    def _paid_since_start(self):
        """What the plan's invoices lost of their open amount since the plan was accepted,
        rounded to the currency (never below zero)."""
        self.ensure_one()
        if self.state not in ("accepted", "running", "completed", "broken"):
            return 0.0
        paid = self.currency_id.round(self.residual_at_start - self._open_amount())
        return paid if self.currency_id.compare_amounts(paid, 0) > 0 else 0.0

    def _statuses(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        installments = self.installment_ids.sorted(lambda i: (i.date, i.id))
        statuses = adherence(
            [(i.date, i.amount) for i in installments],
            self._paid_since_start(),
            today,
            self.grace_days,
            self.currency_id.decimal_places,
        )
        return list(zip(installments, statuses, strict=True))

    @api.model
    def _cron_check_payment_plans(self):
        """Daily: start accepted plans, complete paid ones, break those with a missed
        instalment (the customer is told and follow-up resumes), remind of the next one."""
        today = fields.Date.context_today(self)
        Engine = self.env["collection.followup.engine"]
        # The plans' states are the engine's bookkeeping (read-only for people): as superuser,
        # whoever runs the check.
        plans = self.sudo().search([("state", "in", PLAN_ACTIVE_STATES)])
        for plan in plans:
            # Each plan on its own: one that raises is noted on it and the others go on.
            Engine._isolated(
                plan, self.env._("Payment plan not checked"), plan._check_progress, today
            )
        # The notices of plans that ended go first; the day's reminders then wait for them
        # (one message a day, see collection.proportion).
        for plan in plans:
            if plan.state in PLAN_ACTIVE_STATES:
                Engine._isolated(
                    plan,
                    self.env._("Instalment reminders not sent"),
                    plan._send_installment_reminders,
                    today,
                )

    def _check_progress(self, today):
        """Complete the plan once paid, break it on a missed instalment, start it on the day
        of its first instalment."""
        self.ensure_one()
        statuses = self._statuses(today)
        if all(status.state == "paid" for _inst, status in statuses):
            self.state = "completed"
            self.message_post(body=self.env._("Payment plan completed: every instalment paid."))
        elif any(status.state == "missed" for _inst, status in statuses):
            self._break()
        elif self.state == "accepted" and statuses[0][0].date <= today:
            self.state = "running"

    def _break(self):
        self.ensure_one()
        self.state = "broken"
        template = self.env.ref("collection_followup.mail_template_payment_plan_broken")
        message = self.with_context(mail_notify_force_send=False).message_post_with_source(
            template, subtype_xmlid="mail.mt_comment"
        )
        # The end of the agreement changes what the customer owes at once: the notice goes,
        # and counts as the day's message.
        self.env["collection.proportion"]._record_contact(self.company_id, self.partner_id, message)

    def _send_installment_reminders(self, today):
        """Remind the customer of each instalment ``reminder_days`` before it; a reminder that
        waited (the customer already had a collections message today) goes the next day, even
        past the instalment's date while it is in its grace days."""
        template = self.env.ref("collection_followup.mail_template_payment_plan_reminder")
        Proportion = self.env["collection.proportion"]
        for plan in self:
            for installment, status in plan._statuses(today):
                days_before = (installment.date - today).days
                if installment.reminder_sent or days_before > plan.reminder_days:
                    continue
                if not (
                    status.state in ("due", "partial")
                    and days_before >= 0
                    or installment.reminder_held
                    and status.state == "late"
                ):
                    continue
                customer = plan.partner_id.commercial_partner_id
                contacted = Proportion._contacted_today(plan.company_id, customer, today)
                if customer.id in contacted:
                    installment._hold_reminder(contacted[customer.id])
                else:
                    installment._send_reminder(template, status)

    # ------------------------------------------------------------------
    # What the customer does on its collections page
    # ------------------------------------------------------------------

    @api.model
    def _create_from_portal(self, partner, company, installment_count):
        """The customer asks for a plan in ``installment_count`` instalments: a draft plan over
        its open invoices in the company (the currency of the oldest one; none disputed or in
        a plan already), owned by its collector, who computes and proposes the schedule. One
        request at a time. Called sudo-ed by the portal after it checked who the visitor is."""
        partner = partner.commercial_partner_id
        if self.search_count(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("source", "=", "portal"),
                ("state", "in", ("draft", "proposed")),
            ]
        ):
            raise UserError(
                self.env._(
                    "We already have your request for a payment plan: we will get back to you."
                )
            )
        invoices = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ],
            order="invoice_date_due, id",
        )
        invoices -= self.search(
            [("move_ids", "in", invoices.ids), ("state", "in", PLAN_ACTIVE_STATES)]
        ).move_ids
        invoices -= (
            self.env["collection.dispute"]
            .search([("move_id", "in", invoices.ids), ("state", "=", "open")])
            .move_id
        )
        if not invoices:
            raise UserError(self.env._("You have no open invoice a payment plan could cover."))
        currency = invoices[0].currency_id
        plan = self.with_company(company).create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "currency_id": currency.id,
                "move_ids": [
                    fields.Command.set(invoices.filtered(lambda m: m.currency_id == currency).ids)
                ],
                "installment_count": installment_count,
                "source": "portal",
            }
        )
        summary = self.env._(
            "%(customer)s asks for a payment plan in %(count)s instalments",
            customer=partner.display_name,
            count=installment_count,
        )
        plan._collection_schedule_owner_activity(summary)
        partner.message_post(body=summary)
        return plan

    def _action_accept_from_portal(self, partner, accepted_by):
        """The customer accepts the plan proposed to it: the schedule is in force."""
        self.ensure_one()
        if self.partner_id.commercial_partner_id != partner.commercial_partner_id or (
            self.state != "proposed"
        ):
            raise UserError(self.env._("This payment plan is not waiting for your answer."))
        self.action_accept()
        self.message_post(body=self.env._("Accepted in the portal by %(who)s.", who=accepted_by))
        self._collection_close_owner_activities(self.env._("Accepted by the customer"))
        return self

    # ------------------------------------------------------------------
    # Pay links
    # ------------------------------------------------------------------

    def _installment_pay_link(self, amount):
        """A link to pay ``amount`` on the plan's oldest open invoice online.

        Odoo's generic payment page (``/payment/pay``) with the invoice: ``account_payment``
        checks a payment token signed over the invoice's partner, the amount and the currency,
        then routes the transaction to the invoice. This avoids the invoice page with a custom
        amount (``/my/invoices/<id>?amount=``), which fails with HTTP 500 on Odoo 18.0 as
        released (``float('amount')`` in account_payment's portal controller, fixed later), and
        works the same before and after that fix. The token is signed here with the same key
        and values as ``payment.utils.generate_access_token``, since a scheduled action has no
        HTTP request.
        """
        self.ensure_one()
        currency = self.currency_id
        invoice = self.move_ids.filtered(
            lambda m: currency.compare_amounts(m.amount_residual, 0) > 0
        ).sorted(lambda m: (m.invoice_date_due or m.date, m.id))[:1]
        if not invoice:
            return ""
        currency = invoice.currency_id
        if currency.compare_amounts(amount, invoice.amount_residual) > 0:
            amount = invoice.amount_residual
        amount = currency.round(amount)
        partner_id, currency_id = invoice.partner_id.id, currency.id
        token = tools.hmac(
            self.env(su=True), "generate_access_token", f"{partner_id}|{amount}|{currency_id}"
        )
        query = url_encode(
            {
                "reference": invoice.name,
                "amount": amount,
                "currency_id": currency_id,
                "partner_id": partner_id,
                "company_id": invoice.company_id.id,
                "invoice_id": invoice.id,
                "access_token": token,
            }
        )
        return f"{invoice.get_base_url()}/payment/pay?{query}"
