# pylint: disable=consider-merging-classes-inherited
from odoo import api, models
from odoo.tools import SQL

from ..const import AGENCY_OPEN_STATES, ELIGIBILITY_SELL, HELD_AT_AGENCY


# One class per feature: each contributes its own exclusion hook (see collection_eligibility.py).
class CollectionEligibility(models.AbstractModel):
    _inherit = "collection.eligibility"

    @api.model
    def _collection_pauses(self, purpose):
        """EXTENDS collection_followup: an item handed over to a collection agency is not sold
        while the case is open. (The follow-up run waits for the whole customer instead, see
        collection.followup.engine._open_lines; the hand-over wizard names the agency that
        already has the customer.)"""
        pauses = super()._collection_pauses(purpose)
        if purpose != ELIGIBILITY_SELL:
            return pauses
        return pauses + [
            (
                HELD_AT_AGENCY,
                SQL(
                    """EXISTS (SELECT 1
                                 FROM collection_agency_case_line case_line
                                 JOIN collection_agency_case agency_case
                                   ON agency_case.id = case_line.case_id
                                WHERE case_line.move_id = move.id
                                  AND agency_case.state IN %s)""",
                    AGENCY_OPEN_STATES,
                ),
            )
        ]

    @api.model
    def _collection_flush(self):
        result = super()._collection_flush()
        self.env["collection.agency.case.line"].flush_model(["move_id", "case_id"])
        self.env["collection.agency.case"].flush_model(["state"])
        return result
