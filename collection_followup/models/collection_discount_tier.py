from odoo import api, fields, models


class CollectionDiscountTier(models.Model):
    _name = "collection.discount.tier"
    _description = "Early-Payment Discount Tier"
    _order = "rule_id, days, id"

    rule_id = fields.Many2one(
        "collection.discount.rule", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    days = fields.Integer(
        string="Days After Invoice Date",
        required=True,
        help="The discount applies to a payment made at the latest this many days after the "
        "invoice date.",
    )
    percent = fields.Float(string="Discount %", required=True, digits="Discount")

    @api.constrains("days", "percent")
    def _check_rule(self):
        self.rule_id._check_tiers()

    @api.model_create_multi
    def create(self, vals_list):
        tiers = super().create(vals_list)
        tiers.rule_id._sync_payment_terms()
        return tiers

    def write(self, vals):
        result = super().write(vals)
        self.rule_id._sync_payment_terms()
        return result

    def unlink(self):
        rules = self.rule_id
        result = super().unlink()
        rules.exists()._check_tiers()
        rules.exists()._sync_payment_terms()
        return result
