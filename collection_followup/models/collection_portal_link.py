import hashlib
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq, hmac

from ..const import (
    PORTAL_CODE_ATTEMPTS,
    PORTAL_CODE_DIGITS,
    PORTAL_CODE_MINUTES,
    PORTAL_CODE_RESEND_SECONDS,
    PORTAL_LINK_BYTES,
)


class CollectionPortalLink(models.Model):
    """A link to a customer's collections page, as sent in one reminder: ``/c/<secret>``.

    Only a hash of the secret is stored; the secret itself exists in what was sent (the email,
    the printed letter). Every reminder mints its own link, valid for the company's link
    validity; a manager revokes all the links of a customer at once. A link visitor confirms
    binding acts (accepting terms or a plan, changing the SMS number) with a one-time code
    emailed to the customer's address on file, kept here hashed too.
    """

    _name = "collection.portal.link"
    _description = "Collections Page Link"
    _order = "id desc"

    token_hash = fields.Char(required=True, readonly=True, copy=False)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True,
        ondelete="cascade",
    )  # fmt: skip
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    expiry = fields.Datetime(string="Valid Until", required=True, readonly=True)
    revoked = fields.Boolean(readonly=True)
    revoked_date = fields.Datetime(readonly=True)
    revoked_by_id = fields.Many2one("res.users", string="Revoked By", readonly=True)
    action_id = fields.Many2one(
        "collection.followup.action", string="Sent With", readonly=True, ondelete="set null",
        help="The reminder (email or letter) that carried this link.",
    )  # fmt: skip
    last_used = fields.Datetime(string="Last Opened", readonly=True)
    code_hash = fields.Char(readonly=True, copy=False)
    code_expiry = fields.Datetime(readonly=True, copy=False)
    code_attempts = fields.Integer(readonly=True, copy=False)
    code_sent = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        ("token_hash_unique", "unique(token_hash)", "Two links cannot have the same secret."),
    ]

    def _compute_display_name(self):
        for link in self:
            link.display_name = self.env._(
                "Link of %(customer)s until %(date)s",
                customer=link.partner_id.display_name,
                date=link.expiry,
            )

    # ------------------------------------------------------------------
    # The link
    # ------------------------------------------------------------------

    @staticmethod
    def _hash(secret):
        return hashlib.sha256(secret.encode()).hexdigest()

    @api.model
    def _mint(self, partner, company, action=None):
        """A new link to ``partner``'s page for ``company``; returns its URL, the only place
        where the secret is. Engine bookkeeping: the reminder that carries the link creates it,
        whoever triggered the reminder."""
        partner = partner.commercial_partner_id
        secret = secrets.token_urlsafe(PORTAL_LINK_BYTES)
        self.sudo().create(
            {
                "token_hash": self._hash(secret),
                "partner_id": partner.id,
                "company_id": company.id,
                "expiry": fields.Datetime.now()
                + timedelta(days=company.collection_link_validity_days),
                "action_id": action.id if action else False,
            }
        )
        return f"{partner.get_base_url()}/c/{secret}"

    @api.model
    def _find(self, secret):
        """The valid link whose secret is ``secret`` (sudo-ed), else an empty recordset. The
        lookup is by hash: nothing about the secret can be learnt from its timing."""
        if not secret or len(secret) > 128:
            return self.sudo().browse()
        link = self.sudo().search([("token_hash", "=", self._hash(secret))], limit=1)
        return link if link and link._is_valid() else link.browse()

    def _is_valid(self):
        self.ensure_one()
        return not self.revoked and self.expiry > fields.Datetime.now()

    @api.model
    def _revoke_customer_links(self, partner):
        """Revoke every link of ``partner`` (a manager's decision, kept in the chatter)."""
        if not self.env.user.has_group("collection_followup.group_collection_manager"):
            raise AccessError(self.env._("Only a collections manager can revoke the links."))
        partner = partner.commercial_partner_id
        links_sudo = self.sudo().search(  # the links are not readable by collectors
            [("partner_id", "=", partner.id), ("revoked", "=", False)]
        )
        links_sudo.write(
            {
                "revoked": True,
                "revoked_date": fields.Datetime.now(),
                "revoked_by_id": self.env.user.id,
            }
        )
        partner.sudo().message_post(  # a note on the customer needs no right to edit it
            body=self.env._(
                "Collections page links revoked by %(user)s: the links sent so far no longer "
                "open the page; the next reminder carries a new one.",
                user=self.env.user.name,
            )
        )
        return len(links_sudo)

    @api.autovacuum
    def _gc_expired_links(self):
        """Links expired or revoked more than 90 days ago are of no use any more."""
        limit = fields.Datetime.now() - timedelta(days=90)
        self.sudo().search(
            ["|", ("expiry", "<", limit), "&", ("revoked", "=", True), ("revoked_date", "<", limit)]
        ).unlink()

    # ------------------------------------------------------------------
    # One-time codes for binding acts
    # ------------------------------------------------------------------

    def _code_digest(self, code):
        return hmac(self.env(su=True), "collection-portal-code", f"{self.id}|{code}")

    def _send_code(self):
        """Email a new one-time code to the customer's address on file; returns the address.
        The code is sent in a mail that is deleted once sent, and never posted in a chatter."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self.code_sent and now - self.code_sent < timedelta(seconds=PORTAL_CODE_RESEND_SECONDS):
            raise UserError(
                self.env._("A code was sent a moment ago: please check your mailbox first.")
            )
        recipient = self.partner_id._collection_recipient()
        if not recipient.email:
            raise UserError(
                self.env._(
                    "We have no email address to send you a code: please log in to your portal "
                    "account or contact us."
                )
            )
        code = "".join(secrets.choice("0123456789") for _digit in range(PORTAL_CODE_DIGITS))
        self.write(
            {
                "code_hash": self._code_digest(code),
                "code_expiry": now + timedelta(minutes=PORTAL_CODE_MINUTES),
                "code_attempts": 0,
                "code_sent": now,
            }
        )
        lang = recipient.lang or self.partner_id.lang or self.env.lang
        env = self.with_context(lang=lang).env
        body = env["ir.qweb"]._render(
            "collection_followup.portal_code_email",
            {"code": code, "minutes": PORTAL_CODE_MINUTES, "company": self.company_id},
        )
        mail_sudo = (
            env["mail.mail"]
            .sudo()
            .create(  # outgoing mails are the system's
                {
                    "subject": env._("Your confirmation code: %(code)s", code=code),
                    "body_html": body,
                    "email_from": self.company_id.email_formatted or False,
                    "recipient_ids": [fields.Command.link(recipient.id)],
                    "auto_delete": True,
                }
            )
        )
        mail_sudo.send_after_commit()
        return recipient.email

    def _check_code(self, code):
        """Consume the one-time code: right, not expired, not tried too often. A wrong code
        counts (call this outside any savepoint the caller rolls back); after too many the code
        is void and a new one must be asked for."""
        self.ensure_one()
        if not self.code_hash or self.code_expiry < fields.Datetime.now():
            raise UserError(
                self.env._("Ask for a code first: we email it to your address on file.")
            )
        if self.code_attempts >= PORTAL_CODE_ATTEMPTS:
            self.write({"code_hash": False})
            raise UserError(self.env._("Too many wrong codes: ask for a new one."))
        if not consteq(self._code_digest((code or "").strip()), self.code_hash):
            self.code_attempts += 1
            raise UserError(self.env._("This code is not right: check the last email we sent."))
        self.write({"code_hash": False, "code_expiry": False, "code_attempts": 0})
        return True
