from odoo import api, models


class ReportDemandLetter(models.AbstractModel):
    _name = "report.collection_followup.report_demand_letter"
    _description = "Letter Before Action Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        actions = self.env["collection.followup.action"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "collection.followup.action",
            "docs": actions,
            "files": {action.id: self._demand_values(action) for action in actions},
        }

    @api.model
    def _demand_values(self, action):
        """The letter's values read in the customer's language: its texts, and the records
        whose names it prints (the country of its address, the company's)."""
        action = action.with_context(lang=action.partner_id.lang)
        return action.env["collection.case.file"]._demand_values(action)
