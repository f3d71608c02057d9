# pylint: disable=consider-merging-classes-inherited
from odoo import api, models
from odoo.tools import SQL

from ..const import HELD_DISPUTED


# One class per feature: each contributes its own exclusion hook (see collection_eligibility.py).
class CollectionEligibility(models.AbstractModel):
    _inherit = "collection.eligibility"

    @api.model
    def _collection_pauses(self, purpose):
        """EXTENDS collection_followup: an invoice the customer disputes is neither chased,
        charged, sold, handed over nor paid with the others until the dispute is settled."""
        return super()._collection_pauses(purpose) + [
            (
                HELD_DISPUTED,
                SQL(
                    """EXISTS (SELECT 1
                                 FROM collection_dispute dispute
                                WHERE dispute.move_id = move.id
                                  AND dispute.state = 'open')"""
                ),
            )
        ]

    @api.model
    def _collection_flush(self):
        result = super()._collection_flush()
        self.env["collection.dispute"].flush_model(["state", "move_id"])
        return result
