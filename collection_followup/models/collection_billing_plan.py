from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.plan_logic import split_by_shares

PAID_STATES = ("paid", "in_payment")


class CollectionBillingPlan(models.Model):
    """Bill a project in stages: a deposit before work starts, then milestones, each invoiced
    and collected before the next stage starts."""

    _name = "collection.billing.plan"
    _description = "Milestone Billing Plan"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, tracking=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    amount_total = fields.Monetary(string="Total", required=True, tracking=True)
    payment_term_id = fields.Many2one(
        "account.payment.term", string="Payment Terms", check_company=True
    )
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        domain="[('type_tax_use', '=', 'sale'), ('company_id', 'parent_of', company_id)]",
        help="Taxes added to each milestone invoice; the plan's amounts are before tax.",
    )
    gate = fields.Selection(
        [("block", "Block"), ("warn", "Warn")],
        string="Unpaid Previous Stage",
        default="block",
        required=True,
        help="When a milestone is reached while the previous one is unpaid: refuse, or allow "
        "it with a warning in the chatter.",
    )
    reminder_days = fields.Integer(
        default=7, help="Days before a dated milestone when the customer is told it is coming."
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
    )
    milestone_ids = fields.One2many(
        "collection.billing.milestone", "plan_id", string="Milestones", copy=True
    )
    invoice_ids = fields.One2many("account.move", "collection_billing_plan_id", string="Invoices")
    amount_invoiced = fields.Monetary(compute="_compute_amounts", string="Invoiced")
    amount_paid = fields.Monetary(compute="_compute_amounts", string="Paid")
    amount_remaining = fields.Monetary(compute="_compute_amounts", string="Remaining")

    @api.depends(
        "milestone_ids.amount",
        "milestone_ids.state",
        "invoice_ids.amount_residual",
        "invoice_ids.state",
    )
    def _compute_amounts(self):
        for plan in self:
            invoices = plan.invoice_ids.filtered(lambda m: m.state == "posted")
            plan.amount_invoiced = sum(invoices.mapped("amount_untaxed"))
            paid = sum(m.amount_total - m.amount_residual for m in invoices)
            taxed = sum(invoices.mapped("amount_total"))
            # Paid, expressed before tax like the plan's total.
            plan.amount_paid = (
                plan.currency_id.round(paid * plan.amount_invoiced / taxed) if taxed else 0.0
            )
            plan.amount_remaining = plan.amount_total - plan.amount_paid

    @api.constrains("amount_total")
    def _check_amount_total(self):
        if any(plan.amount_total <= 0 for plan in self):
            raise ValidationError(self.env._("The total of a billing plan must be positive."))

    def action_confirm(self):
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Only a draft plan can be confirmed."))
            if not plan.milestone_ids:
                raise UserError(self.env._("Add the deposit and the milestones first."))
            plan.milestone_ids._compute_amount()
            plan._check_split()
        self.state = "running"

    def action_cancel(self):
        """Cancel the plan: what was invoiced stays, what was not is cancelled."""
        for plan in self:
            plan.milestone_ids.filtered(lambda m: m.state in ("planned", "ready")).stage = "cancel"
            plan.message_post(
                body=self.env._(
                    "Plan cancelled: %(count)s milestone(s) not invoiced were cancelled; "
                    "the invoices already issued stay.",
                    count=len(plan.milestone_ids.filtered(lambda m: m.state == "cancel")),
                )
            )
        self.state = "cancel"

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.invoice_ids.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action

    def _check_split(self):
        """The milestones' shares must add up to the total (raises a clear UserError)."""
        self.ensure_one()
        milestones = self.milestone_ids.sorted("sequence")
        try:
            split_by_shares(
                self.amount_total,
                [m._share() for m in milestones],
                self.currency_id.decimal_places,
            )
        except ValueError as error:
            raise UserError(
                self.env._(
                    "The milestones of %(plan)s do not add up: %(reason)s",
                    plan=self.name,
                    reason=error,
                )
            ) from error

    @api.model
    def _cron_invoice_dated_milestones(self):
        """Invoice the milestones whose planned date has come, when the previous one is paid."""
        today = fields.Date.context_today(self)
        due = self.env["collection.billing.milestone"].search(
            [
                ("plan_id.state", "=", "running"),
                ("trigger", "=", "date"),
                ("state", "=", "planned"),
                ("planned_date", "<=", today),
            ],
            order="plan_id, sequence",
        )
        for milestone in due:
            if milestone._gate_problem() and milestone.plan_id.gate == "block":
                continue  # waits for the previous payment; said on the plan when reached by hand
            try:
                with self.env.cr.savepoint():
                    milestone._mark_ready()
                    milestone._create_invoice()
            except UserError as error:
                milestone.plan_id.message_post(
                    body=self.env._(
                        "Milestone %(name)s not invoiced: %(error)s",
                        name=milestone.name,
                        error=error,
                    )
                )

    @api.model
    def _cron_remind_upcoming_milestones(self):
        """Tell customers that a dated stage (and its invoice) is coming, once."""
        today = fields.Date.context_today(self)
        upcoming = self.env["collection.billing.milestone"].search(
            [
                ("plan_id.state", "=", "running"),
                ("trigger", "=", "date"),
                ("state", "=", "planned"),
                ("reminder_sent", "=", False),
                ("planned_date", ">=", today),
            ]
        )
        template = self.env.ref("collection_followup.mail_template_billing_milestone_upcoming")
        for milestone in upcoming:
            plan = milestone.plan_id
            if (milestone.planned_date - today).days > plan.reminder_days:
                continue
            plan.with_context(
                mail_notify_force_send=False, collection_milestone=milestone
            ).message_post_with_source(template, subtype_xmlid="mail.mt_comment")
            milestone.reminder_sent = True


