from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import AGENCY_OPEN_STATES

# The follow-up state of a customer, and who may change it with a plain write (RPC included).
# The engine writes them as superuser; people go through the buttons, which check the group.
COLLECTION_MANAGER_FIELDS = frozenset({"collection_policy_id", "collection_excluded"})
COLLECTION_USER_FIELDS = frozenset({"collection_responsible_id"})
COLLECTION_ENGINE_FIELDS = frozenset(
    {
        "collection_on_hold",
        "collection_hold_date",
        "collection_last_level_id",
        "collection_last_date",
        "collection_contact_date",
        "collection_contact_message_id",
    }
)
# The evidence of the customer's acceptance of the terms: its own log, appended to from the
# customer's page only.
COLLECTION_TERMS_FIELDS = frozenset(
    {"collection_terms_accepted_on", "collection_terms_accepted_by", "collection_terms_accepted_ip"}
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_policy_id = fields.Many2one(
        "collection.followup.policy",
        string="Follow-up Policy",
        company_dependent=True,
        tracking=True,
        help="Collection terms of this customer. Empty: the company's default policy.",
    )
    collection_excluded = fields.Boolean(
        string="No Follow-up",
        company_dependent=True,
        tracking=True,
        help="Never send this customer reminders (the run records the levels it skips).",
    )
    collection_responsible_id = fields.Many2one(
        "res.users",
        string="Collector",
        company_dependent=True,
        tracking=True,
        help="Who calls this customer. Empty: the salesperson, else the company's collector.",
    )
    collection_on_hold = fields.Boolean(
        string="Credit Hold",
        company_dependent=True,
        readonly=True,
        tracking=True,
        help="Set by a follow-up level; lifted when the overdue items are paid.",
    )
    collection_hold_date = fields.Date(
        string="On Hold Since", company_dependent=True, readonly=True
    )
    collection_last_level_id = fields.Many2one(
        "collection.followup.level",
        string="Last Reminder Level",
        company_dependent=True,
        readonly=True,
        help="The last level sent to this customer in the current episode of unpaid items.",
    )
    collection_last_date = fields.Date(
        string="Last Reminder", company_dependent=True, readonly=True
    )
    collection_contact_date = fields.Date(
        string="Last Collections Message",
        company_dependent=True,
        readonly=True,
        help="The last day the customer had a message about its collections from the company "
        "(reminder, payment plan, milestone): at most one a day.",
    )
    collection_contact_message_id = fields.Many2one(
        "mail.message",
        string="Last Collections Message Sent",
        company_dependent=True,
        readonly=True,
    )
    collection_currency_id = fields.Many2one(
        "res.currency", compute="_compute_collection_status", string="Collection Currency"
    )
    collection_total_due = fields.Monetary(
        string="Total Due",
        compute="_compute_collection_status",
        search="_search_collection_total_due",
        currency_field="collection_currency_id",
    )
    collection_overdue_amount = fields.Monetary(
        string="Overdue",
        compute="_compute_collection_status",
        search="_search_collection_overdue_amount",
        currency_field="collection_currency_id",
    )
    collection_late_fee_preview = fields.Monetary(
        string="Late Fees If Paid Today",
        compute="_compute_collection_late_fee_preview",
        currency_field="collection_currency_id",
        help="What the late fee rules would add to the customer's late invoices of this "
        "company if they were paid today, on top of what was charged (company currency).",
    )
    collection_oldest_due_date = fields.Date(
        string="Oldest Due Date",
        compute="_compute_collection_status",
        help="Due date of the oldest instalment still owed (credits applied to the oldest first).",
    )
    collection_level_id = fields.Many2one(
        "collection.followup.level",
        string="Follow-up Level",
        compute="_compute_collection_status",
        help="The level the customer's unpaid items call for today.",
    )
    collection_next_action_date = fields.Date(
        string="Next Follow-up",
        compute="_compute_collection_status",
        search="_search_collection_next_action_date",
    )
    collection_action_ids = fields.One2many(
        "collection.followup.action", "partner_id", string="Follow-up Actions"
    )
    collection_link_ids = fields.One2many(
        "collection.portal.link",
        "partner_id",
        string="Collections Page Links",
        groups="collection_followup.group_collection_manager",
    )
    collection_terms_acceptance_ids = fields.One2many(
        "collection.terms.acceptance",
        "partner_id",
        string="Terms Acceptances",
        groups="collection_followup.group_collection_user",
    )
    collection_terms_accepted_on = fields.Datetime(
        string="Terms Accepted On",
        compute="_compute_collection_terms_accepted",
        help="When the customer accepted the company's collection terms last (each version "
        "of the terms is accepted once; the log of acceptances keeps every one).",
    )
    collection_terms_accepted_by = fields.Char(
        string="Accepted By", compute="_compute_collection_terms_accepted"
    )
    collection_terms_accepted_ip = fields.Char(
        string="Accepted From",
        compute="_compute_collection_terms_accepted",
        groups="collection_followup.group_collection_user",
    )
    collection_action_count = fields.Integer(compute="_compute_collection_action_count")
    collection_promise_ids = fields.One2many("collection.promise", "partner_id")
    collection_broken_promise_count = fields.Integer(
        compute="_compute_collection_behaviour", string="Broken Promises"
    )
    collection_open_dispute_count = fields.Integer(
        compute="_compute_collection_behaviour", string="Open Disputes"
    )
    collection_loyalty_reward_ids = fields.One2many(
        "collection.loyalty.reward", "partner_id", string="Loyalty Rewards"
    )
    collection_loyalty_streak = fields.Integer(
        string="Invoices Paid on Time in a Row",
        compute="_compute_collection_loyalty_streak",
        help="Invoices paid on time since the last reward or late payment, towards the next "
        "loyalty reward.",
    )
    collection_agency_case_id = fields.Many2one(
        "collection.agency.case",
        compute="_compute_collection_agency_case_id",
        string="Open Agency Case",
        help="The case a collection agency has for this customer in the current company.",
    )
    collection_agency_case_count = fields.Integer(compute="_compute_collection_agency_case_id")
    collection_is_manager = fields.Boolean(
        compute="_compute_collection_is_manager",
        help="The current user decides the customer's policy and exclusion (the views show "
        "them read-only to others; the server checks it on every write).",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_collection_is_manager(self):
        self.collection_is_manager = self.env.user.has_group(
            "collection_followup.group_collection_manager"
        )

    @api.depends_context("company")
    def _compute_collection_status(self):
        company = self.env.company
        # A customer whose data the decision cannot handle shows no figures rather than an
        # error; the run records the reason.
        decisions = self.env["collection.followup.engine"]._decisions(
            company, self.commercial_partner_id.ids, errors={}
        )
        for partner in self:
            decision = decisions.get(partner.commercial_partner_id.id)
            situation = decision.situation if decision else None
            partner.collection_currency_id = company.currency_id
            partner.collection_total_due = situation.total_due if situation else 0.0
            partner.collection_overdue_amount = situation.overdue if situation else 0.0
            partner.collection_oldest_due_date = situation.oldest_due_date if situation else False
            partner.collection_level_id = decision.level if decision else False
            partner.collection_next_action_date = (
                decision.next_date if decision and decision.next_date else False
            )

    @api.depends_context("company")
    def _compute_collection_late_fee_preview(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        for partner in self:
            invoices = self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            )
            partner.collection_late_fee_preview = sum(
                preview["currency"]._convert(preview["amount"], company.currency_id, company, today)
                for preview in invoices._collection_late_fee_preview(today).values()
            )

    @api.depends_context("company")
    def _compute_collection_terms_accepted(self):
        # The evidence is read for display whoever looks; the IP address is for collectors.
        acceptances = (
            self.env["collection.terms.acceptance"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        )
        for partner in self:
            last = acceptances.filtered(
                lambda a, p=partner: a.partner_id == p.commercial_partner_id
            )[:1]
            partner.collection_terms_accepted_on = last.date
            partner.collection_terms_accepted_by = last.accepted_by
            partner.collection_terms_accepted_ip = last.ip_address

    def _compute_collection_action_count(self):
        counts = dict(
            self.env["collection.followup.action"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.collection_action_count = counts.get(partner, 0)

    def _compute_collection_behaviour(self):
        broken = dict(
            self.env["collection.promise"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "broken")],
                ["partner_id"],
                ["__count"],
            )
        )
        disputes = dict(
            self.env["collection.dispute"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "open")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.collection_broken_promise_count = broken.get(partner, 0)
            partner.collection_open_dispute_count = disputes.get(partner, 0)

    @api.depends_context("company")
    def _compute_collection_loyalty_streak(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        Reward = self.env["collection.loyalty.reward"]
        allowed = Reward.has_access("read")
        for partner in self:
            if not allowed or not company.collection_loyalty_invoice_count or not partner.id:
                partner.collection_loyalty_streak = 0
                continue
            _runs, current = Reward._runs_since_last_reward(
                company, partner.commercial_partner_id, today
            )
            partner.collection_loyalty_streak = len(current)

    @api.depends_context("company")
    def _compute_collection_agency_case_id(self):
        cases = self.env["collection.agency.case"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        for partner in self:
            mine = cases.filtered(lambda c, p=partner: c.partner_id == p.commercial_partner_id)
            partner.collection_agency_case_id = mine.filtered(
                lambda c: c.state in AGENCY_OPEN_STATES
            )[:1]
            partner.collection_agency_case_count = len(mine)

    def _collection_search_computed(self, field_name, operator, value):
        """Search on a computed follow-up figure of the current company's customers."""
        decisions = self.env["collection.followup.engine"]._decisions(self.env.company)
        partners = self.browse(list(decisions)).with_company(self.env.company)
        matching = partners.filtered_domain([(field_name, operator, value)])
        return [("id", "in", matching.ids)]

    def _search_collection_total_due(self, operator, value):
        return self._collection_search_computed("collection_total_due", operator, value)

    def _search_collection_overdue_amount(self, operator, value):
        return self._collection_search_computed("collection_overdue_amount", operator, value)

    def _search_collection_next_action_date(self, operator, value):
        return self._collection_search_computed("collection_next_action_date", operator, value)

    # ------------------------------------------------------------------
    # Constraints and CRUD
    # ------------------------------------------------------------------

    @api.constrains("collection_policy_id")
    def _check_collection_policy_company(self):
        company = self.env.company
        for partner in self:
            # Read as superuser: the policy chosen may be one the user cannot read.
            policy = partner.with_company(company).collection_policy_id.sudo()
            if policy and policy.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The follow-up policy “%(policy)s” belongs to %(other)s, not to "
                        "%(company)s.",
                        policy=policy.display_name,
                        other=policy.company_id.display_name,
                        company=company.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._collection_check_state_change({name for name, value in vals.items() if value})
        return super().create(vals_list)

    def write(self, vals):
        self._collection_check_state_change(set(vals))
        if (
            vals
            and not self.env.su
            and set(vals) <= COLLECTION_MANAGER_FIELDS | COLLECTION_USER_FIELDS
            and self.env.user.has_group("collection_followup.group_collection_user")
        ):
            # The customer's follow-up terms are the collections team's, checked above: a
            # collector without the right to edit contacts sets them all the same, on the
            # customers it can see.
            self.check_access("read")
            return super(ResPartner, self.sudo()).write(vals)
        return super().write(vals)

    @api.model
    def _collection_check_state_change(self, field_names):
        """Refuse a plain create/write of a customer's follow-up state by someone whose role
        does not decide it: the hold and the level reached are the engine's (lifted or reset
        by a manager's button), the policy and "No Follow-up" a manager's, the collector a
        collections user's. The superuser (the engine, and the buttons after their check)
        passes."""
        if self.env.su:
            return
        user = self.env.user
        if field_names & COLLECTION_TERMS_FIELDS:
            raise AccessError(
                self.env._(
                    "The acceptance of the collection terms is recorded when the customer "
                    "accepts them on its collections page, never by hand."
                )
            )
        engine = field_names & COLLECTION_ENGINE_FIELDS
        if engine:
            raise AccessError(
                self.env._(
                    "The credit hold and the follow-up level reached are kept by the follow-up "
                    "run; a collections manager lifts a hold or resets the level with the "
                    "buttons of the customer's Follow-up tab."
                )
            )
        if field_names & COLLECTION_MANAGER_FIELDS and not user.has_group(
            "collection_followup.group_collection_manager"
        ):
            raise AccessError(
                self.env._(
                    "Only a collections manager can change a customer's follow-up policy or "
                    "exclude it from follow-up."
                )
            )
        if field_names & COLLECTION_USER_FIELDS and not user.has_group(
            "collection_followup.group_collection_user"
        ):
            raise AccessError(
                self.env._("Only collections users can change a customer's collector.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_collection_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collection_followup.action_collection_followup_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_collection_send_now(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send a reminder now"),
            "res_model": "collection.followup.send",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_collection_handover(self):
        """Hand the customer's overdue items over to a collection agency (wizard)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Hand Over to an Agency"),
            "res_model": "collection.agency.handover",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_view_collection_agency_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collection_followup.action_collection_agency_case"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_collection_revoke_link(self):
        """Revoke every link to the customer's collections page (managers only); the next
        reminder carries a new one."""
        self._collection_check_group("collection_followup.group_collection_manager")
        for partner in self:
            self.env["collection.portal.link"]._revoke_customer_links(partner)
        return True

    def action_collection_release_hold(self):
        """Lift the credit hold by hand (a manager's decision, kept in the chatter)."""
        if not self.env.user.has_group("collection_followup.group_collection_manager"):
            raise UserError(self.env._("Only a collections manager can lift a credit hold."))
        for partner in self.filtered("collection_on_hold"):
            partner._collection_release_hold(
                self.env._("Credit hold lifted by %(user)s.", user=self.env.user.name)
            )
        return True

    def action_collection_reset_level(self):
        """Start the customer's follow-up again from the first level (a manager's decision,
        kept in the chatter): the next run sends the level its overdue items call for."""
        self._collection_check_group("collection_followup.group_collection_manager")
        for partner in self.commercial_partner_id:
            # The level reached is the engine's bookkeeping; the manager's right is checked.
            partner_sudo = partner.sudo()
            previous = partner_sudo.collection_last_level_id
            partner_sudo.write({"collection_last_level_id": False, "collection_last_date": False})
            self.env["collection.followup.engine"]._reset_items(partner, self.env.company)
            partner_sudo.message_post(
                body=self.env._(
                    "Follow-up level reset by %(user)s (was “%(level)s”).",
                    user=self.env.user.name,
                    level=previous.name or "-",
                )
            )
        return True

    def _collection_check_group(self, group_xmlid):
        """Buttons are callable by RPC: check the role server-side."""
        if not self.env.su and not self.env.user.has_group(group_xmlid):
            group = self.env.ref(group_xmlid)
            raise AccessError(
                self.env._("This is for the “%(group)s” group of Collections.", group=group.name)
            )
