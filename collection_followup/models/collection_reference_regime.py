from odoo import api, fields, models, tools

from ..const import REGIMES


class CollectionReferenceRegime(models.Model):
    """A series of reference rates (or a price index) and how fresh its rows are.

    *Checked Until* is the last day for which the rows of the series were checked against the
    central bank's own publication. A statutory fee that needs the value of a later day is
    still computed with the last value known, but says it is provisional: the preview, the
    letter before action, the case files and the booked fee's explanation, so that the
    accountant adds the new decisions before relying on it.
    """

    _name = "collection.reference.regime"
    _description = "Reference Rate Series"
    _order = "regime"
    _rec_name = "regime"

    regime = fields.Selection(REGIMES, required=True, readonly=True)
    checked_until = fields.Date(
        help="The rows of this series were checked against the central bank's publication up "
        "to this day. A fee that needs a value of a later day is provisional."
    )
    publication = fields.Char(
        string="Published By", help="The central bank's own publication of the series."
    )
    last_date = fields.Date(string="Last Row", compute="_compute_last_date")

    _sql_constraints = [
        ("regime_uniq", "unique(regime)", "A reference rate series is described once."),
    ]

    def _compute_last_date(self):
        Rate = self.env["collection.reference.rate"]
        for regime in self:
            history = Rate._history(regime.regime)
            regime.last_date = history[-1][0] if history else False

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    @api.model
    def _checked_until(self, regime):
        """The day up to which ``regime`` was checked, or None when it never was."""
        return self._checked_until_cached(regime)

    @tools.ormcache("regime")
    def _checked_until_cached(self, regime):
        return self.sudo().search([("regime", "=", regime)], limit=1).checked_until or None

    def _label(self, regime):
        return dict(self._fields["regime"]._description_selection(self.env))[regime]
