from odoo import api, models, tools

from ..tools.currency_logic import open_in_currency, totals_by_currency


class CollectionAmounts(models.AbstractModel):
    """What the customer owes, told in the currencies of its invoices."""

    _name = "collection.amounts"
    _description = "Collections: Amounts in the Currency Owed"

    @api.model
    def _currency_values(self, decision, today):
        """Totals of ``decision``'s reminder per currency owed, formatted in the language of
        the context: ``overdue_totals`` (``[(currency, amount)]``), ``overdue_formatted`` and
        ``total_due_formatted`` ("€ 1,000.00", or "€ 1,000.00 + $ 50.00" for two currencies).
        Credits are deducted as in company currency (see currency_logic.open_in_currency)."""
        situation = decision.situation
        lines = self.env["account.move.line"].browse([item.key for item, _ in situation.open_items])
        by_id = {line.id: line for line in lines}
        overdue_rows, due_rows = [], []
        for item, open_amount in situation.open_items:
            line = by_id[item.key]
            currency = line.currency_id
            amount = open_in_currency(
                line.amount_residual_currency,
                line.amount_residual,
                open_amount,
                currency.decimal_places,
            )
            due_rows.append((currency, amount))
            if item.due_date < today:
                overdue_rows.append((currency, amount))
        overdue = totals_by_currency(overdue_rows)
        return {
            "overdue_totals": overdue,
            "overdue_formatted": self._join(overdue, decision.company.currency_id),
            "total_due_formatted": self._join(
                totals_by_currency(due_rows), decision.company.currency_id
            ),
        }

    @api.model
    def _join(self, totals, company_currency):
        if not totals:
            return tools.format_amount(self.env, 0.0, company_currency)
        return " + ".join(tools.format_amount(self.env, amount, cur) for cur, amount in totals)
