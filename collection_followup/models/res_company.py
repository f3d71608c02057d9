from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

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
    collection_min_legal_amount = fields.Monetary(
        string="Minimum for Letters and Legal Steps",
        default=20.0,
        help="Letters, letters before action and agency hand-overs of the follow-up run only "
        "for an overdue amount of at least this much (company currency); below it, the other "
        "channels of the level go alone, and a level with nothing else waits.",
    )
    collection_sending_window = fields.Boolean(
        string="Send Within Working Hours",
        help="The emails and SMS of the follow-up run go within the working hours of the "
        "company's working schedule, in the customer's time zone, never on its public "
        "holidays; outside, they wait for the next window.",
    )
    collection_max_failures = fields.Integer(
        string="Attempts per Channel",
        default=3,
        help="A channel of a reminder that fails (an email bounced before sending, an invalid "
        "number...) is tried again 1, 2, 4... days later; after this many failures in a row it "
        "stops and the collector gets a to-do.",
    )
    collection_arrival_wait_days = fields.Integer(
        string="Wait for Money on Its Way",
        default=3,
        help="Days a reminder waits when a payment of the customer seems to be on its way (a "
        "bank line not matched yet, an online payment pending, a payment not reconciled) or "
        "when the customer replied to a reminder. 0: never wait.",
    )
    collection_responsible_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Who gets the phone-call activities of customers without a collector or salesperson.",
    )
    collection_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=3,
        help="Days after a promised payment date before the promise counts as broken.",
    )
    collection_link_validity_days = fields.Integer(
        string="Collections Link Validity",
        default=30,
        help="Days a customer's collections page link (sent in reminders) stays valid "
        "(1 to 365).",
    )
    collection_promise_horizon_days = fields.Integer(
        string="Promise Horizon",
        default=60,
        help="A promise to pay is for a date at most this many days ahead (1 to 365).",
    )
    collection_promise_min_percent = fields.Float(
        string="Minimum Promise",
        digits=(5, 2),
        default=50.0,
        help="A customer's promise in the portal is for at least this share of what is "
        "overdue (above 0 % and at most 100 %), and at most what it owes.",
    )
    collection_promise_max_broken = fields.Integer(
        string="Broken Promises Before Approval",
        default=2,
        help="After this many broken promises, a customer's new promise in the portal waits "
        "for a collector's approval instead of pausing the reminders (1 to 99).",
    )
    collection_demand_days = fields.Integer(
        string="Letter Before Action Deadline",
        default=14,
        help="Days the customer has to pay after the date of a letter before action.",
    )
    collection_hold_mode = fields.Selection(
        [("warn", "Warn"), ("block", "Block")],
        string="Invoicing Customers on Hold",
        default="block",
        required=True,
        help="What happens when an invoice is posted for a customer on credit hold.",
    )

    collection_loyalty_invoice_count = fields.Integer(
        string="On-Time Invoices for a Reward",
        help="A customer who pays this many invoices in a row on time gets the loyalty reward "
        "(once per run). 0: no loyalty reward.",
    )
    collection_loyalty_reward = fields.Selection(
        [("discount", "Discount on the next invoice"), ("email", "Thank-you email")],
        string="Loyalty Reward",
        default="discount",
        required=True,
    )
    collection_loyalty_percent = fields.Float(
        string="Loyalty Discount %",
        digits="Discount",
        default=2.0,
        help="Discount added to the customer's next invoice when it is posted.",
    )
    collection_loyalty_template_id = fields.Many2one(
        "mail.template",
        string="Thank-You Email",
        domain="[('model', '=', 'res.partner')]",
        help="Empty: the standard thank-you email.",
    )

    @api.constrains(
        "collection_loyalty_invoice_count",
        "collection_loyalty_reward",
        "collection_loyalty_percent",
    )
    def _check_collection_loyalty(self):
        for company in self:
            if company.collection_loyalty_invoice_count < 0:
                raise ValidationError(
                    self.env._("The number of invoices for a loyalty reward cannot be negative.")
                )
            if (
                company.collection_loyalty_invoice_count
                and company.collection_loyalty_reward == "discount"
                and not 0 < company.collection_loyalty_percent < 100
            ):
                raise ValidationError(
                    self.env._("The loyalty discount must be above 0 % and below 100 %.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._collection_ensure_default_policy()
        return companies

    @api.constrains(
        "collection_link_validity_days",
        "collection_promise_horizon_days",
        "collection_promise_min_percent",
        "collection_promise_max_broken",
    )
    def _check_collection_portal_settings(self):
        for company in self:
            if not 1 <= company.collection_link_validity_days <= 365:
                raise ValidationError(self.env._("A collections link is valid from 1 to 365 days."))
            if not 1 <= company.collection_promise_horizon_days <= 365:
                raise ValidationError(self.env._("The promise horizon is from 1 to 365 days."))
            if not 0 < company.collection_promise_min_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The minimum promise is above 0 % and at most 100 % of what is overdue."
                    )
                )
            if not 1 <= company.collection_promise_max_broken <= 99:
                raise ValidationError(
                    self.env._("The number of broken promises before approval is from 1 to 99.")
                )

    @api.constrains("collection_min_days_between", "collection_promise_grace_days")
    def _check_collection_run_settings(self):
        for company in self:
            if not 0 <= company.collection_min_days_between <= 365:
                raise ValidationError(
                    self.env._("The days between two reminders are from 0 to 365.")
                )
            if not 0 <= company.collection_promise_grace_days <= 90:
                raise ValidationError(
                    self.env._("The grace days after a promised date are from 0 to 90.")
                )

    @api.constrains("collection_demand_days")
    def _check_collection_demand_days(self):
        if any(not 1 <= company.collection_demand_days <= 365 for company in self):
            raise ValidationError(
                self.env._(
                    "A letter before action gives the customer at least one day and at most 365."
                )
            )

    def write(self, vals):
        """Companies are the administrators' to edit; the collections settings of a company
        (the ``collection_*`` fields) are also a collections manager's, for the companies the
        manager works in."""
        if (
            vals
            and not self.env.su
            and all(name.startswith("collection_") for name in vals)
            and not self.env.user.has_group("base.group_erp_manager")
            and self.env.user.has_group("collection_followup.group_collection_manager")
        ):
            if self - self.env.user.company_ids:
                raise AccessError(
                    self.env._("You can only change the collections settings of your companies.")
                )
            # A company is written by administrators only: the manager's right to these
            # settings is checked above, and the constraints still apply.
            return super(ResCompany, self.sudo()).write(vals)
        return super().write(vals)

    def action_open_collection_settings(self):
        """The collections settings of the current company (collections managers)."""
        company = self.env.company
        if not self.env.su and not self.env.user.has_group(
            "collection_followup.group_collection_manager"
        ):
            raise AccessError(self.env._("Only a collections manager can change these settings."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Collections Settings"),
            "res_model": "res.company",
            "res_id": company.id,
            "view_mode": "form",
            "views": [
                (self.env.ref("collection_followup.res_company_view_form_collection").id, "form")
            ],
            "target": "current",
        }

    @api.constrains("collection_min_legal_amount")
    def _check_collection_min_legal_amount(self):
        for company in self:
            if company.currency_id.compare_amounts(company.collection_min_legal_amount, 0) < 0:
                raise ValidationError(
                    self.env._("The minimum for letters and legal steps cannot be negative.")
                )

    @api.constrains("collection_max_failures")
    def _check_collection_max_failures(self):
        if any(company.collection_max_failures < 1 for company in self):
            raise ValidationError(self.env._("A channel is attempted at least once."))

    @api.constrains("collection_arrival_wait_days")
    def _check_collection_arrival_wait_days(self):
        if any(company.collection_arrival_wait_days < 0 for company in self):
            raise ValidationError(
                self.env._("The days a reminder waits for money on its way cannot be negative.")
            )

    def _collection_default_level_texts(self):
        """Name and letter text of each default level, in the language of the context."""
        _ = self.env._
        return {
            "heads_up": (
                _("Friendly heads-up"),
                _("<p>A friendly reminder: the following payment will soon be due.</p>"),
            ),
            "gentle": (
                _("Gentle reminder"),
                _(
                    "<p>According to our records, the following amounts are past their due "
                    "date. Perhaps this has been overlooked; if you have already paid, please "
                    "disregard this letter.</p>"
                ),
            ),
            "firm": (
                _("Firmer reminder"),
                _(
                    "<p>Despite our earlier reminder, the following amounts remain unpaid. Please "
                    "settle them within the next few days, or contact us to explain why you "
                    "cannot.</p>"
                ),
            ),
            "formal": (
                _("Formal demand"),
                _(
                    "<p>The following amounts are seriously overdue and our previous reminders "
                    "have gone unanswered. We formally demand payment of the full amount within "
                    "7 days of this letter. Without payment or a reply by then, we will take "
                    "further steps to recover the debt, which may include additional costs.</p>"
                ),
            ),
        }

    def _collection_default_level_vals(self):
        texts = self.with_context(lang="en_US")._collection_default_level_texts()
        return [
            {
                "sequence": sequence,
                "name": texts[key][0],
                "letter_text": texts[key][1],
                "delay": delay,
                "send_email": True,
                "mail_template_id": self.env.ref(
                    f"collection_followup.mail_template_followup_{key}"
                ).id,
                "sms_template_id": self.env.ref(
                    f"collection_followup.sms_template_followup_{key}"
                ).id,
                "attach_invoices": attach,
                **channels,
            }
            for sequence, (key, delay, attach, channels) in enumerate(DEFAULT_LEVELS, 1)
        ]

    def _collection_translate_default_levels(self, levels, langs=None):
        """Store the default levels' texts in ``langs`` (default: every installed language).

        Only the texts a level still has from the default table are translated: a level whose
        English name or letter an accountant changed keeps its own wording.
        """
        fields_ = levels._fields
        source = self.with_context(lang="en_US")._collection_default_level_texts()
        key_by_name = {name: key for key, (name, _letter) in source.items()}
        source_note = fields_["call_note"].default(levels.with_context(lang="en_US"))

        def terms(field, value, translated):
            # HTML fields are translated term by term (paragraphs), as Odoo stores them.
            pairs = zip(
                fields_[field].get_trans_terms(value),
                fields_[field].get_trans_terms(translated),
                strict=True,
            )
            return dict(pairs)

        langs = langs or [code for code, _name in self.env["res.lang"].get_installed()]
        for lang in set(langs) - {"en_US"}:
            texts = self.with_context(lang=lang)._collection_default_level_texts()
            note = fields_["call_note"].default(levels.with_context(lang=lang))
            for level in levels.with_context(lang="en_US"):
                key = key_by_name.get(level.name)
                if not key:
                    continue
                name, letter = texts[key]
                level.update_field_translations("name", {lang: name})
                if level.letter_text == source[key][1]:
                    level.update_field_translations(
                        "letter_text", {lang: terms("letter_text", source[key][1], letter)}
                    )
                if level.call_note == source_note:
                    level.update_field_translations(
                        "call_note", {lang: terms("call_note", source_note, note)}
                    )

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
            self._collection_translate_default_levels(policy.level_ids)
