from odoo import models


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
