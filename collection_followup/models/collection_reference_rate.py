from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..const import INDEX_REGIMES, REGIMES


class CollectionReferenceRate(models.Model):
    """A published reference rate (or price index) from a date on: the history the statutory
    late-payment presets read. Shared by all companies; accountants add each new decision."""

    _name = "collection.reference.rate"
    _description = "Reference Rate for Late-Payment Interest"
    _order = "regime, date_from desc"
    _rec_name = "regime"

    regime = fields.Selection(REGIMES, required=True, index=True)
    date_from = fields.Date(
        string="Applies From", required=True, help="The first day this value is in force."
    )
    value = fields.Float(
        digits=(16, 4),
        required=True,
        help="A yearly percentage (4.5 means 4.5 %), or the index value for a price index.",
    )
    is_index = fields.Boolean(compute="_compute_is_index")
    source = fields.Char(help="Where the value was published (address or reference).")

    _sql_constraints = [
        (
            "regime_date_uniq",
            "unique(regime, date_from)",
            "A reference rate has one value per date.",
        ),
    ]

    @api.depends("regime")
    def _compute_is_index(self):
        for rate in self:
            rate.is_index = rate.regime in INDEX_REGIMES

    @api.constrains("regime", "value")
    def _check_value(self):
        for rate in self:
            if rate.is_index and rate.value <= 0:
                raise ValidationError(self.env._("A price index must be positive."))
            if not rate.is_index and not -100 < rate.value < 100:
                raise ValidationError(
                    self.env._("A yearly rate is a percentage between -100 and 100.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    def _history(self, regime):
        """``[(date_from, value)]`` of ``regime``, oldest first, for tools.late_fee_logic.
        Read once per regime, then cached until a rate is added, changed or removed: a monthly
        accrual over thousands of invoices reads it for every item."""
        return list(self._history_cached(regime))

    @tools.ormcache("regime")
    def _history_cached(self, regime):
        rows = self.sudo().search_read([("regime", "=", regime)], ["date_from", "value"])
        return tuple(sorted((row["date_from"], row["value"]) for row in rows))

    @api.model
    def _last_date(self, regime):
        rate = self.sudo().search([("regime", "=", regime)], order="date_from desc", limit=1)
        return rate.date_from
