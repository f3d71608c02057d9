"""18.0.2: collections links are hashed, terms acceptances are a log.

Before, a customer's link secret was stored in clear on the customer (readable by every billing
user, and copied in the chatter): it is dropped, so those links stop opening the page and the
next reminder carries a new link. Terms accepted before are kept as the first entries of the
log of acceptances (the text accepted was not kept then: the entry says so).
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

OLD_COLUMNS = (
    "collection_access_token",
    "collection_token_expiry",
    "collection_portal_window_start",
    "collection_portal_post_count",
    "collection_terms_accepted_on",
    "collection_terms_accepted_by",
    "collection_terms_accepted_ip",
)


def _columns(cr):
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'res_partner' AND column_name IN %s",
            OLD_COLUMNS,
        )
    )
    return {row[0] for row in cr.fetchall()}


def migrate(cr, version):
    columns = _columns(cr)
    if "collection_terms_accepted_on" in columns:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute(
            SQL(
                "SELECT id, company_id, collection_terms_accepted_on, "
                "collection_terms_accepted_by, collection_terms_accepted_ip "
                "FROM res_partner WHERE collection_terms_accepted_on IS NOT NULL"
            )
        )
        rows = cr.fetchall()
        main_company = env["res.company"].search([], order="id", limit=1)
        env["collection.terms.acceptance"].create(
            [
                {
                    "partner_id": partner_id,
                    "company_id": company_id or main_company.id,
                    "date": accepted_on,
                    "accepted_by": accepted_by,
                    "ip_address": ip_address,
                    "terms_version": "before-18.0.2",
                    "terms_text": "Accepted before version 18.0.2: the text was not kept.",
                }
                for partner_id, company_id, accepted_on, accepted_by, ip_address in rows
            ]
        )
    for column in columns:
        cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(column)))
