# pylint: disable=consider-merging-classes-inherited
from odoo import api, models
from odoo.tools import SQL

from ..const import ELIGIBILITY_CHARGE, ELIGIBILITY_PAY, HELD_IN_PLAN, PLAN_ACTIVE_STATES


# One class per feature: each contributes its own exclusion hook (see collection_eligibility.py).
class CollectionEligibility(models.AbstractModel):
    _inherit = "collection.eligibility"

    @api.model
    def _collection_pauses(self, purpose):
        """EXTENDS collection_followup: an invoice in a payment plan in force is paid by the
        plan: not chased, sold nor handed over, and charged no late fee when the plan pauses
        fees; the customer may still pay it."""
        pauses = super()._collection_pauses(purpose)
        if purpose == ELIGIBILITY_PAY:
            return pauses
        fees_only = SQL("AND plan.pause_fees") if purpose == ELIGIBILITY_CHARGE else SQL()
        return pauses + [
            (
                HELD_IN_PLAN,
                SQL(
                    """EXISTS (SELECT 1
                                 FROM collection_payment_plan_move_rel plan_move
                                 JOIN collection_payment_plan plan
                                   ON plan.id = plan_move.collection_payment_plan_id
                                WHERE plan_move.account_move_id = move.id
                                  AND plan.state IN %s %s)""",
                    PLAN_ACTIVE_STATES,
                    fees_only,
                ),
            )
        ]

    @api.model
    def _collection_flush(self):
        result = super()._collection_flush()
        self.env["collection.payment.plan"].flush_model(["state", "move_ids", "pause_fees"])
        return result
