from odoo import api, models
from odoo.tools import SQL

from ..const import ELIGIBILITY_PAY, ELIGIBILITY_PURPOSES, HELD_BLOCKED


class CollectionEligibility(models.AbstractModel):
    """One answer to "may this receivable item be chased, charged, sold, handed over or paid
    in the portal": the invoice is left out while one of the conditions of the purpose holds.

    Conditions are SQL fragments on the invoice, aliased ``move`` (account_move). Each feature
    adds its own by extending :meth:`_collection_exclusions` (what never is, or no longer is,
    ours to use that way) and :meth:`_collection_pauses` (what holds the item for a while: a
    dispute, a plan in force) in its own file, so that the follow-up run's query, the late
    fees, factoring and the portal read the same rule without knowing every table.
    """

    _name = "collection.eligibility"
    _description = "Collection Eligibility of Receivable Items"

    @api.model
    def _collection_exclusions(self, purpose):
        """``[(reason code, SQL condition on move)]``: the invoice is not to be used for
        ``purpose`` while the condition holds. An invoice whose payment is blocked is chased,
        charged, sold or handed over by nobody; its customer may still pay it."""
        if purpose == ELIGIBILITY_PAY:
            return []
        return [(HELD_BLOCKED, SQL("move.payment_state = 'blocked'"))]

    @api.model
    def _collection_pauses(self, purpose):
        """``[(reason code, SQL condition on move)]``: the invoice is held for ``purpose`` for
        a while (extended by disputes, payment plans, agencies...)."""
        return []

    @api.model
    def _collection_conditions(self, purpose):
        assert purpose in ELIGIBILITY_PURPOSES, purpose
        return self._collection_exclusions(purpose) + self._collection_pauses(purpose)

    @api.model
    def _collection_flush(self):
        """Write pending changes the conditions read."""
        self.env["account.move"].flush_model(["payment_state"])

    @api.model
    def _collection_eligible_sql(self, purpose):
        """SQL condition, true when the invoice aliased ``move`` may be used for ``purpose``
        (to put in a query's WHERE clause; no query of its own)."""
        conditions = [condition for _code, condition in self._collection_conditions(purpose)]
        if not conditions:
            return SQL("TRUE")
        # "none holds", written condition by condition (an unknown counts as not holding): the
        # planner estimates each on its own, where it took NOT (a OR b OR c) for a rare row
        # and read every line of the company through nested loops
        return SQL("(%s)", SQL(" AND ").join(SQL("(%s) IS NOT TRUE", c) for c in conditions))

    @api.model
    def _collection_domain(self, purpose):
        """Domain on account.move keeping the invoices that may be used for ``purpose``."""
        if not self._collection_conditions(purpose):
            return []
        self._collection_flush()
        return [
            (
                "id",
                "not in",
                SQL(
                    "(SELECT move.id FROM account_move move WHERE NOT %s)",
                    self._collection_eligible_sql(purpose),
                ),
            )
        ]

    @api.model
    def _collection_reasons(self, purpose, moves):
        """``{move id: reason code}`` of the invoices among ``moves`` that may not be used for
        ``purpose`` (the first condition that holds), in one query."""
        conditions = self._collection_conditions(purpose)
        if not (moves and conditions):
            return {}
        self._collection_flush()
        cases = SQL(" ").join(
            SQL("WHEN COALESCE(%s, FALSE) THEN %s", condition, code)
            for code, condition in conditions
        )
        rows = self.env.execute_query(
            SQL(
                "SELECT move.id, CASE %s END FROM account_move move WHERE move.id IN %s",
                cases,
                tuple(moves.ids),
            )
        )
        return {move_id: code for move_id, code in rows if code}
