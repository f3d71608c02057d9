from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import DISPUTE_REASONS


class CollectionDispute(models.Model):
    """A customer's objection to an invoice. While it is open, the invoice gets no reminders;
    the accountant resolves it: resume the follow-up, issue a credit note, or cancel the
    invoice."""

    _name = "collection.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin", "collection.request.mixin"]
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
    resent_on = fields.Date(
        string="Invoice Sent Again On",
        readonly=True,
        copy=False,
        help="When the invoice was emailed again because the customer never received it (at "
        "most once a day per invoice).",
    )
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_date = fields.Date(
        readonly=True, copy=False, help="Late-payment interest resumes the day after."
    )

    @api.constrains("move_id", "state")
    def _check_one_open_dispute(self):
        open_disputes = self.filtered(lambda d: d.state == "open")
        counts = dict(
            self._read_group(
                [("move_id", "in", open_disputes.move_id.ids), ("state", "=", "open")],
                ["move_id"],
                ["__count"],
            )
        )
        for dispute in open_disputes:
            if counts.get(dispute.move_id, 0) > 1:
                raise ValidationError(
                    self.env._(
                        "Invoice %(invoice)s is already disputed: we are looking into it.",
                        invoice=dispute.move_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        # Recorded in the backend: the collector who records it owns it, if the customer has
        # no collector; from the portal: never the visitor.
        fallback = self.env.user if not self.env.user.share else None
        for dispute in disputes:
            if dispute.reason == "not_received":
                dispute._resend_invoice()
            dispute._collection_schedule_owner_activity(
                self.env._("Resolve the dispute on %(invoice)s", invoice=dispute.move_id.name),
                fallback=fallback if dispute.source == "backend" else None,
            )
        return disputes

    def _compute_display_name(self):
        reasons = dict(DISPUTE_REASONS)
        for dispute in self:
            dispute.display_name = f"{dispute.move_id.name} · {reasons.get(dispute.reason, '')}"

    def _resend_invoice(self):
        """ "I never received it": the current invoice goes out again at once, at most once a
        day per invoice (a second dispute the same day says so in the invoice's chatter)."""
        self.ensure_one()
        invoice = self.move_id
        today = fields.Date.context_today(self)
        if self.search_count([("move_id", "=", invoice.id), ("resent_on", "=", today)]):
            invoice.sudo().message_post(  # a note by the dispute, whoever recorded it
                body=self.env._(
                    "Invoice %(invoice)s was already sent again today: not sent a second time.",
                    invoice=invoice.name,
                )
            )
            return
        recipient = invoice.partner_id._collection_recipient()
        if not recipient.email:
            invoice.message_post(
                body=self.env._(
                    "The invoice could not be sent again: %(customer)s has no email.",
                    customer=recipient.display_name,
                )
            )
            return
        self.sudo().resent_on = today  # bookkeeping of the dispute, whoever recorded it
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
        self._collection_close_owner_activities(
            dict(self._fields["resolution"].selection)[resolution]
        )

    @api.model
    def _create_from_portal(self, partner, invoice, reason, message, proofs=()):
        """The customer disputes one of its posted invoices, with proof files
        (``[(name, content, mimetype)]``, already checked). Called sudo-ed by the portal
        after it checked who the visitor is."""
        partner = partner.commercial_partner_id
        if (
            invoice.commercial_partner_id != partner
            or invoice.move_type != "out_invoice"
            or invoice.state != "posted"
        ):
            raise UserError(self.env._("Choose one of your invoices."))
        if reason not in dict(DISPUTE_REASONS):
            raise UserError(self.env._("Choose a reason."))
        dispute = self.create(
            {"move_id": invoice.id, "reason": reason, "message": message, "source": "portal"}
        )
        if proofs:
            dispute.attachment_ids = self.env["ir.attachment"].create(
                [
                    {
                        "name": name,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": dispute._name,
                        "res_id": dispute.id,
                    }
                    for name, content, mimetype in proofs
                ]
            )
        return dispute

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
