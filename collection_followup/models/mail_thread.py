from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        """With ``collection_notify_only`` in the context (a tuple of partner ids), only those
        partners are notified of the message: a reminder is for its recipients, never for the
        followers of the customer (internal users, another company's address...)."""
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        only = self.env.context.get("collection_notify_only")
        if only is None:
            return recipients
        return [recipient for recipient in recipients if recipient["id"] in only]
