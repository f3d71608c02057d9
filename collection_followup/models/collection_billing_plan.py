from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.plan_logic import split_by_shares


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
            currency = plan.currency_id
            invoices = plan.invoice_ids.filtered(lambda m: m.state == "posted")
            plan.amount_invoiced = currency.round(sum(invoices.mapped("amount_untaxed")))
            paid = currency.round(sum(m.amount_total - m.amount_residual for m in invoices))
            taxed = currency.round(sum(invoices.mapped("amount_total")))
            # Paid, expressed before tax like the plan's total.
            plan.amount_paid = (
                0.0
                if currency.is_zero(taxed)
                else currency.round(paid * plan.amount_invoiced / taxed)
            )
            plan.amount_remaining = currency.round(plan.amount_total - plan.amount_paid)

    @api.constrains("amount_total")
    def _check_amount_total(self):
        if any(plan.currency_id.compare_amounts(plan.amount_total, 0) <= 0 for plan in self):
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
        Engine = self.env["collection.followup.engine"]
        for milestone in due:
            if milestone._gate_problem() and milestone.plan_id.gate == "block":
                continue  # waits for the previous payment; said on the plan when reached by hand
            # Each milestone on its own: one that raises is noted on its plan, the others go on.
            Engine._isolated(
                milestone.plan_id,
                self.env._("Milestone %(name)s not invoiced", name=milestone.name),
                milestone._invoice_when_due,
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
        Engine = self.env["collection.followup.engine"]
        for milestone in upcoming:
            plan = milestone.plan_id
            if (milestone.planned_date - today).days > plan.reminder_days:
                continue
            Engine._isolated(
                plan,
                self.env._("Reminder of milestone %(name)s not sent", name=milestone.name),
                milestone._send_upcoming_reminder,
                template,
            )
