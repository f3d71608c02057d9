import logging

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import is_html_empty

from ..const import CHANNELS
from ..tools.qr import qr_png_data_uri

_logger = logging.getLogger(__name__)


class CollectionFollowupAction(models.Model):
    """The audit trail: one record per thing the follow-up did, prepared, skipped or failed."""

    _name = "collection.followup.action"
    _description = "Collection Follow-up Action"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_id = fields.Many2one(
        "collection.followup.level", string="Level", ondelete="set null", check_company=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    channel = fields.Selection(CHANNELS, required=True)
    state = fields.Selection(
        [
            ("draft", "Planned"),
            ("to_approve", "To Approve"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("skipped", "Skipped"),
            ("rejected", "Rejected"),
        ],
        required=True,
        default="draft",
        index=True,
    )
    line_ids = fields.Many2many(
        "account.move.line",
        string="Receivable Items",
        help="The open receivable lines (instalments) this action was about.",
    )
    move_ids = fields.Many2many(
        "account.move",
        "collection_followup_action_move_rel",
        string="Invoices",
        compute="_compute_move_ids",
        store=True,
    )
    amount_due = fields.Monetary(
        string="Overdue Amount",
        currency_field="currency_id",
        help="What was overdue when the action ran, in company currency, credits deducted.",
    )
    recipient_id = fields.Many2one("res.partner", string="Recipient", ondelete="set null")
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null")
    sms_id = fields.Many2one("sms.sms", string="SMS", ondelete="set null")
    sms_number = fields.Char(string="SMS Number")
    attachment_id = fields.Many2one("ir.attachment", string="Letter", ondelete="set null")
    letter_printed = fields.Boolean()
    activity_id = fields.Many2one("mail.activity", string="Call Activity", ondelete="set null")
    agency_case_id = fields.Many2one(
        "collection.agency.case", string="Agency Case", ondelete="set null", check_company=True
    )
    run_id = fields.Many2one(
        "collection.followup.run", string="Run", index=True, ondelete="set null", readonly=True
    )
    approved_by_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    error = fields.Text()
    late_fee_ids = fields.One2many("collection.late.fee", "action_id", string="Late Fees")

    @api.depends("line_ids")
    def _compute_move_ids(self):
        for action in self:
            action.move_ids = action.line_ids.move_id

    def _compute_display_name(self):
        channels = dict(CHANNELS)
        for action in self:
            action.display_name = " · ".join(
                filter(
                    None,
                    [
                        action.partner_id.display_name,
                        action.level_id.name,
                        channels.get(action.channel),
                    ],
                )
            )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_approve(self):
        """Carry out the prepared actions (bulk from the list)."""
        self._check_can_decide()
        # Actions are the engine's ledger (read-only for people): carried out as superuser once
        # the manager's right to decide is checked.
        actions = self.sudo().filtered(lambda a: a.state == "to_approve")
        actions.approved_by_id = self.env.user
        for company, company_actions in actions.grouped("company_id").items():
            decisions = (
                self.env["collection.followup.engine"]
                .with_company(company)
                ._decisions(company, company_actions.partner_id.ids)
            )
            company_actions.with_company(company)._execute(decisions)
        return True

    def action_reject(self):
        self._check_can_decide()
        # The manager's decision, recorded on the engine's ledger as superuser.
        actions = self.sudo().filtered(lambda a: a.state == "to_approve")
        actions.write({"state": "rejected", "approved_by_id": self.env.user.id})
        for action in actions:
            # The decision is the manager's; the note on the customer is the engine's record.
            action.partner_id.sudo().message_post(
                body=self.env._(
                    "Follow-up “%(level)s” by %(channel)s rejected by %(user)s.",
                    level=action.level_id.name,
                    channel=dict(CHANNELS)[action.channel],
                    user=self.env.user.name,
                )
            )
        return True

    def action_print_letters(self):
        """Print the letters of the selection at once and mark them printed (collections
        users)."""
        if not self.env.su and not self.env.user.has_group(
            "collection_followup.group_collection_user"
        ):
            raise AccessError(self.env._("Only collections users can print follow-up letters."))
        letters = self.filtered(lambda a: a.channel == "letter" and a.state == "done")
        if not letters:
            raise UserError(self.env._("Select letters that were prepared by the follow-up."))
        # "Printed" is the engine's bookkeeping on its ledger, once the collector is checked.
        letters.sudo().letter_printed = True
        return self.env.ref("collection_followup.action_report_followup_letter").report_action(
            letters, config=False
        )

    def _check_can_decide(self):
        if not self.env.su and not self.env.user.has_group(
            "collection_followup.group_collection_manager"
        ):
            raise UserError(self.env._("Only a collections manager can approve or reject."))

    # ------------------------------------------------------------------
    # Execution
    # ------------------------------------------------------------------

    def _execute(self, decisions):
        """Carry out each action on its channel, each in its own savepoint.

        ``decisions`` maps commercial partner ids to their current FollowupDecision (what is
        owed now). An action whose customer no longer owes anything is skipped; one whose
        channel fails (no email, invalid number...) is recorded as failed with the reason, and
        the other channels still go.
        """
        for action in self:
            decision = decisions.get(action.partner_id.id)
            # What came of the action is the engine's record, written for the collector who
            # sends a reminder now (collectors create actions, they do not edit them).
            action_sudo = action.sudo()
            if not decision or not decision.lines:
                action_sudo.write(
                    {"state": "skipped", "error": self.env._("Nothing is overdue any more.")}
                )
                continue
            if decision.at_agency and action.channel != "agency":
                action_sudo.write(
                    {
                        "state": "skipped",
                        "error": self.env._("The customer is with a collection agency."),
                    }
                )
                continue
            try:
                with self.env.cr.savepoint():
                    values = getattr(action, f"_execute_{action.channel}")(decision)
                    action_sudo.write({"state": "done", "error": False, **values})
            except UserError as error:
                _logger.info("Follow-up %s not done: %s", action.id, error)
                action_sudo.write({"state": "failed", "error": str(error)})
            except Exception as error:  # noqa: BLE001 - one bad customer must not stop the run
                _logger.warning("Follow-up %s failed", action.id, exc_info=True)
                action_sudo.write(
                    {
                        "state": "failed",
                        "error": self.env._("Unexpected error: %(error)s", error=error),
                    }
                )
        return self

    def _recipient(self):
        return self.partner_id._collection_recipient()

    def _execute_email(self, decision):
        """Email the level's reminder. The email carries a new link to the customer's
        collections page (and its QR code, inline); the copy kept in the customer's chatter
        says a link was sent, without it, so that no employee reads the customer's key."""
        recipient = self._recipient()
        if not recipient.email:
            raise UserError(
                self.env._(
                    "%(customer)s has no email address for invoices.",
                    customer=recipient.display_name,
                )
            )
        # Posting on a contact needs the right to edit it; the reminder is the engine's message.
        partner, level, company = self.partner_id.sudo(), self.level_id, self.company_id
        link_url = self.env["collection.portal.link"]._mint(partner, company, action=self)
        sent = self._render_reminder(partner, decision.render_context(collections_url=link_url))
        kept = self._render_reminder(partner, decision.render_context(link_withheld=True))
        attachments = self._invoice_pdfs(decision.lines.move_id) if level.attach_invoices else []
        # The chatter keeps a note-like copy: nobody is subscribed, no follower is notified;
        # the email itself goes to the recipient only (_send_reminder_email).
        message = (
            partner._collection_quiet(recipient.browse())
            .with_context(mail_notify_force_send=False)
            .message_post(
                body=kept["body_html"],
                subject=kept["subject"],
                author_id=company.partner_id.id,
                email_from=company.email_formatted or None,
                attachments=attachments,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        )
        self._send_reminder_email(message, recipient, sent["body_html"])
        self.env["collection.proportion"]._record_contact(company, partner, message)
        return {"recipient_id": recipient.id, "mail_message_id": message.id}

    def _render_reminder(self, partner, render_context):
        template = self.level_id.mail_template_id
        return {
            field: template._render_field(
                field, partner.ids, compute_lang=True, add_context=render_context
            )[partner.id]
            for field in ("subject", "body_html")
        }

    def _send_reminder_email(self, message, recipient, body):
        """Queue the email of ``message`` to ``recipient`` with ``body`` (the version with the
        link) in Odoo's light layout, the way a mail template with a layout does, and track its
        delivery on the message. The mail is deleted once sent: the secret is then only in the
        customer's mailbox."""
        message_sudo, company = message.sudo(), self.company_id
        lang = recipient.lang or self.partner_id.lang or self.env.lang
        env = self.with_context(lang=lang).env
        layout_values = {
            # Sanitized as the body of a message is (the QR code's data: image is kept).
            "message": env["mail.message"]
            .sudo()
            .new(
                {
                    "body": tools.html_sanitize(body, sanitize_style=True),
                    "record_name": self.partner_id.display_name,
                }
            ),
            "subtype": env["mail.message.subtype"].sudo(),
            "model_description": env["ir.model"]._get("res.partner").display_name,
            "record": self.partner_id,
            "record_name": False,
            "subtitles": False,
            "company": company,
            "email_add_signature": False,
            "signature": "",
            "website_url": "",
            "is_html_empty": is_html_empty,
            "lang": lang,
        }
        html = env["ir.qweb"]._render(
            "mail.mail_notification_light", layout_values, minimal_qcontext=True
        )
        # Outgoing mails and their delivery tracking are the system's records.
        mail_sudo = (
            env["mail.mail"]
            .sudo()
            .create(
                {
                    "mail_message_id": message_sudo.id,
                    "body_html": env["mail.render.mixin"]._replace_local_links(html),
                    "recipient_ids": [fields.Command.link(recipient.id)],
                    "auto_delete": True,
                    "is_notification": True,
                }
            )
        )
        message_sudo.partner_ids = recipient
        env["mail.notification"].sudo().create(
            {
                "mail_message_id": message_sudo.id,
                "mail_mail_id": mail_sudo.id,
                "res_partner_id": recipient.id,
                "notification_type": "email",
                "notification_status": "ready",
                "is_read": True,
            }
        )
        return mail_sudo

    def _execute_sms(self, decision):
        recipient = self._recipient()
        customer = self.partner_id.commercial_partner_id
        if not (recipient.mobile or recipient.phone) and (customer.mobile or customer.phone):
            # The invoice contact has no number at all: the customer's own number serves.
            recipient = customer
        number = recipient._collection_e164(
            self.partner_id.country_id or self.company_id.country_id
        )
        partner = self.partner_id.sudo()
        # The short link to the customer's collections page, not the long invoice link: the
        # SMS is to fit in two segments (see _sms_values).
        link_url = self.env["collection.portal.link"]._mint(partner, self.company_id, action=self)
        render_context = decision.render_context()
        render_context.update(self._sms_values(partner, render_context, link_url))
        body = self.level_id.sms_template_id._render_field(
            "body", partner.ids, compute_lang=True, add_context=render_context
        )[partner.id]
        message = partner._collection_quiet(recipient)._message_sms(
            body,
            partner_ids=recipient.ids,
            sms_pid_to_number={recipient.id: number},
            put_in_queue=True,
        )
        self.env["collection.proportion"]._record_contact(self.company_id, partner, message)
        notification = message.sudo().notification_ids.filtered(
            lambda n: n.notification_type == "sms"
        )[:1]
        return {
            "recipient_id": recipient.id,
            "sms_number": number,
            "mail_message_id": message.id,
            "sms_id": notification.sms_id_int,
        }

    def _sms_values(self, partner, render_context, link_url):
        """Values of the SMS templates, written for a text message in the customer's language,
        calendar and digits: ``sms_amount`` (the overdue amount, plain spaces: a non-breaking
        space would make the SMS UCS-2), ``sms_due_date`` (the first due date of the
        reminder), ``sms_discount`` (the best early-payment discount still open, or "") and
        ``sms_link`` (the short link to the collections page) and ``sms_demand_days`` (the
        days a formal demand gives to pay, in the customer's digits)."""
        lang = partner.lang or self.env.lang
        cf = self.env["res.lang"]._collection_format(lang)
        lang_env = self.with_context(lang=lang).env
        items = render_context.get("items") or []
        due_dates = [item["due_date"] for item in items]
        offers = render_context.get("discount_offers") or []
        discount = ""
        if offers:
            offer = offers[0]
            discount = lang_env._(
                "%(percent)s%% off if paid by %(date)s.",
                percent=cf.digits(offer["percent_text"]),
                date=cf.sms_date(offer["deadline"]),
            )
        currency = render_context.get("currency") or self.company_id.currency_id

        def sms_text(formatted, amount):
            # The totals in the currencies owed when the run computed them ("1,000.00 € +
            # $ 50.00"), else the company-currency figure; plain spaces either way.
            if not formatted:
                return cf.amount(amount or 0.0, currency, sms=True)
            for space in ("\N{NO-BREAK SPACE}", "\N{NARROW NO-BREAK SPACE}"):
                formatted = formatted.replace(space, " ")
            return cf.digits(formatted)

        return {
            "sms_amount": sms_text(
                render_context.get("overdue_totals") and render_context.get("overdue_formatted"),
                render_context.get("overdue"),
            ),
            "sms_total": sms_text(
                render_context.get("overdue_totals") and render_context.get("total_due_formatted"),
                render_context.get("total_due"),
            ),
            "sms_due_date": cf.sms_date(min(due_dates)) if due_dates else "",
            "sms_discount": discount,
            "sms_link": link_url,
            "sms_demand_days": cf.number(7),
        }

    def _execute_letter(self, decision):
        """Keep a copy of the reminder letter on the action. During a run
        (``collection_defer_letters`` in the context) the copy is rendered after the chunk of
        customers the engine processes together, with the chunk's other letters
        (``_render_letters``, called by the engine's ``_render_chunk_letters``)."""
        # edges: the letter states the total in the currencies owed, in the customer's language.
        lang = self._recipient().lang or self.partner_id.lang or self.env.lang
        self.overdue_text = (
            self.env["collection.amounts"]
            .with_context(lang=lang)
            ._currency_values(decision, self.date)["overdue_formatted"]
        )
        if self.env.context.get("collection_defer_letters"):
            return {"recipient_id": self._recipient().id}
        self._render_letters(raise_on_error=True)
        return {"attachment_id": self.attachment_id.id, "recipient_id": self._recipient().id}

    def _render_letters(self, raise_on_error=False):
        """Render the reminder letters of these actions that have no kept copy yet, in one
        batch, and attach each copy to its action. A letter whose rendering fails marks its
        action failed with the reason (or raises, with ``raise_on_error``); the others are
        kept."""
        letters = self.filtered(lambda a: a.channel == "letter" and not a.attachment_id)
        if not letters:
            return
        # The copy kept on the action carries no link: each printing gets its own.
        letters = letters.with_context(collection_letter_archive=True)
        Report = letters.env["ir.actions.report"]
        report_xmlid = "collection_followup.action_report_followup_letter"
        try:
            with self.env.cr.savepoint():
                documents, report_type = Report._collection_render_pdfs(report_xmlid, letters.ids)
        except Exception:  # noqa: BLE001 - rendered one by one below, each failure recorded
            _logger.info("Letters not rendered as a batch", exc_info=True)
            documents, report_type = {}, "pdf"
        for letter in letters:
            try:
                with self.env.cr.savepoint():
                    if letter.id in documents:
                        letter._attach_report(
                            documents[letter.id], report_type, letter._letter_filename()
                        )
                    else:
                        letter._report_attachment(report_xmlid, letter._letter_filename())
            except Exception as error:  # noqa: BLE001 - one letter must not stop the others
                if raise_on_error:
                    raise
                _logger.info("Letter of follow-up %s failed", letter.id, exc_info=True)
                letter.write(
                    {
                        "state": "failed",
                        "error": self.env._("Unexpected error: %(error)s", error=error),
                    }
                )

    def _report_attachment(self, report_xmlid, filename):
        """This action's copy of a report (PDF, or HTML without wkhtmltopdf), attached to it."""
        documents, report_type = self.env["ir.actions.report"]._collection_render_pdfs(
            report_xmlid, self.ids
        )
        return self._attach_report(documents[self.id], report_type, filename)

    def _attach_report(self, content, report_type, filename):
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{filename}.{report_type}",
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
            }
        )
        self.attachment_id = attachment
        return attachment

    def _execute_demand(self, decision):
        """The letter before action: the overdue items and booked fees, the fees and interest
        not booked yet, a final deadline."""
        overdue = self.env["collection.case.file"]._claim_lines(decision.lines, self.date)
        if not overdue:
            raise UserError(
                self.env._(
                    "%(customer)s has nothing overdue to demand.",
                    customer=self.partner_id.display_name,
                )
            )
        self.line_ids = overdue
        attachment = self._report_attachment(
            "collection_followup.action_report_demand_letter", self._demand_filename()
        )
        return {"attachment_id": attachment.id, "recipient_id": self._recipient().id}

    def _demand_filename(self):
        name = self.partner_id.display_name.replace("/", "_")
        return self.env._(
            "Letter before action %(customer)s %(date)s", customer=name, date=self.date
        )

    def _execute_agency(self, decision):
        """Hand the overdue items over to the level's agency, if they are worth it."""
        agency = self.level_id.agency_id  # required by the level when it hands over
        overdue = self.env["collection.case.file"]._claim_lines(decision.lines, self.date)
        error = agency._collection_threshold_error(overdue, self.date)
        if error:
            return {"state": "skipped", "error": error}
        case = self.env["collection.agency.case"].create(
            {
                "agency_id": agency.id,
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "level_id": self.level_id.id,
                "handover_date": self.date,
                "line_ids": [fields.Command.create({"move_line_id": line.id}) for line in overdue],
            }
        )
        return {"agency_case_id": case.id, "recipient_id": agency.partner_id.id}

    def _letter_link(self):
        """The link to the customer's collections page printed on this letter: a new one each
        time the letter is printed, its secret only on the paper; none on the copy kept on the
        action, nor on other channels."""
        self.ensure_one()
        if self.channel != "letter" or self.env.context.get("collection_letter_archive"):
            return ""
        return self.env["collection.portal.link"]._mint(
            self.partner_id, self.company_id, action=self
        )

    @api.model
    def _letter_qr_code(self, link):
        """QR code of ``link``, printed on the letter."""
        return qr_png_data_uri(link)

    def _letter_filename(self):
        name = self.partner_id.display_name.replace("/", "_")
        return self.env._("Reminder %(customer)s %(date)s", customer=name, date=self.date)

    def _execute_call(self, decision):
        partner = self.partner_id
        collector = partner._collection_collector()
        if not collector:
            raise UserError(
                self.env._(
                    "No collector to call %(customer)s: set one on the customer or in the "
                    "accounting settings.",
                    customer=partner.display_name,
                )
            )
        note = self.env["ir.qweb"]._render(
            "collection_followup.followup_call_note",
            {**decision.render_context(), "partner": partner},
        )
        activity = partner.sudo().activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=fields.Date.context_today(self),
            summary=self.env._(
                "Call about %(amount)s overdue",
                amount=tools.format_amount(
                    self.env, decision.situation.overdue, self.company_id.currency_id
                ),
            ),
            note=note,
            user_id=collector.id,
        )
        return {"activity_id": activity.id}

    def _execute_fee(self, decision):
        """Book the level's late fees on the overdue invoices of the items of this action: the
        items that reach or pass the level with this reminder (see the engine's ``_send``)."""
        today = fields.Date.context_today(self)
        # still open: an item paid since an approval was prepared is not charged
        lines = self.line_ids & decision.lines if self.line_ids else decision.lines
        invoices = lines.filtered(lambda line: (line.date_maturity or line.date) < today).move_id
        rule = self.level_id.late_fee_rule_id.sudo()
        fees = rule._charge(invoices, today, today.isoformat())
        if not fees:
            return {
                "state": "skipped",
                "error": self.env._(
                    "No late fee to charge: already charged today, in grace, exempt, or being "
                    "charged by another process at the same moment."
                ),
            }
        fees.action_id = self
        return {}

    def _execute_hold(self, decision):
        # Follow-up bookkeeping on the customer, done for collectors who cannot edit contacts.
        partner = self.partner_id.with_company(self.company_id).sudo()
        if not partner.collection_on_hold:
            partner.write(
                {
                    "collection_on_hold": True,
                    "collection_hold_date": fields.Date.context_today(self),
                }
            )
            partner.message_post(
                body=self.env._(
                    "Put on credit hold at follow-up level “%(level)s”: %(amount)s overdue.",
                    level=self.level_id.name,
                    amount=tools.format_amount(
                        self.env, decision.situation.overdue, self.company_id.currency_id
                    ),
                )
            )
        return {}

    @api.model
    def _invoice_pdfs(self, moves):
        """The PDF of each invoice, as ``[(filename, content)]``: kept copies while the invoice
        is unchanged, the others rendered in one batch (see ``ir.actions.report``)."""
        pdfs = self.env["ir.actions.report"]._collection_invoice_pdfs(moves)
        return [pdfs[move.id] for move in moves if move.id in pdfs]
