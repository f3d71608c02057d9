from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        """EXTENDS account: a payment unmatched from an item handed over to an agency takes
        its commission back and reopens the case if it was collected."""
        if not self:
            return super().unlink()
        Case = self.env["collection.agency.case"]
        commissions_sudo = Case._collection_commissions_of(self)
        result = super().unlink()
        Case._collection_take_back(commissions_sudo)
        return result
