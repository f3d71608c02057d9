from odoo import api, fields, models

# The default escalation table every company starts with:
# (xmlid suffix of the email template, delay from the due date, attach the invoices).
DEFAULT_LEVELS = [
    ("heads_up", -3, False),
    ("gentle", 3, True),
    ("firm", 10, True),
    ("formal", 30, True),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    collection_policy_id = fields.Many2one(
        "collection.followup.policy",
        string="Default Follow-up Policy",
        help="The collection policy of every customer that has none of its own.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._collection_ensure_default_policy()
        return companies

    def _collection_default_level_names(self):
        _ = self.env._
        return {
            "heads_up": _("Friendly heads-up"),
            "gentle": _("Gentle reminder"),
            "firm": _("Firmer reminder"),
            "formal": _("Formal demand"),
        }

    def _collection_ensure_default_policy(self):
        """Create the default policy and level table of the companies that have none."""
        names = self._collection_default_level_names()
        for company in self.filtered(lambda c: not c.sudo().collection_policy_id):
            policy = (
                self.env["collection.followup.policy"]
                .sudo()
                .create(
                    {
                        "name": self.env._("Standard follow-up"),
                        "company_id": company.id,
                        "level_ids": [
                            fields.Command.create(
                                {
                                    "sequence": sequence,
                                    "name": names[key],
                                    "delay": delay,
                                    "send_email": True,
                                    "mail_template_id": self.env.ref(
                                        f"collection_followup.mail_template_followup_{key}"
                                    ).id,
                                    "attach_invoices": attach,
                                }
                            )
                            for sequence, (key, delay, attach) in enumerate(DEFAULT_LEVELS, 1)
                        ],
                    }
                )
            )
            company.sudo().collection_policy_id = policy
