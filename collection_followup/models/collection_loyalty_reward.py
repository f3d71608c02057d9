import logging

from psycopg2 import errors

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from .collection_discount_rule import format_percent

_logger = logging.getLogger(__name__)


class CollectionLoyaltyReward(models.Model):
    """A reward for a customer who paid a run of invoices on time, granted once per run."""

    _name = "collection.loyalty.reward"
    _description = "On-Time Payer Reward"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    reward_type = fields.Selection(
        [("discount", "Discount on the next invoice"), ("email", "Thank-you email")],
        string="Reward",
        required=True,
    )
    percent = fields.Float(string="Discount %", digits="Discount")
    move_ids = fields.Many2many(
        "account.move",
        "collection_loyalty_reward_move_rel",
        string="Invoices Paid on Time",
        check_company=True,
    )
    last_move_id = fields.Many2one(
        "account.move",
        string="Last Invoice of the Run",
        required=True,
        ondelete="cascade",
        check_company=True,
    )
    applied_move_id = fields.Many2one(
        "account.move", string="Discounted Invoice", readonly=True, check_company=True
    )
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null")
    state = fields.Selection(
        [
            ("available", "Waiting for the next invoice"),
            ("used", "Applied"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="available",
        index=True,
    )
    note = fields.Text()

    _sql_constraints = [
        (
            "run_unique",
            "unique(last_move_id)",
            "A run of invoices paid on time is rewarded only once.",
        )
    ]

    def _compute_display_name(self):
        for reward in self:
            reward.display_name = self.env._(
                "%(customer)s: %(count)s invoices paid on time",
                customer=reward.partner_id.display_name,
                count=len(reward.move_ids),
            )

    def action_cancel(self):
        """Withdraw rewards not used yet (a manager's decision)."""
        if not self.env.user.has_group("collection_followup.group_collection_manager"):
            raise UserError(self.env._("Only a collections manager can cancel a reward."))
        self.filtered(lambda r: r.state == "available").state = "cancelled"
        return True

    # ------------------------------------------------------------------
    # Runs of invoices paid on time
    # ------------------------------------------------------------------

    @api.model
    def _check_streaks(self, moves):
        """Walk on, for the customers of ``moves`` (just reconciled), the invoices issued since
        the last walk, and reward every run completed.

        A run is evaluated on the invoices in the order they were issued, whatever the order
        of the payments: a run waiting behind an older invoice not due yet is rewarded when
        that invoice is decided, even when it is paid late. Each call only walks the invoices
        issued after the last one decided (:class:`collection.loyalty.progress`). Safe to call
        again: a run is rewarded once (its last invoice is unique)."""
        rewards = self
        today = fields.Date.context_today(self)
        customers = moves.filtered(
            lambda m: m.state == "posted" and m.is_sale_document(include_receipts=False)
        )
        for company, partner in {(m.company_id, m.commercial_partner_id) for m in customers}:
            if company.collection_loyalty_invoice_count <= 0:
                continue
            progress, runs, current, walked = self._walk(company, partner, today)
            for run in runs:
                rewards |= self._grant(company, partner, run)
            if walked:
                self._save_progress(progress, company, partner, walked, current)
        return rewards

    @api.model
    def _runs_since_last_reward(self, company, partner, today):
        """``(runs, current)``: the runs of invoices paid on time completed since the last walk
        saved, and the invoices paid on time of the run in progress (see :meth:`_walk`)."""
        _progress, runs, current, _walked = self._walk(company, partner, today)
        return runs, current

    @api.model
    def _walk(self, company, partner, today):
        """Walk the customer's invoices in the order they were issued, from where the last walk
        stopped (else from its last reward, else from its first invoice).

        Returns ``(progress, runs, current, walked)``: the saved progress (maybe empty), the
        runs completed, the invoices paid on time since the last completed run or late
        payment, and the last invoice decided by this walk (empty if none). The walk stops at
        the first invoice still open and not due: what comes after is not "in a row" yet.
        """
        count = company.collection_loyalty_invoice_count
        Move = self.env["account.move"]
        progress = self.env["collection.loyalty.progress"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)], limit=1
        )
        domain = [
            ("commercial_partner_id", "=", partner.id),
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("collection_late_fee_origin_id", "=", False),  # fees are not sales
        ]
        if progress:
            last, current = progress.last_move_id, progress.run_move_ids
        else:
            last = self.search(
                [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
            ).last_move_id.sorted(lambda m: (m.invoice_date, m.id))[-1:]
            current = Move
        if last:
            domain += [
                "|",
                ("invoice_date", ">", last.invoice_date),
                "&",
                ("invoice_date", "=", last.invoice_date),
                ("id", ">", last.id),
            ]
        runs, walked = [], Move
        for invoice in Move.search(domain, order="invoice_date, id"):
            punctuality = invoice._collection_punctuality(today)
            if punctuality == "pending":
                break
            walked = invoice
            if punctuality == "late":
                current = Move
            elif punctuality == "on_time":
                current |= invoice
                if count and len(current) >= count:
                    runs.append(current)
                    current = Move
        return progress, runs, current, walked

    @api.model
    def _save_progress(self, progress, company, partner, walked, current):
        """Keep where the walk stopped. Another transaction saving the same customer's first
        progress at the same time wins: the next walk starts from its progress."""
        values = {"last_move_id": walked.id, "run_move_ids": [fields.Command.set(current.ids)]}
        if progress:
            progress.sudo().write(values)
            return
        try:
            with self.env.cr.savepoint(), tools.mute_logger("odoo.sql_db"):
                self.env["collection.loyalty.progress"].sudo().create(
                    {"partner_id": partner.id, "company_id": company.id, **values}
                )
        except errors.UniqueViolation:
            _logger.info("Loyalty progress of %s saved by another transaction", partner.name)

    @api.model
    def _grant(self, company, partner, run):
        last = run.sorted(lambda m: (m.invoice_date, m.id))[-1:]
        values = {
            "partner_id": partner.id,
            "company_id": company.id,
            "reward_type": company.collection_loyalty_reward,
            "percent": company.collection_loyalty_percent
            if company.collection_loyalty_reward == "discount"
            else 0.0,
            "move_ids": [fields.Command.set(run.ids)],
            "last_move_id": last.id,
        }
        # The reward is the engine's bookkeeping, whoever registered the payment.
        try:
            with self.env.cr.savepoint(), tools.mute_logger("odoo.sql_db"):
                reward = self.sudo().create(values)
        except errors.UniqueViolation:
            _logger.info("Run ending with %s already rewarded by another transaction", last.name)
            return self
        if reward.reward_type == "email":
            reward._send_thanks()
        else:
            partner.sudo().message_post(
                body=self.env._(
                    "Loyalty reward: %(count)s invoices in a row paid on time. The next invoice "
                    "gets a %(percent)s %% discount.",
                    count=len(run),
                    percent=format_percent(self.env, reward.percent),
                )
            )
        return reward

    def _send_thanks(self):
        """Email the customer the company's thank-you template."""
        self.ensure_one()
        partner, company = self.partner_id.sudo(), self.company_id
        recipient = partner._collection_recipient()
        template = company.collection_loyalty_template_id or self.env.ref(
            "collection_followup.mail_template_loyalty_thanks"
        )
        if not recipient.email:
            self.write(
                {
                    "state": "failed",
                    "note": self.env._(
                        "%(customer)s has no email address for invoices.",
                        customer=recipient.display_name,
                    ),
                }
            )
            return
        context = {"company": company, "invoices": self.move_ids, "reward": self}
        rendered = {
            field: template._render_field(
                field, partner.ids, compute_lang=True, add_context=context
            )[partner.id]
            for field in ("subject", "body_html")
        }
        message = partner.with_context(mail_notify_force_send=False).message_post(
            body=rendered["body_html"],
            subject=rendered["subject"],
            partner_ids=recipient.ids,
            author_id=company.partner_id.id,
            email_from=company.email_formatted or None,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )
        self.write({"state": "sent", "mail_message_id": message.id})

    # ------------------------------------------------------------------
    # The discount on the next invoice
    # ------------------------------------------------------------------

    @api.model
    def _available_discounts(self, invoices):
        """``{invoice: reward}``: the oldest discount waiting for each of the customers of
        ``invoices`` (draft customer invoices), one invoice per reward."""
        if not invoices:
            return {}
        rewards = self.search(
            [
                ("state", "=", "available"),
                ("reward_type", "=", "discount"),
                ("partner_id", "in", invoices.commercial_partner_id.ids),
                ("company_id", "in", invoices.company_id.ids),
            ],
            order="date, id",
        )
        result = {}
        for invoice in invoices.sorted(lambda m: (m.invoice_date or m.date, m.id)):
            reward = next(
                (
                    reward
                    for reward in rewards
                    if reward.partner_id == invoice.commercial_partner_id
                    and reward.company_id == invoice.company_id
                    and reward not in result.values()
                ),
                None,
            )
            if reward:
                result[invoice] = reward
        return result

    def _mark_used(self, invoice):
        self.ensure_one()
        # Posting the invoice uses the reward, whoever posts it.
        self.sudo().write({"state": "used", "applied_move_id": invoice.id})
        invoice.message_post(
            body=self.env._(
                "Loyalty reward applied: %(percent)s %% discount for %(count)s invoices paid on "
                "time.",
                percent=format_percent(self.env, self.percent),
                count=len(self.move_ids),
            )
        )
