from odoo import api, models


class ReportCourtFile(models.AbstractModel):
    _name = "report.collection_followup.report_court_file"
    _description = "Court Case File Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        company = self.env["res.company"].browse((data or {}).get("company_id")) or self.env.company
        case_file = self.env["collection.case.file"]
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "files": {
                partner.id: case_file.with_context(lang=partner.lang)._partner_values(
                    partner, company
                )
                for partner in partners
            },
        }
