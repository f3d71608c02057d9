from odoo import fields, models


class CollectionAgencyCommissionReverse(models.TransientModel):
    """Take back an agency's commission recorded by mistake, with the reason."""

    _name = "collection.agency.commission.reverse"
    _description = "Reverse an Agency Commission"

    commission_ids = fields.Many2many(
        "collection.agency.commission",
        "collection_commission_reverse_rel",
        string="Commissions",
        required=True,
        readonly=True,
    )
    reason = fields.Text(required=True)

    def action_reverse(self):
        self.ensure_one()
        self.commission_ids._reverse(self.reason)
        return {"type": "ir.actions.act_window_close"}
