from odoo import api, fields, models

# The default escalation table every company starts with: (key, delay from the due date,
# attach the invoices, channels besides email). `key` names the level's email and SMS templates.
DEFAULT_LEVELS = [
    ("heads_up", -3, False, {}),
    ("gentle", 3, True, {}),
    ("firm", 10, True, {"send_sms": True}),
    ("formal", 30, True, {"send_sms": True, "send_letter": True}),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    collection_policy_id = fields.Many2one(
        "collection.followup.policy",
        string="Default Follow-up Policy",
        help="The collection policy of every customer that has none of its own.",
    )
    collection_tolerance = fields.Monetary(
        string="Follow-up Tolerance",
        currency_field="currency_id",
        help="Residual amounts up to this are ignored by the follow-up (rounding leftovers).",
    )
    collection_skip_levels = fields.Boolean(
        string="Go Straight to the Level Reached",
        default=True,
        help="A customer found very late gets the level that fits at once. Off: every level "
        "is sent in turn, one per run.",
    )
    collection_min_days_between = fields.Integer(
        string="Days Between Reminders",
        help="At least this many days between two reminders to the same customer.",
    )
    collection_responsible_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Who gets the phone-call activities of customers without a collector or salesperson.",
    )
    collection_hold_mode = fields.Selection(
        [("warn", "Warn"), ("block", "Block")],
        string="Invoicing Customers on Hold",
        default="block",
        required=True,
        help="What happens when an invoice is posted for a customer on credit hold.",
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

    def _collection_default_letter_texts(self):
        _ = self.env._
        return {
            "heads_up": _("<p>A friendly reminder: the following payment will soon be due.</p>"),
            "gentle": _(
                "<p>According to our records, the following amounts are past their due date. "
                "Perhaps this has been overlooked; if you have already paid, please disregard "
                "this letter.</p>"
            ),
            "firm": _(
                "<p>Despite our earlier reminder, the following amounts remain unpaid. Please "
                "settle them within the next few days, or contact us to explain why you cannot.</p>"
            ),
            "formal": _(
                "<p>The following amounts are seriously overdue and our previous reminders have "
                "gone unanswered. We formally demand payment of the full amount within 7 days of "
                "this letter. Without payment or a reply by then, we will take further steps to "
                "recover the debt, which may include additional costs.</p>"
            ),
        }

    def _collection_default_level_vals(self):
        names = self._collection_default_level_names()
        letters = self._collection_default_letter_texts()
        return [
            {
                "sequence": sequence,
                "name": names[key],
                "delay": delay,
                "send_email": True,
                "mail_template_id": self.env.ref(
                    f"collection_followup.mail_template_followup_{key}"
                ).id,
                "sms_template_id": self.env.ref(
                    f"collection_followup.sms_template_followup_{key}"
                ).id,
                "attach_invoices": attach,
                "letter_text": letters[key],
                **channels,
            }
            for sequence, (key, delay, attach, channels) in enumerate(DEFAULT_LEVELS, 1)
        ]

    def _collection_ensure_default_policy(self):
        """Create the default policy and level table of the companies that have none."""
        for company in self.filtered(lambda c: not c.sudo().collection_policy_id):
            policy = (
                self.env["collection.followup.policy"]
                .sudo()
                .create(
                    {
                        "name": self.env._("Standard follow-up"),
                        "company_id": company.id,
                        "level_ids": [
                            fields.Command.create(vals)
                            for vals in self._collection_default_level_vals()
                        ],
                    }
                )
            )
            company.sudo().collection_policy_id = policy
