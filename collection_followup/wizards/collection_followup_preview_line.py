from odoo import fields, models


class CollectionFollowupPreviewLine(models.TransientModel):
    _name = "collection.followup.preview.line"
    _description = "Follow-up Run Preview Line"
    _order = "amount_due desc, id"

    preview_id = fields.Many2one("collection.followup.preview", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("collection.followup.level", string="Level", readonly=True)
    channels = fields.Char(readonly=True)
    requires_approval = fields.Boolean(readonly=True)
    excluded = fields.Boolean(readonly=True)
    amount_due = fields.Monetary(string="Overdue", currency_field="currency_id", readonly=True)
    currency_id = fields.Many2one(related="preview_id.currency_id")
    item_count = fields.Integer(string="Items", readonly=True)
    due_since = fields.Date(readonly=True)
