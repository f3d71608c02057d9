from odoo import api, models


class ReportDemandLetter(models.AbstractModel):
    _name = "report.collection_followup.report_demand_letter"
    _description = "Letter Before Action Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        actions = self.env["collection.followup.action"].browse(docids)
        case_file = self.env["collection.case.file"]
        return {
            "doc_ids": docids,
            "doc_model": "collection.followup.action",
            "docs": actions,
            "files": {
                action.id: case_file.with_context(lang=action.partner_id.lang)._demand_values(
                    action
                )
                for action in actions
            },
        }
