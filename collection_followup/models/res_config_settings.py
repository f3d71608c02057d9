from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_policy_id = fields.Many2one(
        related="company_id.collection_policy_id", readonly=False
    )
    collection_tolerance = fields.Monetary(
        related="company_id.collection_tolerance",
        readonly=False,
        currency_field="currency_id",
    )
    collection_skip_levels = fields.Boolean(
        related="company_id.collection_skip_levels", readonly=False
    )
    collection_min_days_between = fields.Integer(
        related="company_id.collection_min_days_between", readonly=False
    )
    collection_min_legal_amount = fields.Monetary(
        related="company_id.collection_min_legal_amount",
        readonly=False,
        currency_field="currency_id",
    )
    collection_sending_window = fields.Boolean(
        related="company_id.collection_sending_window", readonly=False
    )
    collection_max_failures = fields.Integer(
        related="company_id.collection_max_failures", readonly=False
    )
    collection_arrival_wait_days = fields.Integer(
        related="company_id.collection_arrival_wait_days", readonly=False
    )
    collection_responsible_id = fields.Many2one(
        related="company_id.collection_responsible_id", readonly=False
    )
    collection_promise_grace_days = fields.Integer(
        related="company_id.collection_promise_grace_days", readonly=False
    )
    collection_link_validity_days = fields.Integer(
        related="company_id.collection_link_validity_days", readonly=False
    )
    collection_promise_horizon_days = fields.Integer(
        related="company_id.collection_promise_horizon_days", readonly=False
    )
    collection_promise_min_percent = fields.Float(
        related="company_id.collection_promise_min_percent", readonly=False
    )
    collection_promise_max_broken = fields.Integer(
        related="company_id.collection_promise_max_broken", readonly=False
    )
    collection_hold_mode = fields.Selection(
        related="company_id.collection_hold_mode", readonly=False
    )
    collection_loyalty_invoice_count = fields.Integer(
        related="company_id.collection_loyalty_invoice_count", readonly=False
    )
    collection_loyalty_reward = fields.Selection(
        related="company_id.collection_loyalty_reward", readonly=False
    )
    collection_loyalty_percent = fields.Float(
        related="company_id.collection_loyalty_percent", readonly=False
    )
    collection_loyalty_template_id = fields.Many2one(
        related="company_id.collection_loyalty_template_id", readonly=False
    )
    collection_demand_days = fields.Integer(
        related="company_id.collection_demand_days", readonly=False
    )
