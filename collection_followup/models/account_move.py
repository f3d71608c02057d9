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
    collection_late_fee_origin_id = fields.Many2one(
        "account.move",
        string="Late Fees On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The late invoice whose fees this document books.",
    )
    collection_late_fee_ids = fields.One2many(
        "collection.late.fee", "move_id", string="Late Fees", readonly=True
    )
    collection_late_fee_charged = fields.Monetary(
        compute="_compute_collection_late_fees",
        string="Late Fees Charged",
        help="Late fees booked on this invoice and not waived.",
    )
    collection_late_fee_preview = fields.Monetary(
        compute="_compute_collection_late_fees",
        string="Late Fees If Paid Today",
        help="What the late fee rules of the customer's policy would add, on top of what was "
        "already charged, if the invoice were paid today.",
    )

    @api.depends("collection_action_ids")
    def _compute_collection_action_count(self):
        for move in self:
            move.collection_action_count = len(move.collection_action_ids)

    @api.depends(
        "collection_late_fee_ids.amount", "collection_late_fee_ids.state", "amount_residual"
    )
    def _compute_collection_late_fees(self):
        previews = self._collection_late_fee_preview()
        for move in self:
            move.collection_late_fee_charged = sum(
                move.collection_late_fee_ids.filtered(lambda f: f.state != "waived").mapped(
                    "amount"
                )
            )
            move.collection_late_fee_preview = previews.get(move.id, {}).get("amount", 0.0)

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

    def _collection_late_fee_preview(self, on_date=None):
        """What the late fee rules would add to each late invoice of ``self`` if it were paid
        on ``on_date`` (today by default), on top of what was already charged or waived.

        The rules are those of the customer's policy: its monthly rule, and the rules of the
        levels the invoice's oldest item has reached. Returns ``{invoice id: {"amount": float in
        the invoice's currency, "currency": res.currency, "texts": [explanation lines]}}`` for
        the invoices that would owe something; nothing is booked.
        """
        on_date = on_date or fields.Date.context_today(self)
        Rule = self.env["collection.late.fee.rule"]
        previews = {}
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted" and m.amount_residual
        )
        for invoice in invoices:
            open_dates = [
                line.date_maturity or line.date
                for line in invoice.line_ids
                if line.account_id.account_type == "asset_receivable"
                and line.amount_currency > 0
                and not line.reconciled
            ]
            oldest = min(open_dates, default=on_date)
            if oldest >= on_date:
                continue
            company = invoice.company_id
            partner = invoice.commercial_partner_id.with_company(company)
            policy = partner.sudo().collection_policy_id or company.sudo().collection_policy_id
            rules = Rule._policy_rules(policy, (on_date - oldest).days)
            if not rules or Rule._exempt_reason(invoice):
                continue
            amount, texts = 0.0, []
            for rule in rules.sudo():
                total, rule_texts = rule._invoice_figures(invoice, on_date)
                charged = sum(
                    invoice.sudo()
                    .collection_late_fee_ids.filtered(lambda f, r=rule: f.rule_id == r)
                    .mapped("amount")
                )
                due = invoice.currency_id.round(float(total) - charged)
                if invoice.currency_id.compare_amounts(due, 0) > 0:
                    amount += due
                    texts += [rule.name, *rule_texts]
            if amount:
                previews[invoice.id] = {
                    "amount": invoice.currency_id.round(amount),
                    "currency": invoice.currency_id,
                    "texts": texts,
                }
        return previews

    def _collection_invoice_terms(self):
        """The collection terms printed on the invoice, in the current language: the policy's
        own text, then what its late fee rules charge."""
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(self.company_id)
        policy = (
            partner.sudo().collection_policy_id or self.company_id.sudo().collection_policy_id
        ).with_context(lang=self.env.lang)
        terms = []
        if policy.invoice_terms:
            terms.append(policy.invoice_terms)
        rules = self.env["collection.late.fee.rule"]._policy_rules(policy).sudo()
        for rule in rules.with_context(lang=self.env.lang):
            terms.append(self.env._("Late payment: %(terms)s.", terms=rule._terms_text()))
        return terms

    def _post(self, soft=True):
        for move in self.filtered(
            lambda m: m.move_type == "out_invoice" and not m.collection_late_fee_origin_id
        ):
            partner = move.commercial_partner_id.with_company(move.company_id)
            if not partner.collection_on_hold:
                continue
            if move.company_id.collection_hold_mode == "block":
                raise UserError(move._collection_hold_message())
            move.message_post(body=move._collection_hold_message())
        return super()._post(soft=soft)
