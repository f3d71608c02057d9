from odoo import api, models


class ReportAgencyCaseFile(models.AbstractModel):
    _name = "report.collection_followup.report_agency_case_file"
    _description = "Agency Case File Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        cases = self.env["collection.agency.case"].browse(docids)
        case_file = self.env["collection.case.file"]
        return {
            "doc_ids": docids,
            "doc_model": "collection.agency.case",
            "docs": cases,
            "files": {
                case.id: case_file.with_context(lang=case.partner_id.lang)._case_values(case)
                for case in cases
            },
        }
