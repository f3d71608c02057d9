from odoo import api, fields, models


class CollectionFollowupPolicy(models.Model):
    _name = "collection.followup.policy"
    _description = "Collection Follow-up Policy"
    _order = "company_id, name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    level_ids = fields.One2many("collection.followup.level", "policy_id", string="Levels")
    level_count = fields.Integer(compute="_compute_level_count")
    late_fee_rule_id = fields.Many2one(
        "collection.late.fee.rule",
        string="Monthly Late Fees",
        domain="[('company_id', '=', company_id)]",
        help="Charged at the end of every month on the late invoices of the customers under "
        "this policy. A level can also charge a rule when it is reached.",
    )
    invoice_terms = fields.Html(
        string="Terms on Invoices",
        translate=True,
        help="Printed on every invoice of the customers under this policy, in their language, "
        "above what the late fee rules charge: accepted payment methods, penalties, discounts.",
    )

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    def _get_levels(self):
        """The level table in escalation order."""
        self.ensure_one()
        # read together: the levels of a policy do not prefetch one another (one query each)
        return self.level_ids.with_prefetch().sorted(lambda level: (level.delay, level.id))

    @api.model
    def _run_companies(self):
        """Every company for the scheduler (superuser); otherwise the user's own companies."""
        if self.env.su:
            return self.env["res.company"].search([])
        return self.env.user.company_ids

    @api.model
    def _cron_run_followup(self, batch_size=None):
        """Entry point of the scheduled action *Collection: daily follow-up run* (see
        collection.followup.engine._cron_run_followup)."""
        return self.env["collection.followup.engine"]._cron_run_followup(batch_size=batch_size)

    @api.model
    def _run_followup_summary(self):
        """Run the follow-up once for every company and return what it did (used by `make run`)."""
        actions = self.env["collection.followup.engine"]._run_followup(self._run_companies())
        done = actions.filtered(lambda a: a.state == "done")
        return {
            "customers": len(actions.partner_id),
            "reminders": {
                channel: len(done.filtered(lambda a, c=channel: a.channel == c))
                for channel in set(done.mapped("channel"))
            },
            "failed": len(actions.filtered(lambda a: a.state == "failed")),
        }
