from odoo import fields, models


class CollectionPaymentPlanReschedule(models.TransientModel):
    """Reschedule a payment plan in force, with the customer's agreement."""

    _name = "collection.payment.plan.reschedule"
    _description = "Reschedule a Payment Plan"

    plan_id = fields.Many2one("collection.payment.plan", required=True, readonly=True)
    agreement = fields.Text(
        string="Customer's Agreement",
        required=True,
        help="How and when the customer agreed to the new schedule.",
    )
    first_date = fields.Date(
        string="First Instalment", required=True, default=fields.Date.context_today
    )
    installment_count = fields.Integer(string="Instalments", required=True, default=3)

    def action_reschedule(self):
        self.ensure_one()
        new_plan = self.plan_id._reschedule(self.agreement, self.first_date, self.installment_count)
        return new_plan._get_records_action(name=self.env._("Payment Plan"))
