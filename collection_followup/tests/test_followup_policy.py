from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CollectionFollowupCommon


@tagged("post_install", "-at_install")
class TestFollowupPolicy(CollectionFollowupCommon):
    def test_default_policy_of_the_company(self):
        self.assertEqual(self.policy.company_id, self.company)
        self.assertEqual(self.levels.mapped("delay"), [-3, 3, 10, 30])
        self.assertEqual(
            self.levels.mapped("name"),
            ["Friendly heads-up", "Gentle reminder", "Firmer reminder", "Formal demand"],
        )
        self.assertEqual(self.levels.mapped("attach_invoices"), [False, True, True, True])
        self.assertTrue(all(self.levels.mapped("send_email")))
        self.assertEqual(
            self.levels.mapped("mail_template_id.subject"),
            [
                "Friendly reminder: payment due soon",
                "Payment reminder",
                "Second reminder: overdue payment",
                "Formal demand for payment",
            ],
        )

    def test_new_company_gets_its_own_policy(self):
        company = self.env["res.company"].create({"name": "Second Branch"})
        policy = company.collection_policy_id
        self.assertEqual(policy.company_id, company)
        self.assertNotEqual(policy, self.policy)
        self.assertEqual(policy._get_levels().mapped("delay"), [-3, 3, 10, 30])

    def test_level_delays_unique_per_policy(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["collection.followup.level"].create(
                {"policy_id": self.policy.id, "name": "Duplicate", "delay": 10, "send_email": False}
            )

    def test_email_level_needs_a_template(self):
        with self.assertRaisesRegex(ValidationError, "choose its email template"):
            self.env["collection.followup.level"].create(
                {
                    "policy_id": self.policy.id,
                    "name": "No template",
                    "delay": 60,
                    "send_email": True,
                }
            )

    def test_access_rights(self):
        collector = new_test_user(
            self.env,
            "collector",
            groups="collection_followup.group_collection_user",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        manager = new_test_user(
            self.env,
            "collection_manager",
            groups="collection_followup.group_collection_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        salesman = new_test_user(
            self.env,
            "salesman",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        # A collector reads the table but cannot change it.
        self.assertEqual(
            self.policy.with_user(collector).level_ids.mapped("delay"), [-3, 3, 10, 30]
        )
        with self.assertRaises(AccessError):
            self.policy.with_user(collector).write({"name": "Changed"})
        # A manager can.
        self.policy.with_user(manager).write({"name": "House rules"})
        self.assertEqual(self.policy.name, "House rules")
        # The audit trail can be read, never deleted, and is closed to non-accountants.
        action = (
            self.env["collection.followup.action"]
            .sudo()  # the engine records actions; nobody creates them by hand
            .create(
                {"partner_id": self.customer.id, "channel": "email", "level_id": self.gentle.id}
            )
        )
        self.assertEqual(action.with_user(collector).level_id, self.gentle)
        with self.assertRaises(AccessError):
            action.with_user(manager).unlink()
        with self.assertRaises(AccessError):
            action.with_user(salesman).read(["state"])
        with self.assertRaises(AccessError):
            self.policy.with_user(salesman).read(["name"])

    def test_policies_are_company_scoped(self):
        other = self.env["res.company"].create({"name": "Elsewhere Inc"})
        manager = new_test_user(
            self.env,
            "scoped_manager",
            groups="collection_followup.group_collection_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        visible = self.env["collection.followup.policy"].with_user(manager).search([])
        self.assertIn(self.policy, visible)
        self.assertNotIn(other.collection_policy_id, visible)
