from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        """EXTENDS account: a payment unmatched from an item handed over to an agency takes
        its commission back, and a collected case whose items are owed again reopens."""
        if not self:
            return super().unlink()
        Case = self.env["collection.agency.case"]
        commissions_sudo, cases_sudo = Case._collection_before_unreconcile(self)
        result = super().unlink()
        Case._collection_after_unreconcile(commissions_sudo, cases_sudo)
        return result
