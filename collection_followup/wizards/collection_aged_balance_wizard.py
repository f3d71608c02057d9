from odoo import fields, models


class CollectionAgedBalanceWizard(models.TransientModel):
    _name = "collection.aged.balance.wizard"
    _description = "Collections: Aged Balance on a Date"

    report = fields.Selection(
        [("aged", "Aged Balance"), ("kpi", "Monthly Figures")],
        required=True,
        default="aged",
    )
    as_of = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="The books as they stood at the end of this day: entries dated later and "
        "reconciliations of later payments do not count.",
    )

    def action_open(self):
        """Open the aged balance, or the monthly figures up to, the chosen date."""
        self.ensure_one()
        model = "collection.kpi" if self.report == "kpi" else "collection.aged.balance"
        return self.env[model]._action_open(self.as_of)
