from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def reconcile(self):
        """Paying the overdue items lifts the customer's credit hold, marks promises kept and
        records the collections of agency cases at once."""
        result = super().reconcile()
        receivables = self.filtered(lambda line: line.account_type == "asset_receivable")
        if not receivables:  # vendor bills, transfers...: nothing of ours to update
            return result
        self.env["collection.promise"].search(
            [("state", "=", "open"), ("move_ids", "in", receivables.move_id.ids)]
        )._check_kept()
        self.env["collection.agency.case"]._collection_on_reconcile(receivables)
        for company, lines in receivables.grouped("company_id").items():
            partners = lines.partner_id.commercial_partner_id.with_company(company).filtered(
                "collection_on_hold"
            )
            if not partners:
                continue
            decisions = self.env["res.partner"]._collection_decisions(company, partners.ids)
            for decision in decisions.values():
                if not decision.situation.overdue:
                    decision.partner._collection_release_hold(
                        self.env._("Credit hold lifted: the overdue items are paid.")
                    )
        return result