class CollectionBillingMilestone(models.Model):
    _name = "collection.billing.milestone"
    _description = "Billing Plan Milestone"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one(
        "collection.billing.plan", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    is_deposit = fields.Boolean(
        string="Deposit", help="Due before the work starts: the first milestone waits for it."
    )
    share_type = fields.Selection(
        [("percent", "Percent"), ("amount", "Amount")], default="percent", required=True
    )
    percent = fields.Float(digits=(16, 4))
    fixed_amount = fields.Monetary()
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        help="This milestone's part of the total; the last milestone absorbs the rounding.",
    )
    trigger = fields.Selection(
        [("date", "On a Date"), ("reached", "When Reached")], default="reached", required=True
    )
    planned_date = fields.Date()
    reached_date = fields.Date(readonly=True)
    stage = fields.Selection(
        [("planned", "Planned"), ("ready", "Ready"), ("cancel", "Cancelled")],
        default="planned",
        required=True,
        copy=False,
        help="Where the work stands; the invoice says the rest (see state).",
    )
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("ready", "Ready to Invoice"),
            ("invoiced", "Invoiced"),
            ("paid", "Paid"),
            ("cancel", "Cancelled"),
        ],
        compute="_compute_state",
        store=True,
    )
    invoice_id = fields.Many2one("account.move", readonly=True, copy=False)
    invoice_payment_state = fields.Selection(related="invoice_id.payment_state")
    reminder_sent = fields.Boolean(readonly=True, copy=False)

    @api.depends(
        "plan_id.amount_total",
        "plan_id.milestone_ids.share_type",
        "plan_id.milestone_ids.percent",
        "plan_id.milestone_ids.fixed_amount",
        "plan_id.milestone_ids.sequence",
        "plan_id.currency_id",
    )
    def _compute_amount(self):
        for plan in self.plan_id:
            milestones = plan.milestone_ids.sorted(lambda m: (m.sequence, m.id or 0))
            try:
                amounts = split_by_shares(
                    plan.amount_total,
                    [m._share() for m in milestones],
                    plan.currency_id.decimal_places,
                )
            except ValueError:
                # Not adding up yet (being edited): each its own share, checked on confirm.
                amounts = [m._share_amount() for m in milestones]
            for milestone, amount in zip(milestones, amounts, strict=True):
                milestone.amount = amount

    @api.depends("stage", "invoice_id.payment_state", "invoice_id.state")
    def _compute_state(self):
        for milestone in self:
            invoice = milestone.invoice_id
            if invoice and invoice.state == "posted":
                paid = invoice.payment_state in PAID_STATES
                milestone.state = "paid" if paid else "invoiced"
            else:
                milestone.state = milestone.stage

    def _share(self):
        self.ensure_one()
        if self.share_type == "percent":
            return ("percent", self.percent)
        return ("amount", self.fixed_amount)

    def _share_amount(self):
        self.ensure_one()
        if self.share_type == "percent":
            return self.currency_id.round(self.plan_id.amount_total * self.percent / 100)
        return self.fixed_amount

    @api.constrains("percent", "fixed_amount", "share_type")
    def _check_share(self):
        for milestone in self:
            if milestone.share_type == "percent" and not 0 < milestone.percent <= 100:
                raise ValidationError(
                    self.env._("A milestone's percentage must be above 0 and at most 100.")
                )
            if milestone.share_type == "amount" and milestone.fixed_amount <= 0:
                raise ValidationError(self.env._("A milestone's amount must be positive."))

    @api.constrains("is_deposit", "sequence")
    def _check_deposit_first(self):
        for plan in self.plan_id:
            milestones = plan.milestone_ids.sorted(lambda m: (m.sequence, m.id))
            deposits = milestones.filtered("is_deposit")
            if len(deposits) > 1 or (deposits and milestones[0] != deposits):
                raise ValidationError(
                    self.env._("A plan has at most one deposit, and it comes first.")
                )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_mark_reached(self):
        """The stage is reached (work may start / was delivered): ready to invoice, if the
        previous stage is paid (or the plan only warns)."""
        for milestone in self:
            milestone._mark_ready()
        return True

    def action_create_invoice(self):
        for milestone in self:
            if milestone.state == "planned":
                milestone._mark_ready()
            milestone._create_invoice()
        return self.invoice_id._get_records_action() if len(self) == 1 else True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _previous(self):
        self.ensure_one()
        milestones = self.plan_id.milestone_ids.filtered(lambda m: m.state != "cancel").sorted(
            lambda m: (m.sequence, m.id)
        )
        before = milestones.filtered(lambda m: (m.sequence, m.id) < (self.sequence, self.id))
        return before

    def _gate_problem(self):
        """Why this stage may not start yet (the unpaid stages before it), or ''."""
        self.ensure_one()
        unpaid = self._previous().filtered(lambda m: m.state != "paid")
        if not unpaid:
            return ""
        deposit = unpaid.filtered("is_deposit")
        if deposit:
            return self.env._("the deposit (%(name)s) is not paid yet", name=deposit.name)
        return self.env._(
            "the previous stage (%(names)s) is not paid yet", names=", ".join(unpaid.mapped("name"))
        )

    def _mark_ready(self):
        self.ensure_one()
        plan = self.plan_id
        if plan.state != "running":
            raise UserError(self.env._("Confirm the billing plan first."))
        if self.state != "planned":
            raise UserError(
                self.env._(
                    "Milestone %(name)s is already %(state)s.",
                    name=self.name,
                    state=dict(self._fields["state"].selection)[self.state],
                )
            )
        problem = self._gate_problem()
        if problem and plan.gate == "block":
            raise UserError(
                self.env._("%(name)s cannot start: %(problem)s.", name=self.name, problem=problem)
            )
        if problem:
            plan.message_post(
                body=self.env._(
                    "%(name)s started although %(problem)s.", name=self.name, problem=problem
                )
            )
        self.write({"stage": "ready", "reached_date": fields.Date.context_today(self)})

    def _create_invoice(self):
        self.ensure_one()
        if self.state != "ready":
            raise UserError(
                self.env._("Milestone %(name)s is not ready to invoice.", name=self.name)
            )
        invoice = self.env["account.move"].create(self._prepare_invoice_vals())
        invoice.action_post()
        self.invoice_id = invoice
        return invoice

    def _prepare_invoice_vals(self):
        plan = self.plan_id
        return {
            "move_type": "out_invoice",
            "partner_id": plan.partner_id.id,
            "company_id": plan.company_id.id,
            "currency_id": plan.currency_id.id,
            "invoice_payment_term_id": plan.payment_term_id.id,
            "invoice_origin": plan.name,
            "collection_billing_plan_id": plan.id,
            "collection_billing_milestone_id": self.id,
            "invoice_line_ids": [
                fields.Command.create(
                    {
                        "name": self.env._(
                            "%(plan)s – %(milestone)s", plan=plan.name, milestone=self.name
                        ),
                        "quantity": 1,
                        "price_unit": self.amount,
                        "tax_ids": [fields.Command.set(plan.tax_ids.ids)],
                    }
                )
            ],
        }
