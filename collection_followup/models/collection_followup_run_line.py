from odoo import fields, models

from ..tools.followup_decision import DEFERRED, MAX_ATTEMPTS


class CollectionFollowupRunLine(models.Model):
    """One customer a follow-up run looked at, and what came of it."""

    _name = "collection.followup.run.line"
    _description = "Collection Follow-up Run Customer"
    _order = "run_id desc, id"

    run_id = fields.Many2one(
        "collection.followup.run", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="run_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    outcome = fields.Selection(
        [
            ("planned", "Would Remind"),
            ("reminded", "Reminded"),
            ("skipped", "Skipped"),
            ("failed", "Failed"),
            ("deferred", "Deferred"),
        ],
        required=True,
        readonly=True,
    )
    reason = fields.Text(readonly=True, help="Why the customer was skipped, failed or deferred.")
    attempts = fields.Integer(readonly=True, default=1)
    level_id = fields.Many2one("collection.followup.level", string="Level", readonly=True)
    channels = fields.Char(readonly=True)
    requires_approval = fields.Boolean(readonly=True)
    excluded = fields.Boolean(string="No Follow-up", readonly=True)
    amount_due = fields.Monetary(string="Overdue", currency_field="currency_id", readonly=True)
    item_count = fields.Integer(string="Items", readonly=True)
    due_since = fields.Date(readonly=True)

    def _to_retry(self):
        """Deferred for a concurrent transaction, with attempts left in its run."""
        self.ensure_one()
        return self.outcome == DEFERRED and self.attempts < MAX_ATTEMPTS
