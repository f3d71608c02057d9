from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CollectionPaymentPlanInstallment(models.Model):
    _name = "collection.payment.plan.installment"
    _description = "Payment Plan Instalment"
    _order = "plan_id, date, id"

    plan_id = fields.Many2one(
        "collection.payment.plan", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="plan_id.partner_id", store=True)
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    is_down_payment = fields.Boolean(string="Down Payment")
    paid_amount = fields.Monetary(compute="_compute_status")
    state = fields.Selection(
        [
            ("due", "To Pay"),
            ("partial", "Partly Paid"),
            ("paid", "Paid"),
            ("late", "Late"),
            ("missed", "Missed"),
        ],
        compute="_compute_status",
    )
    reminder_sent = fields.Boolean(readonly=True, copy=False)
    reminder_held = fields.Boolean(
        readonly=True,
        copy=False,
        help="The reminder waited: the customer already had a collections message that day.",
    )

    @api.constrains("amount")
    def _check_amount(self):
        if any(i.currency_id.compare_amounts(i.amount, 0) <= 0 for i in self):
            raise ValidationError(self.env._("An instalment must be a positive amount."))

    @api.model_create_multi
    def create(self, vals_list):
        self.env["collection.payment.plan"].browse(
            {vals.get("plan_id") for vals in vals_list} - {None, False}
        )._check_schedule_editable()
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - {"reminder_sent", "reminder_held"}:
            plans = self.plan_id | self.env["collection.payment.plan"].browse(vals.get("plan_id"))
            plans._check_schedule_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_accepted(self):
        self.plan_id._check_schedule_editable()

    @api.depends("plan_id.installment_ids.amount", "plan_id.move_ids.amount_residual")
    def _compute_status(self):
        for plan in self.plan_id:
            for installment, status in plan._statuses():
                if installment in self:
                    installment.paid_amount = status.paid
                    installment.state = status.state

    def _hold_reminder(self, message):
        """The customer already had ``message`` about its collections today: the reminder
        waits until tomorrow, and the plan says why once."""
        self.ensure_one()
        if not self.reminder_held:
            plan = self.plan_id
            plan.message_post(
                body=self.env["collection.proportion"]._wait_reason(
                    plan.partner_id, message, "instalment"
                )
            )
            self.reminder_held = True

    def _send_reminder(self, template, status):
        """Email and SMS the customer before the instalment, with a link to pay what is left
        of it. A customer without a valid mobile gets the email, and the plan says why not
        the SMS."""
        self.ensure_one()
        plan = self.plan_id
        amount_due = status.left
        link = plan._installment_pay_link(amount_due)
        plan = plan.with_context(
            mail_notify_force_send=False,
            collection_installment=self,
            collection_amount_due=amount_due,
            collection_pay_link=link,
        )
        message = plan.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        self.env["collection.proportion"]._record_contact(plan.company_id, plan.partner_id, message)
        recipient = plan.partner_id._collection_recipient()
        try:
            number = recipient._collection_e164(plan.company_id.country_id)
        except UserError as error:
            plan.message_post(
                body=self.env._("Instalment reminder not sent by SMS: %(error)s", error=error)
            )
        else:
            sms_template = self.env.ref("collection_followup.sms_template_payment_plan_reminder")
            # Written for a text message: the short link to the collections page (where the
            # instalment is paid), the amount without non-breaking space, the customer's
            # calendar and digits.
            cf = self.env["res.lang"]._collection_format(plan.partner_id.lang or self.env.lang)
            sms_link = self.env["collection.portal.link"]._mint(plan.partner_id, plan.company_id)
            body = sms_template.with_context(
                **plan.env.context,
                collection_sms_amount=cf.amount(amount_due, plan.currency_id, sms=True),
                collection_sms_date=cf.sms_date(self.date),
                collection_sms_link=sms_link,
            )._render_field("body", plan.ids, compute_lang=True)[plan.id]
            plan._message_sms(
                body,
                partner_ids=recipient.ids,
                sms_pid_to_number={recipient.id: number},
                put_in_queue=True,
            )
        self.reminder_sent = True
