from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    collection_discount_rule_id = fields.Many2one(
        "collection.discount.rule",
        string="Discount Tiers",
        ondelete="restrict",
        help="Several early-payment discounts, e.g. 5 % within 10 days, 2 % within 20 days. "
        "The first tier is Odoo's own early discount of this payment term; the others apply "
        "once it has passed.",
    )

    @api.constrains(
        "collection_discount_rule_id",
        "line_ids",
        "company_id",
        "early_discount",
        "early_pay_discount_computation",
    )
    def _check_collection_discount_rule(self):
        for term in self.filtered("collection_discount_rule_id"):
            rule = term.collection_discount_rule_id
            if rule.company_id and rule.company_id != term.company_id:
                raise ValidationError(
                    self.env._(
                        "The discount rule %(rule)s belongs to %(company)s: the payment term "
                        "%(term)s must belong to it too.",
                        rule=rule.name,
                        company=rule.company_id.name,
                        term=term.name,
                    )
                )
            if not term.early_discount:
                raise ValidationError(
                    self.env._(
                        "The payment term %(term)s has discount tiers: its early discount cannot "
                        "be switched off. Remove the tiers first.",
                        term=term.name,
                    )
                )
            if term.early_pay_discount_computation == "mixed":
                raise ValidationError(
                    self.env._(
                        "Discount tiers work with the cash discount tax reductions “On early "
                        "payment” and “Never”, not with “Always (upon invoice)”, which reduces "
                        "the tax of the invoice itself for one discount only (%(term)s).",
                        term=term.name,
                    )
                )
            net = term.line_ids[-1:]
            last = rule._sorted_tiers()[-1:]
            if net.delay_type == "days_after" and last and last.days > net.nb_days:
                raise ValidationError(
                    self.env._(
                        "The last discount tier of %(rule)s (%(days)s days) ends after the due "
                        "date of %(term)s (%(net)s days).",
                        rule=rule.name,
                        days=last.days,
                        term=term.name,
                        net=net.nb_days,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [
            {**vals, **self._collection_first_tier_vals(vals.get("collection_discount_rule_id"))}
            for vals in vals_list
        ]
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("collection_discount_rule_id"):
            vals = {**vals, **self._collection_first_tier_vals(vals["collection_discount_rule_id"])}
        result = super().write(vals)
        if any(field in vals for field in ("discount_percentage", "discount_days")):
            self._collection_sync_from_rule()  # the rule decides the native discount
        return result

    @api.model
    def _collection_first_tier_vals(self, rule_id):
        """Odoo's early-discount values of a term carrying the rule ``rule_id``: its first tier."""
        if not rule_id:
            return {}
        first = self.env["collection.discount.rule"].browse(rule_id)._sorted_tiers()[:1]
        if not first:
            return {}
        return {
            "early_discount": True,
            "discount_percentage": first.percent,
            "discount_days": first.days,
        }

    def _collection_sync_from_rule(self):
        """Set Odoo's early discount of these terms to their rule's first tier (writes only what
        differs)."""
        for term in self.filtered("collection_discount_rule_id"):
            values = self._collection_first_tier_vals(term.collection_discount_rule_id.id)
            changed = {field: value for field, value in values.items() if term[field] != value}
            if changed:
                term.write(changed)
