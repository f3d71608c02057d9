# pylint: disable=consider-merging-classes-inherited
from odoo import fields, models


# Kept apart from res_partner.py: the customer-facing messages of collections (issue 11 keeps
# res_partner.py short).
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
