from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_action_ids = fields.Many2many(
        "collection.followup.action",
        "collection_followup_action_move_rel",
        string="Follow-up Actions",
        readonly=True,
        copy=False,
    )
    collection_action_count = fields.Integer(compute="_compute_collection_action_count")
    collection_billing_plan_id = fields.Many2one(
        "collection.billing.plan", string="Billing Plan", readonly=True, copy=False, index=True
    )
    collection_billing_milestone_id = fields.Many2one(
        "collection.billing.milestone", string="Milestone", readonly=True, copy=False
    )
    collection_is_deposit = fields.Boolean(
        related="collection_billing_milestone_id.is_deposit", string="Deposit Invoice"
    )
    collection_payment_plan_ids = fields.Many2many(
        "collection.payment.plan",
        "collection_payment_plan_move_rel",
        string="Payment Plans",
        readonly=True,
        copy=False,
    )
    collection_hold_warning = fields.Char(compute="_compute_collection_hold_warning")

    @api.depends("collection_action_ids")
    def _compute_collection_action_count(self):
        for move in self:
            move.collection_action_count = len(move.collection_action_ids)

    @api.depends("partner_id", "move_type", "state")
    def _compute_collection_hold_warning(self):
        for move in self:
            partner = move.commercial_partner_id.with_company(move.company_id)
            move.collection_hold_warning = (
                move.move_type == "out_invoice"
                and move.state == "draft"
                and partner.collection_on_hold
                and move._collection_hold_message()
            ) or False

    def action_view_collection_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collection_followup.action_collection_followup_action"
        )
        action["domain"] = [("id", "in", self.collection_action_ids.ids)]
        return action

    def _collection_hold_message(self):
        partner = self.commercial_partner_id.with_company(self.company_id)
        return self.env._(
            "%(customer)s is on credit hold since %(date)s: overdue invoices must be paid first.",
            customer=partner.display_name,
            date=partner.collection_hold_date,
        )

    def _post(self, soft=True):
        for move in self.filtered(lambda m: m.move_type == "out_invoice"):
            partner = move.commercial_partner_id.with_company(move.company_id)
            if not partner.collection_on_hold:
                continue
            if move.company_id.collection_hold_mode == "block":
                raise UserError(move._collection_hold_message())
            move.message_post(body=move._collection_hold_message())
        return super()._post(soft=soft)
