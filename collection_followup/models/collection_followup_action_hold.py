from odoo import fields, models


class CollectionFollowupAction(models.Model):
    _inherit = "collection.followup.action"

    hold_key = fields.Char(
        index="btree_not_null",
        readonly=True,
        help="The sign (bank line, online payment, payment, reply) this skipped action "
        "waited for, as kind:id: each sign is recorded once.",
    )
