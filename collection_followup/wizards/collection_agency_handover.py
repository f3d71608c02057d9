from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionAgencyHandover(models.TransientModel):
    """Hand a customer's overdue items over to a collection agency, by hand."""

    _name = "collection.agency.handover"
    _description = "Hand Over to a Collection Agency"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    agency_id = fields.Many2one(
        "collection.agency",
        string="Agency",
        required=True,
        domain="[('company_id', '=', company_id)]",
        default=lambda self: self.env["collection.agency"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    line_ids = fields.Many2many(
        "account.move.line",
        string="Items",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        domain="[('partner_id', 'child_of', partner_id), ('company_id', '=', company_id), "
        "('account_type', '=', 'asset_receivable'), ('parent_state', '=', 'posted'), "
        "('reconciled', '=', False)]",
        help="The customer's overdue items the follow-up chases and the late fees booked on "
        "them (disputed invoices and invoices in a payment plan are left out).",
    )
    amount = fields.Monetary(string="Amount Handed Over", compute="_compute_amount")
    threshold_warning = fields.Char(compute="_compute_amount")
    note = fields.Text()

    @api.depends("partner_id", "company_id")
    def _compute_line_ids(self):
        for wizard in self:
            wizard.line_ids = wizard._overdue_lines()

    @api.depends("line_ids", "agency_id")
    def _compute_amount(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            wizard.amount = sum(wizard.line_ids.mapped("amount_residual"))
            wizard.threshold_warning = (
                wizard.agency_id._collection_threshold_error(wizard.line_ids, today)
                if wizard.agency_id
                else False
            )

    def _overdue_lines(self):
        self.ensure_one()
        if not self.partner_id:
            return self.env["account.move.line"]
        company = self.company_id
        partner = self.partner_id.commercial_partner_id.with_company(company)
        decision = (
            self.env["collection.followup.engine"]._decisions(company, partner.ids).get(partner.id)
        )
        today = fields.Date.context_today(self)
        if not decision:
            return self.env["account.move.line"]
        return self.env["collection.case.file"]._claim_lines(decision.lines, today)

    def action_confirm(self):
        self.ensure_one()
        error = self.agency_id._collection_threshold_error(
            self.line_ids, fields.Date.context_today(self)
        )
        if error:
            raise UserError(error)
        case = self.env["collection.agency.case"].create(
            {
                "agency_id": self.agency_id.id,
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "note": self.note,
                "line_ids": [
                    fields.Command.create({"move_line_id": line.id}) for line in self.line_ids
                ],
            }
        )
        self.env["collection.followup.action"].create(
            {
                "partner_id": case.partner_id.id,
                "company_id": case.company_id.id,
                "channel": "agency",
                "state": "done",
                "line_ids": [fields.Command.set(self.line_ids.ids)],
                "amount_due": case.amount_handover,
                "agency_case_id": case.id,
                "recipient_id": case.agency_id.partner_id.id,
            }
        )
        return case._get_records_action(name=self.env._("Agency Case"))
