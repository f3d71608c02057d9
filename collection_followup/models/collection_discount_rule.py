from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError


def format_percent(env, value):
    """A percentage or rate as people write it, in the language of ``env``: 5, 2.5, 12.125."""
    text = tools.formatLang(env, float(value), digits=4).rstrip("0")  # 2.5000 -> 2.5, 5.0000 -> 5.
    return text if text[-1:].isdigit() else text[:-1]


class CollectionDiscountRule(models.Model):
    """Early-payment discount tiers, on top of Odoo's native early-payment discount.

    A payment term that carries a rule gets Odoo's own early discount set to the rule's first
    tier; the later tiers apply once it has passed. Each invoice keeps the tiers in force when it
    was posted (``account.move.collection_discount_tiers``).
    """

    _name = "collection.discount.rule"
    _description = "Early-Payment Discount Rule"
    _order = "company_id, name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Empty (the default, as for Odoo's payment terms): the rule can be used on every "
        "payment term, shared or of any company. A rule of a company goes only on the payment "
        "terms of that company.",
    )
    tier_ids = fields.One2many("collection.discount.tier", "rule_id", string="Tiers", copy=True)
    payment_term_ids = fields.One2many(
        "account.payment.term", "collection_discount_rule_id", string="Payment Terms"
    )
    summary = fields.Char(compute="_compute_summary")

    @api.depends("tier_ids.days", "tier_ids.percent")
    def _compute_summary(self):
        for rule in self:
            rule.summary = ", ".join(
                self.env._(
                    "%(percent)s %% within %(days)s days",
                    percent=format_percent(self.env, tier.percent),
                    days=tier.days,
                )
                for tier in rule._sorted_tiers()
            )

    @api.constrains("tier_ids")
    def _check_tiers(self):
        for rule in self:
            tiers = rule._sorted_tiers()
            if not tiers:
                raise ValidationError(
                    self.env._(
                        "The discount rule %(rule)s needs at least one tier.", rule=rule.name
                    )
                )
            for tier in tiers:
                if tier.days < 1:
                    raise ValidationError(
                        self.env._(
                            "A discount tier lasts at least 1 day after the invoice date "
                            "(%(rule)s: %(days)s days).",
                            rule=rule.name,
                            days=tier.days,
                        )
                    )
                if not 0 < tier.percent < 100:
                    raise ValidationError(
                        self.env._(
                            "A discount percentage must be above 0 and below 100 "
                            "(%(rule)s: %(percent)s %%).",
                            rule=rule.name,
                            percent=tier.percent,
                        )
                    )
            for previous, tier in zip(tiers, tiers[1:], strict=False):
                if tier.days == previous.days or tier.percent >= previous.percent:
                    raise ValidationError(
                        self.env._(
                            "The tiers of %(rule)s must give a smaller discount the later the "
                            "payment: %(first)s %% within %(first_days)s days, then %(second)s %% "
                            "within %(second_days)s days is not.",
                            rule=rule.name,
                            first=previous.percent,
                            first_days=previous.days,
                            second=tier.percent,
                            second_days=tier.days,
                        )
                    )
            rule.payment_term_ids._check_collection_discount_rule()

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._sync_payment_terms()
        return rules

    def write(self, vals):
        result = super().write(vals)
        self._sync_payment_terms()
        return result

    def _sorted_tiers(self):
        self.ensure_one()
        return self.tier_ids.sorted(lambda tier: (tier.days, tier.id))

    def _sync_payment_terms(self):
        """Odoo's native early discount of the rule's payment terms is the rule's first tier."""
        # Editing the tiers is the discount manager's decision; the terms follow the rule even
        # when that manager may not edit payment terms (linking a rule to a term needs that).
        self.payment_term_ids.sudo()._collection_sync_from_rule()
