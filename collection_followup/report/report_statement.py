from odoo import api, fields, models


class ReportStatement(models.AbstractModel):
    """The statement of account of a customer, per company it owes something to. The
    collections page shows the same figures, from the same sections."""

    _name = "report.collection_followup.report_statement"
    _description = "Statement of Account Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        company_id = (data or {}).get("company_id")
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "sections": {
                partner.id: [
                    section
                    for section in self._sections(partner)
                    if not company_id or section["company"].id == company_id
                ]
                for partner in partners
            },
        }

    @api.model
    def _companies(self, partner):
        """The companies ``partner``'s customer owes something to."""
        Line = self.env["account.move.line"]
        groups = Line._read_group(Line._collection_portal_items_domain(partner), ["company_id"])
        return self.env["res.company"].browse([company.id for (company,) in groups])

    @api.model
    def _sections(self, partner):
        """Per company ``partner``'s customer owes: the items owed (each instalment on its own
        due date), the situation (overdue, total due), the level reached and the policy."""
        partner = partner.commercial_partner_id
        today = fields.Date.context_today(self)
        sections = []
        for company in self._companies(partner):
            customer = partner.with_company(company)
            decision = (
                self.env["collection.followup.engine"]
                ._decisions(company, customer.ids)
                .get(customer.id)
            )
            lines = self.env["account.move.line"].browse(
                [item.key for item, _amount in decision.situation.open_items]
            )
            sections.append(
                {
                    "company": company,
                    "currency": company.currency_id,
                    "decision": decision,
                    "situation": decision.situation,
                    "policy": decision.policy,
                    "level": decision.level
                    if decision.action != "reset"
                    else decision.level.browse(),
                    "items": [
                        {
                            "line": line,
                            "move": line.move_id,
                            "due_date": line.date_maturity or line.date,
                            "overdue": (line.date_maturity or line.date) < today,
                            "amount": line.amount_residual_currency,
                            "currency": line.currency_id,
                            "url": line.move_id.get_portal_url(),
                            "is_fee": bool(line.move_id.collection_late_fee_origin_id),
                        }
                        for line in lines.sorted(
                            lambda aml: (aml.date_maturity or aml.date, aml.id)
                        )
                    ],
                }
            )
        return sections
