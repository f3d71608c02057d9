import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext


class CollectionTermsAcceptance(models.Model):
    """Evidence that a customer accepted a company's collection terms: when, who, from where,
    and the very text it was shown. Append-only: an acceptance is never changed or deleted, and
    accepting the same terms again adds nothing."""

    _name = "collection.terms.acceptance"
    _description = "Collection Terms Acceptance"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True,
        ondelete="restrict",
    )  # fmt: skip
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    policy_id = fields.Many2one(
        "collection.followup.policy", readonly=True, ondelete="set null", check_company=True
    )
    date = fields.Datetime(string="Accepted On", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Portal User", readonly=True,
        help="The portal user who accepted; empty when it was a visitor with the link.",
    )  # fmt: skip
    link_id = fields.Many2one(
        "collection.portal.link", string="Link", readonly=True, ondelete="set null"
    )
    accepted_by = fields.Char(readonly=True, help="Who accepted, in words.")
    ip_address = fields.Char(string="IP Address", readonly=True)
    lang = fields.Char(string="Language", readonly=True)
    terms_version = fields.Char(
        string="Version", required=True, readonly=True, index=True,
        help="A fingerprint of the terms in English: it changes when the terms change.",
    )  # fmt: skip
    terms_text = fields.Text(
        string="Terms Accepted", required=True, readonly=True,
        help="The terms as the customer read them, in its language.",
    )  # fmt: skip

    def write(self, vals):
        if vals:
            raise UserError(self.env._("An acceptance of the collection terms cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("An acceptance of the collection terms cannot be deleted."))

    # ------------------------------------------------------------------
    # The terms
    # ------------------------------------------------------------------

    @api.model
    def _terms_text(self, policy):
        """The collection terms of ``policy`` in the language of the context, as plain text:
        its terms on invoices, then a sentence per late fee rule. Empty: no terms to accept."""
        if not policy:
            return ""
        parts = []
        if policy.invoice_terms:
            parts.append(html2plaintext(policy.invoice_terms).strip())
        rules = self.env["collection.late.fee.rule"]._policy_rules(policy)
        parts += [
            self.env._("Late payment: %(terms)s.", terms=rule._terms_text()) for rule in rules
        ]
        return "\n".join(part for part in parts if part)

    @api.model
    def _terms_version(self, policy):
        """A fingerprint of ``policy``'s terms, in English whatever the visitor reads."""
        text = self.with_context(lang="en_US")._terms_text(policy.with_context(lang="en_US"))
        return hashlib.sha256(text.encode()).hexdigest()[:16] if text else ""

    @api.model
    def _accepted(self, partner, company, version):
        """The acceptance of these terms by ``partner`` in ``company``, if any."""
        return self.sudo().search(  # evidence read for the page, whoever looks
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
                ("terms_version", "=", version),
            ],
            order="date, id",
            limit=1,
        )

    @api.model
    def _create_from_portal(self, partner, company, version, accepted_by, ip_address, user=None,
                            link=None):  # fmt: skip
        """The customer accepts the terms of ``company`` it was shown (``version``). Refused if
        the terms changed since the page was shown; accepting them again returns the first
        acceptance, never a new date."""
        partner = partner.commercial_partner_id
        policy = (
            partner.with_company(company).collection_policy_id
            or company.sudo().collection_policy_id
        )
        current = self._terms_version(policy)
        if not current:
            raise UserError(self.env._("There are no collection terms to accept."))
        if version != current:
            raise UserError(
                self.env._("The terms changed since you opened the page: please read them again.")
            )
        accepted = self._accepted(partner, company, current)
        if accepted:
            return accepted
        acceptance = self.sudo().create(  # evidence is written by the portal, not by its visitor
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "policy_id": policy.id,
                "date": fields.Datetime.now(),
                "user_id": user.id if user else False,
                "link_id": link.id if link else False,
                "accepted_by": accepted_by,
                "ip_address": ip_address,
                "lang": self.env.lang,
                "terms_version": current,
                "terms_text": self._terms_text(policy),
            }
        )
        partner.sudo().message_post(
            body=self.env._(
                "Collection terms of %(company)s accepted by %(who)s from %(ip)s.",
                company=company.name,
                who=accepted_by,
                ip=ip_address,
            )
        )
        return acceptance
