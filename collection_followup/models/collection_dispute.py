from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import DISPUTE_REASONS


class CollectionDispute(models.Model):
    """A customer's objection to an invoice. While it is open, the invoice gets no reminders;
    the accountant resolves it: resume the follow-up, issue a credit note, or cancel the
    invoice."""

    _name = "collection.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", store=True, index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    date = fields.Date(
        string="Disputed On",
        required=True,
        readonly=True,
        default=fields.Date.context_today,
        help="No late-payment interest runs from this day until the dispute is resolved.",
    )
    reason = fields.Selection(DISPUTE_REASONS, required=True, tracking=True)
    message = fields.Text(string="Customer's Message")
    attachment_ids = fields.Many2many("ir.attachment", string="Proof")
    source = fields.Selection(
        [("backend", "Accountant"), ("portal", "Customer Portal")],
        default="backend",
        required=True,
    )
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    resolution = fields.Selection(
        [
            ("resume", "Follow-up resumed"),
            ("credit_note", "Credit note"),
            ("cancel", "Invoice cancelled"),
        ],
        readonly=True,
        tracking=True,
    )
    resolution_note = fields.Text()
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_date = fields.Date(
        readonly=True, copy=False, help="Late-payment interest resumes the day after."
    )

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        for dispute in disputes:
            if dispute.reason == "not_received":
                dispute._resend_invoice()
            collector = dispute.partner_id.with_company(dispute.company_id)._collection_collector()
            dispute.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "Resolve the dispute on %(invoice)s", invoice=dispute.move_id.name
                ),
                user_id=(collector or self.env.user).id,
            )
        return disputes

    def _compute_display_name(self):
        reasons = dict(DISPUTE_REASONS)
        for dispute in self:
            dispute.display_name = f"{dispute.move_id.name} · {reasons.get(dispute.reason, '')}"

    def _resend_invoice(self):
        """ "I never received it": the current invoice goes out again at once."""
        self.ensure_one()
        invoice = self.move_id
        recipient = invoice.partner_id._collection_recipient()
        if not recipient.email:
            invoice.message_post(
                body=self.env._(
                    "The invoice could not be sent again: %(customer)s has no email.",
                    customer=recipient.display_name,
                )
            )
            return
        attachments = self.env["collection.followup.action"]._invoice_pdfs(invoice)
        invoice.sudo().with_context(mail_notify_force_send=False).message_post(
            body=self.env._(
                "As requested, here is invoice %(invoice)s again. Thank you for letting us know.",
                invoice=invoice.name,
            ),
            subject=self.env._("Invoice %(invoice)s", invoice=invoice.name),
            partner_ids=recipient.ids,
            author_id=invoice.company_id.partner_id.id,
            email_from=invoice.company_id.email_formatted or None,
            attachments=attachments,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _resolve(self, resolution, note=None):
        self.write(
            {
                "state": "resolved",
                "resolution": resolution,
                "resolved_by_id": self.env.user.id,
                "resolved_date": fields.Date.context_today(self),
                "resolution_note": note or False,
            }
        )
        self.activity_ids.action_feedback(
            feedback=dict(self._fields["resolution"].selection)[resolution]
        )

    def _check_open(self):
        if any(dispute.state != "open" for dispute in self):
            raise UserError(self.env._("This dispute is already resolved."))

    def action_resume(self):
        """The invoice stands: its follow-up resumes."""
        self._check_open()
        self._resolve("resume")
        return True

    def action_credit_note(self):
        """Open Odoo's credit note wizard for the invoice; the dispute is resolved by it."""
        self.ensure_one()
        self._check_open()
        self._resolve("credit_note")
        action = self.move_id.action_reverse()
        action["context"] = {"active_ids": self.move_id.ids, "active_model": "account.move"}
        return action

    def action_cancel_invoice(self):
        """Cancel the invoice (reset to draft, then cancelled)."""
        self._check_open()
        for dispute in self:
            invoice = dispute.move_id
            if invoice.payment_state not in ("not_paid",):
                raise UserError(
                    self.env._(
                        "%(invoice)s is partly paid: issue a credit note instead.",
                        invoice=invoice.name,
                    )
                )
            invoice.button_draft()
            invoice.button_cancel()
        self._resolve("cancel")
        return True
