from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..const import CHANNELS


class CollectionFollowupPreview(models.TransientModel):
    """A dry run: what the next follow-up run will do, per customer, without doing it."""

    _name = "collection.followup.preview"
    _description = "Follow-up Run Preview"

    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, readonly=True
    )
    date = fields.Date(default=fields.Date.context_today, readonly=True)
    line_ids = fields.One2many("collection.followup.preview.line", "preview_id", readonly=True)
    customer_count = fields.Integer(compute="_compute_totals")
    overdue_total = fields.Monetary(compute="_compute_totals", currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends("line_ids")
    def _compute_totals(self):
        for preview in self:
            preview.customer_count = len(preview.line_ids)
            preview.overdue_total = sum(preview.line_ids.mapped("amount_due"))

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "line_ids" in fields_list:
            values["line_ids"] = [
                fields.Command.create(vals) for vals in self._prepare_line_vals(self.env.company)
            ]
        return values

    @api.model
    def _prepare_line_vals(self, company):
        labels = dict(CHANNELS)
        decisions = self.env["res.partner"].with_company(company)._collection_decisions(company)
        return [
            {
                "partner_id": decision.partner.id,
                "level_id": decision.level.id,
                "channels": ", ".join(labels[c] for c in decision.level._get_channels()),
                "requires_approval": decision.level.requires_approval,
                "excluded": decision.partner.collection_excluded,
                "amount_due": decision.situation.overdue,
                "item_count": len(decision.lines),
                "due_since": decision.next_date,
            }
            for decision in decisions.values()
            if decision.action == "send"
        ]

    def action_run_now(self):
        """Run the follow-up for the company now (what the preview showed): a collections
        manager's decision, checked here because the button is callable by RPC."""
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group(
            "collection_followup.group_collection_manager"
        ):
            raise AccessError(
                self.env._("Only a collections manager can run the follow-up of the company.")
            )
        # The run writes the engine's ledger and the customers' follow-up state: as superuser,
        # the manager being checked; the user stays the author of what is sent.
        actions = self.env["res.partner"].sudo()._collection_run_followup(self.company_id)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Follow-up run of today"),
            "res_model": "collection.followup.action",
            "view_mode": "list,form",
            "domain": [("id", "in", actions.ids)],
        }
