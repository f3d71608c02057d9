from odoo import api, fields, models


class CollectionAgencyCaseLine(models.Model):
    """One receivable item (an invoice instalment, a fee...) handed over in a case."""

    _name = "collection.agency.case.line"
    _description = "Collection Agency Case Item"
    _order = "case_id, date_maturity, id"

    case_id = fields.Many2one(
        "collection.agency.case", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="case_id.currency_id")
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Item",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('account_type', '=', 'asset_receivable'), ('reconciled', '=', False), "
        "('parent_state', '=', 'posted'), ('company_id', '=', company_id)]",
    )
    move_id = fields.Many2one(related="move_line_id.move_id", store=True, string="Invoice")
    date_maturity = fields.Date(related="move_line_id.date_maturity", store=True)
    amount_handover = fields.Monetary(
        string="Handed Over",
        help="What the item still owed when it was handed over (company currency).",
    )
    amount_open = fields.Monetary(string="Still Owed", compute="_compute_amount_open", store=True)

    @api.depends("move_line_id.amount_residual")
    def _compute_amount_open(self):
        for line in self:
            line.amount_open = line.move_line_id.amount_residual

    @api.model_create_multi
    def create(self, vals_list):
        move_lines = self.env["account.move.line"].browse(
            [vals["move_line_id"] for vals in vals_list if vals.get("move_line_id")]
        )
        residuals = {line.id: line.amount_residual for line in move_lines}
        for vals in vals_list:
            if "amount_handover" not in vals and vals.get("move_line_id"):
                vals["amount_handover"] = residuals[vals["move_line_id"]]
        return super().create(vals_list)
