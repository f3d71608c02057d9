from odoo import fields, models


class CollectionLateFeeWaive(models.TransientModel):
    _name = "collection.late.fee.waive"
    _description = "Waive Late Fees"

    fee_ids = fields.Many2many("collection.late.fee", string="Late Fees", required=True)
    reason = fields.Text(required=True)

    def action_waive(self):
        self.ensure_one()
        self.fee_ids._waive(self.reason)
        return {"type": "ir.actions.act_window_close"}
