import importlib.util
from pathlib import Path

from odoo.modules import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..const import PORTAL_LINK_BYTES


@tagged("post_install", "-at_install")
class TestPortalMigration(TransactionCase):
    """Upgrading from 18.0.1: the clear link secrets are dropped, the terms accepted before are
    kept as the first entries of the log."""

    def _migration(self):
        path = Path(get_module_path("collection_followup"), "migrations/18.0.2.0.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("collection_followup_migration_18_0_2", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def _columns(self):
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'res_partner' AND column_name LIKE 'collection_%%'"
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def test_upgrade_drops_clear_secrets_and_keeps_accepted_terms(self):
        customer = self.env["res.partner"].create({"name": "Upgraded Customer"})
        other = self.env["res.partner"].create({"name": "Never Accepted"})
        self.env.cr.execute(
            "ALTER TABLE res_partner ADD COLUMN collection_access_token varchar, "
            "ADD COLUMN collection_token_expiry timestamp, "
            "ADD COLUMN collection_terms_accepted_on timestamp, "
            "ADD COLUMN collection_terms_accepted_by varchar, "
            "ADD COLUMN collection_terms_accepted_ip varchar"
        )
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET collection_access_token = %s, "
                "collection_token_expiry = '2026-12-01', "
                "collection_terms_accepted_on = '2026-01-05 09:30:00', "
                "collection_terms_accepted_by = 'Nora', collection_terms_accepted_ip = '10.1.2.3' "
                "WHERE id = %s",
                "x" * (PORTAL_LINK_BYTES * 2),
                customer.id,
            )
        )
        self._migration().migrate(self.env.cr, "18.0.1.0.0")
        self.assertFalse(
            {"collection_access_token", "collection_token_expiry"} & self._columns(),
            "the clear secrets are gone",
        )
        self.assertNotIn("collection_terms_accepted_on", self._columns())
        acceptance = self.env["collection.terms.acceptance"].search(
            [("partner_id", "in", (customer | other).ids)]
        )
        self.assertRecordValues(
            acceptance,
            [
                {
                    "partner_id": customer.id,
                    "accepted_by": "Nora",
                    "ip_address": "10.1.2.3",
                    "terms_version": "before-18.0.2",
                }
            ],
        )
        self.assertEqual(str(acceptance.date), "2026-01-05 09:30:00")
        customer.invalidate_recordset()
        self.assertEqual(
            str(customer.with_company(acceptance.company_id).collection_terms_accepted_on),
            "2026-01-05 09:30:00",
        )
