# pylint: disable=consider-merging-classes-inherited
from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.phone_validation.tools.phone_validation import phone_format

from ..tools import sms as sms_tools


# Kept apart from res_partner.py: the customer-facing messages and documents of collections,
# who receives them and on which number (issue 11 keeps res_partner.py short).
class ResPartner(models.Model):
    _inherit = "res.partner"

    def _collection_quiet(self, recipients):
        """This customer, ready to post a customer-facing message of collections on its
        chatter: posting subscribes nobody (neither the author nor the recipients) and only
        ``recipients`` are notified; the followers see the message in the chatter only."""
        return self.with_context(
            mail_create_nosubscribe=True,
            mail_post_autofollow=False,
            collection_notify_only=tuple(recipients.ids),
        )

    def _message_post_after_hook(self, message, msg_vals):
        """A reply of the customer to a reminder email (an email received on its thread) gives
        a to-do to the collector of the company whose reminder it answers; that company's next
        reminder waits (see collection.arrival)."""
        result = super()._message_post_after_hook(message, msg_vals)
        if msg_vals.get("message_type") == "email":
            self._collection_reply_todos(message)
        return result

    def _collection_reply_todos(self, message):
        if message.message_type != "email" or len(self) != 1:
            return
        author = message.author_id
        if author.user_ids.filtered(lambda user: not user.share):
            return  # an employee writing, not the customer answering
        # The company answered: the one of the reminder replied to (collection.arrival).
        company = self.env["collection.arrival"]._reply_companies(message)[message.id]
        if not company:
            return
        # Scheduling the to-do is the engine's bookkeeping.
        partner = self.with_company(company).sudo()
        collector = partner._collection_collector()
        if not collector:
            return
        partner.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=self.env._("%(customer)s replied to a reminder", customer=self.name),
            note=message.body,
            user_id=collector.id,
        )

    # ------------------------------------------------------------------
    # Helpers of the follow-up engine (collection.followup.engine)
    # ------------------------------------------------------------------

    def _collection_recipient(self):
        """Who receives this customer's reminders: its invoice address, else itself."""
        self.ensure_one()
        return self.browse(self.address_get(["invoice"])["invoice"])

    def _collection_e164(self, fallback_country, number=None):
        """``number`` (default: this contact's mobile, else phone) in E.164, read in the
        contact's country (else ``fallback_country``), or a UserError that says what is wrong."""
        self.ensure_one()
        raw = number if number is not None else (self.mobile or self.phone)
        if not raw:
            raise UserError(
                self.env._("%(customer)s has no mobile number.", customer=self.display_name)
            )
        country = self.country_id or fallback_country
        try:
            e164 = phone_format(raw, country.code, country.phone_code, force_format="E164")
        except UserError as error:
            raise UserError(
                self.env._(
                    "The mobile number %(number)s of %(customer)s is not valid (%(reason)s).",
                    number=raw,
                    customer=self.display_name,
                    reason=error,
                )
            ) from error
        kind = sms_tools.number_type(e164)
        if kind == "mobile":
            return e164
        _ = self.env._
        values = {"number": e164, "customer": self.display_name}
        if kind == "landline":
            message = _(
                "%(number)s, the number of %(customer)s, is a landline: text messages go to "
                "mobile numbers only.",
                **values,
            )
        elif kind == "toll_free":
            message = _(
                "%(number)s, the number of %(customer)s, is a toll-free number: text messages "
                "go to mobile numbers only.",
                **values,
            )
        else:
            message = _(
                "%(number)s, the number of %(customer)s, is not a mobile number: text messages "
                "go to mobile numbers only.",
                **values,
            )
        raise UserError(message)

    def _collection_collector(self):
        """The user who calls this customer."""
        self.ensure_one()
        return (
            self.collection_responsible_id
            or self.user_id
            or self.env.company.collection_responsible_id
        )

    def _collection_release_hold(self, reason):
        self.ensure_one()
        partner = self.sudo()  # callers checked the right to lift the hold
        partner.write({"collection_on_hold": False, "collection_hold_date": False})
        partner.message_post(body=reason)

    def _action_set_mobile_from_portal(self, number):
        """The customer gives the mobile number for text messages: stored in E.164 on the
        contact that gets the reminders, or refused with the reason. Called sudo-ed by the
        portal after it checked who the visitor is (and its code, for a link visitor)."""
        self.ensure_one()
        recipient = self._collection_recipient()
        e164 = recipient._collection_e164(
            self.country_id or self.env.company.country_id, number=number
        )
        recipient.mobile = e164
        return e164

    # ------------------------------------------------------------------
    # Documents printed for the customer or the court
    # ------------------------------------------------------------------

    def action_collection_demand_letter(self):
        """Print a letter before action now, kept in the follow-up history (collections users)."""
        self.ensure_one()
        self._collection_check_group("collection_followup.group_collection_user")
        company = self.env.company
        partner = self.commercial_partner_id.with_company(company)
        Engine = self.env["collection.followup.engine"]
        decision = Engine._decisions(company, partner.ids).get(partner.id)
        if not decision or not decision.situation.overdue:
            raise UserError(
                self.env._("%(customer)s has nothing overdue.", customer=partner.display_name)
            )
        # The follow-up history is the engine's ledger: recorded as superuser once the
        # collector's right to send a letter before action is checked.
        action = (
            self.env["collection.followup.action"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "channel": "demand",
                    "line_ids": [fields.Command.set(decision.lines.ids)],
                    "amount_due": decision.situation.overdue,
                }
            )
        )
        action._execute({partner.id: decision})
        if action.state != "done":
            raise UserError(action.error)
        return self.env.ref("collection_followup.action_report_demand_letter").report_action(
            action.with_env(self.env), config=False
        )

    def action_collection_court_file(self):
        """Print the court case file: statement of account and full history."""
        self.ensure_one()
        self._collection_check_group("collection_followup.group_collection_user")
        return self.env.ref("collection_followup.action_report_court_file").report_action(
            self.commercial_partner_id, data={"company_id": self.env.company.id}, config=False
        )
