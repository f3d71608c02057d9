from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CollectionFollowupLevel(models.Model):
    _inherit = "collection.followup.level"

    collection_currency_id = fields.Many2one(related="company_id.currency_id")
    min_overdue = fields.Monetary(
        string="Minimum Overdue",
        currency_field="collection_currency_id",
        help="The run sends this level only when at least this much is overdue (company "
        "currency; before the due date: owed). 0: any amount.",
    )

    fallback_channel = fields.Selection(
        [("letter", "Letter"), ("call", "Phone Call")],
        string="Instead of Email or SMS",
        help="For a customer without an email address (or without a valid mobile number), "
        "the run prints a letter or gives the collector a call instead of the email (or SMS) "
        "it cannot send. Empty: the email or SMS fails and is retried.",
    )

    @api.constrains("min_overdue")
    def _check_min_overdue(self):
        if any(
            level.collection_currency_id.compare_amounts(level.min_overdue, 0) < 0 for level in self
        ):
            raise ValidationError(self.env._("A level's minimum overdue cannot be negative."))
