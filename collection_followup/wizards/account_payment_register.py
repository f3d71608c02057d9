from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    # The early-payment discount write-off is computed per invoice without the payment date;
    # with discount tiers it depends on it (account.move, collection_discount_date).

    def _create_payments(self):
        # The tier in force on the payment date, not today, decides the discount written off.
        wizard = self.with_context(collection_discount_date=self.payment_date)
        return super(AccountPaymentRegister, wizard)._create_payments()
