from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import INVOICE_PAID_STATES
from ..tools.plan_logic import split_by_shares


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
    reminder_held = fields.Boolean(
        readonly=True,
        copy=False,
        help="The notice waited: the customer already had a collections message that day.",
    )

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
                paid = invoice.payment_state in INVOICE_PAID_STATES
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
            if (
                milestone.share_type == "amount"
                and milestone.currency_id.compare_amounts(milestone.fixed_amount, 0) <= 0
            ):
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

    def _invoice_when_due(self):
        """The dated milestone's day has come: start it and invoice it (nightly cron)."""
        self._mark_ready()
        self._create_invoice()

    def _send_upcoming_reminder(self, template):
        """Tell the customer the dated stage and its invoice are coming (nightly cron, once).
        When the customer already had a collections message today, the notice waits until
        tomorrow (the plan says why once) and the cron sends it then."""
        self.ensure_one()
        plan = self.plan_id
        Proportion = self.env["collection.proportion"]
        customer = plan.partner_id.commercial_partner_id
        contacted = Proportion._contacted_today(plan.company_id, customer).get(customer.id)
        if contacted:
            if not self.reminder_held:
                plan.message_post(body=Proportion._wait_reason(customer, contacted, "milestone"))
                self.reminder_held = True
            return
        message = plan.with_context(
            mail_notify_force_send=False, collection_milestone=self
        ).message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        Proportion._record_contact(plan.company_id, customer, message)
        self.reminder_sent = True

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
