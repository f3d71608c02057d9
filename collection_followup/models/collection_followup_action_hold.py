from odoo import fields, models


class CollectionFollowupAction(models.Model):
    _inherit = "collection.followup.action"

    hold_key = fields.Char(
        index="btree_not_null",
        readonly=True,
        help="The sign (bank line, online payment, payment, reply) this skipped action "
        "waited for, as kind:id: each sign is recorded once.",
    )
    overdue_text = fields.Char(
        string="Overdue in the Currencies Owed",
        readonly=True,
        help="The total overdue the letter states, in the currencies of the invoices.",
    )
    scheduled_at = fields.Datetime(
        string="Queued Until",
        readonly=True,
        help="An email or SMS of the run queued for the customer's next sending window.",
    )
