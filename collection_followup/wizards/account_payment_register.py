from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    # The early-payment discount write-off is computed per invoice without the payment date;
    # with discount tiers it depends on it (account.move, collection_discount_date).

    def _create_payment_vals_from_wizard(self, batch_result):
        wizard = self.with_context(collection_discount_date=self.payment_date)
        return super(AccountPaymentRegister, wizard)._create_payment_vals_from_wizard(batch_result)

    def _create_payment_vals_from_batch(self, batch_result):
        wizard = self.with_context(collection_discount_date=self.payment_date)
        return super(AccountPaymentRegister, wizard)._create_payment_vals_from_batch(batch_result)
