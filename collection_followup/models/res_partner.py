import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.phone_validation.tools.phone_validation import phone_format

from ..const import AGENCY_OPEN_STATES
from ..tools.followup_logic import Item, build_situation, decide, item_level
from ..tools.qr import qr_png_data_uri
from .collection_discount_rule import format_percent

_logger = logging.getLogger(__name__)


@dataclass
class FollowupDecision:
    """What the follow-up run does for one customer of one company, and why."""

    partner: models.Model
    company: models.Model
    policy: models.Model
    situation: object  # followup_logic.Situation
    action: str  # "send", "reset" or "wait" (see followup_logic.decide)
    level: models.Model  # the level to send, or the level the customer is at
    next_date: object  # datetime.date or None
    lines: models.Model  # account.move.line listed in the reminder
    at_agency: bool = False  # an open collection agency case: the agency chases, we wait
    # edges: money on its way or a reply holds the reminder (collection.arrival)
    holds: list = field(default_factory=list)  # arrival_logic.Signal that make it wait
    held_level: object = None  # the level that waits

    def render_context(self, collections_url="", link_withheld=False):
        """Values for the level's templates, with the items table rendered in the customer's
        language. ``collections_url``: the link to the customer's collections page this
        reminder carries (its QR code is inlined); ``link_withheld``: the copy kept in the
        chatter, which says a link was sent without giving it."""
        env = self.partner.env
        today = fields.Date.context_today(self.partner)
        open_amounts = {item.key: amount for item, amount in self.situation.open_items}
        lines = self.lines.sorted(lambda line: (line.date_maturity or line.date, line.id))
        oldest = lines[:1].move_id
        values = {
            "company": self.company,
            "level": self.level,
            "items": [
                {
                    "move": line.move_id,
                    "due_date": line.date_maturity or line.date,
                    "days_late": (today - (line.date_maturity or line.date)).days,
                    "amount_currency": line.amount_residual_currency,
                    "currency": line.currency_id,
                    "amount": open_amounts[line.id],
                }
                for line in lines
            ],
            "overdue": self.situation.overdue,
            "total_due": self.situation.total_due,
            "currency": self.company.currency_id,
            "pay_url": oldest and oldest.get_base_url() + oldest.get_portal_url() or "",
            "collections_url": collections_url,
            "collections_qr": qr_png_data_uri(collections_url) if collections_url else "",
            "collections_link_withheld": link_withheld,
        }
        lang = self.partner.lang or env.lang
        lang_env = env(context=dict(env.context, lang=lang))
        values["overdue_formatted"] = tools.format_amount(
            lang_env, self.situation.overdue, self.company.currency_id
        )
        values.update(self._discount_values(lang_env, lines.move_id, today))
        # edges: totals in the currencies owed (the company-currency figure is the action's).
        values.update(lang_env["collection.amounts"]._currency_values(self, today))
        # edges: the open credit notes and unmatched payments deducted from what is owed.
        values.update(lang_env["collection.proportion"]._credit_values(self))
        values["items_table"] = lang_env["ir.qweb"]._render(
            "collection_followup.followup_items_table",
            {
                **values,
                "format_date": lambda value: tools.format_date(lang_env, value),
                "format_amount": lambda amount, currency: tools.format_amount(
                    lang_env, amount, currency
                ),
            },
        )
        return values

    @staticmethod
    def _discount_values(lang_env, moves, today):
        """The early-payment discounts the customer still gets on the invoices of the reminder:
        ``discount_offers`` for the email (each offer of account.move._collection_discount_offer
        with its invoice and texts) and ``discount_text`` for the SMS, in the customer's
        language."""
        offers = []
        for move in moves:
            offer = move._collection_discount_offer(today)
            if not offer:
                continue
            offer = {
                **offer,
                "move": move,
                "percent_text": format_percent(lang_env, offer["percent"]),
                "amount_text": tools.format_amount(lang_env, offer["amount"], offer["currency"]),
                "amount_full_text": tools.format_amount(
                    lang_env, offer["amount_full"], offer["currency"]
                ),
                "deadline_text": tools.format_date(lang_env, offer["deadline"]),
            }
            offer["text"] = lang_env._(
                "Invoice %(invoice)s: pay %(amount)s by %(date)s instead of %(full)s "
                "(%(percent)s %% early-payment discount).",
                invoice=move.name,
                amount=offer["amount_text"],
                date=offer["deadline_text"],
                full=offer["amount_full_text"],
                percent=offer["percent_text"],
            )
            offers.append(offer)
        return {
            "discount_offers": offers,
            "discount_text": " ".join(offer["text"] for offer in offers),
        }


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_policy_id = fields.Many2one(
        "collection.followup.policy",
        string="Follow-up Policy",
        company_dependent=True,
        help="Collection terms of this customer. Empty: the company's default policy.",
    )
    collection_excluded = fields.Boolean(
        string="No Follow-up",
        company_dependent=True,
        help="Never send this customer reminders (the run records the levels it skips).",
    )
    collection_responsible_id = fields.Many2one(
        "res.users",
        string="Collector",
        company_dependent=True,
        help="Who calls this customer. Empty: the salesperson, else the company's collector.",
    )
    collection_on_hold = fields.Boolean(
        string="Credit Hold",
        company_dependent=True,
        readonly=True,
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

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends_context("company")
    def _compute_collection_status(self):
        company = self.env.company
        decisions = self._collection_decisions(company, self.commercial_partner_id.ids)
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
        decisions = self._collection_decisions(self.env.company)
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

    def action_collection_demand_letter(self):
        """Print a letter before action now, kept in the follow-up history."""
        self.ensure_one()
        company = self.env.company
        partner = self.commercial_partner_id.with_company(company)
        decision = partner._collection_decisions(company, partner.ids).get(partner.id)
        if not decision or not decision.situation.overdue:
            raise UserError(
                self.env._("%(customer)s has nothing overdue.", customer=partner.display_name)
            )
        action = self.env["collection.followup.action"].create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "channel": "demand",
                "line_ids": [fields.Command.set(decision.lines.ids)],
                "amount_due": decision.situation.overdue,
            }
        )
        action._execute({partner.id: decision})
        if action.state != "done":
            raise UserError(action.error)
        return self.env.ref("collection_followup.action_report_demand_letter").report_action(
            action, config=False
        )

    def action_collection_court_file(self):
        """Print the court case file: statement of account and full history."""
        self.ensure_one()
        return self.env.ref("collection_followup.action_report_court_file").report_action(
            self.commercial_partner_id, data={"company_id": self.env.company.id}, config=False
        )

    def action_collection_revoke_link(self):
        """Revoke every link to the customer's collections page (managers only); the next
        reminder carries a new one."""
        for partner in self:
            self.env["collection.portal.link"]._revoke_customer_links(partner)
        return True

    def _action_set_mobile_from_portal(self, number):
        """The customer gives the mobile number for text messages: stored in E.164 on the
        contact that gets the reminders, or refused with the reason. Called sudo-ed by the
        portal after it checked who the visitor is (and its code, for a link visitor)."""
        self.ensure_one()
        recipient = self._collection_recipient()
        e164 = recipient._collection_e164(
            self.country_id or self.env.company.country_id, number=number
        )
        recipient.mobile = e164
        return e164

    def action_collection_release_hold(self):
        """Lift the credit hold by hand (a manager's decision, kept in the chatter)."""
        if not self.env.user.has_group("collection_followup.group_collection_manager"):
            raise UserError(self.env._("Only a collections manager can lift a credit hold."))
        for partner in self.filtered("collection_on_hold"):
            partner._collection_release_hold(
                self.env._("Credit hold lifted by %(user)s.", user=self.env.user.name)
            )
        return True

    # ------------------------------------------------------------------
    # Decision phase: what each customer gets today, without sending anything
    # ------------------------------------------------------------------

    def _collection_recipient(self):
        """Who receives this customer's reminders: its invoice address, else itself."""
        self.ensure_one()
        return self.browse(self.address_get(["invoice"])["invoice"])

    def _collection_e164(self, fallback_country, number=None):
        """``number`` (default: this contact's mobile, else phone) in E.164, read in the
        contact's country (else ``fallback_country``), or a UserError that says what is wrong."""
        self.ensure_one()
        raw = number if number is not None else (self.mobile or self.phone)
        if not raw:
            raise UserError(
                self.env._("%(customer)s has no mobile number.", customer=self.display_name)
            )
        country = self.country_id or fallback_country
        try:
            return phone_format(raw, country.code, country.phone_code, force_format="E164")
        except UserError as error:
            raise UserError(
                self.env._(
                    "The mobile number %(number)s of %(customer)s is not valid (%(reason)s).",
                    number=raw,
                    customer=self.display_name,
                    reason=error,
                )
            ) from error

    def _collection_collector(self):
        """The user who calls this customer."""
        self.ensure_one()
        return (
            self.collection_responsible_id
            or self.user_id
            or self.env.company.collection_responsible_id
        )

    @api.model
    def _collection_flush_receivables(self):
        """Write pending changes the raw receivable queries read."""
        self.env["account.move.line"].flush_model(
            [
                "account_id",
                "parent_state",
                "reconciled",
                "amount_residual",
                "date_maturity",
                "company_id",
                "partner_id",
                "move_id",
            ]
        )
        self.env["account.account"].flush_model(["account_type"])
        self.env["account.move"].flush_model(["payment_state"])
        self.env["collection.payment.plan"].flush_model(["state", "move_ids"])
        self.env["collection.dispute"].flush_model(["state", "move_id"])
        self.env["collection.agency.case"].flush_model(["state", "partner_id", "company_id"])
        self.flush_model(["commercial_partner_id"])

    @api.model
    def _collection_open_lines(self, company, partner_ids=None):
        """Open receivable lines of the company, per commercial partner, in one query.

        Returns ``{commercial_partner_id: [(line_id, due_date, amount_residual, at_agency),
        ...]}``, amounts in company currency; ``at_agency``: the customer has an open collection
        agency case in the company. Lines of invoices whose payment is blocked, of invoices in
        a payment plan that is in force, and of disputed invoices are left out.
        """
        if partner_ids is not None and not partner_ids:
            return {}
        self._collection_flush_receivables()
        partner_filter = (
            SQL("AND partner.commercial_partner_id IN %s", tuple(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT partner.commercial_partner_id, line.id,
                       COALESCE(line.date_maturity, line.date), line.amount_residual,
                       partner.commercial_partner_id IN (
                        SELECT agency_case.partner_id
                          FROM collection_agency_case agency_case
                         WHERE agency_case.company_id = %(company)s
                           AND agency_case.state IN %(agency_open_states)s)
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_move move ON move.id = line.move_id
                  JOIN res_partner partner ON partner.id = line.partner_id
                 WHERE line.company_id = %(company)s
                   AND account.account_type = 'asset_receivable'
                   AND line.parent_state = 'posted'
                   AND NOT line.reconciled
                   AND line.amount_residual != 0
                   AND move.payment_state IS DISTINCT FROM 'blocked'
                   AND NOT EXISTS (
                        SELECT 1
                          FROM collection_payment_plan_move_rel plan_move
                          JOIN collection_payment_plan plan
                            ON plan.id = plan_move.collection_payment_plan_id
                         WHERE plan_move.account_move_id = move.id
                           AND plan.state IN ('accepted', 'running'))
                   AND NOT EXISTS (
                        SELECT 1
                          FROM collection_dispute dispute
                         WHERE dispute.move_id = move.id
                           AND dispute.state = 'open')
                   %(partner_filter)s
                """,
                company=company.id,
                agency_open_states=AGENCY_OPEN_STATES,
                partner_filter=partner_filter,
            )
        )
        lines = defaultdict(list)
        for partner_id, line_id, due_date, residual, at_agency in self.env.cr.fetchall():
            lines[partner_id].append((line_id, due_date, residual, at_agency))
        return lines

    @api.model
    def _collection_decisions(self, company, partner_ids=None, today=None):
        """Decide, for every customer of ``company`` owing something, what the run does today.

        The number of queries does not depend on the number of customers: one query for the
        open lines, then batched reads of the partners' policies and follow-up state.
        Returns ``{commercial_partner_id: FollowupDecision}``.
        """
        today = today or fields.Date.context_today(self)
        lines_by_partner = self._collection_open_lines(company, partner_ids)
        if partner_ids is None:
            # Customers who paid everything still have a level to reset or a hold to lift.
            partners = self.browse(list(lines_by_partner)).with_company(company)
            partners |= self.with_company(company).search(
                ["|", ("collection_last_level_id", "!=", False), ("collection_on_hold", "=", True)]
            )
        else:
            partners = self.browse(partner_ids).with_company(company)
        default_policy = company.sudo().collection_policy_id
        tolerance = max(company.currency_id.rounding / 2, company.collection_tolerance)
        settings = {
            "step_by_step": not company.collection_skip_levels,
            "min_gap_days": company.collection_min_days_between,
        }
        paused = dict(
            self.env["collection.promise"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "open"),
                    ("pause_until", ">=", today),
                ],
                ["partner_id"],
                ["pause_until:max"],
            )
        )
        Line = self.env["account.move.line"]
        tables = {}  # policy -> (levels in escalation order, their delays)
        decisions = {}
        for partner in partners:
            policy = partner.collection_policy_id or default_policy
            if policy not in tables:
                levels = policy._get_levels() if policy else policy.level_ids
                tables[policy] = (levels, levels.mapped("delay"))
            levels, delays = tables[policy]
            rows = lines_by_partner.get(partner.id, [])
            situation = build_situation([Item(*row[:3]) for row in rows], today, tolerance)
            at_agency = any(row[3] for row in rows)
            due_dates = [item.due_date for item, _amount in situation.open_items]
            last = partner.collection_last_level_id
            action, index, next_date = decide(
                delays,
                due_dates,
                last.delay if last else None,
                today,
                last_sent_date=partner.collection_last_date,
                **settings,
            )
            if action == "send" and at_agency:
                # A collection agency has the case: it chases, we wait until it comes back.
                action, next_date = "wait", None
                index = levels.ids.index(last.id) if last in levels else None
            elif action == "send" and partner in paused:
                # A promise to pay stands: nothing until its date and grace days have passed.
                action, next_date = "wait", paused[partner] + timedelta(days=1)
                index = levels.ids.index(last.id) if last in levels else None
            listed_ids = [
                item.key
                for item, _amount in situation.open_items
                if item.due_date < today or item_level(delays, item.due_date, today) is not None
            ]
            decisions[partner.id] = FollowupDecision(
                partner=partner,
                company=company,
                policy=policy,
                situation=situation,
                action=action,
                level=levels[index] if index is not None else levels.browse(),
                next_date=next_date,
                lines=Line.browse(listed_ids),
                at_agency=at_agency,
            )
        # edges: reminders wait while money is on its way or the customer replied.
        return self.env["collection.arrival"]._hold_decisions(company, decisions, today)

    # ------------------------------------------------------------------
    # Execution phase
    # ------------------------------------------------------------------

    @api.model
    def _collection_run_followup(self, companies, limit=None):
        """Run the follow-up for ``companies``; return the actions recorded.

        Safe to run twice: a customer is processed only after its row is locked, and its
        decision is taken again under the lock, so a level already sent by another worker or an
        earlier run is never sent again. Each customer runs in its own savepoint; one that fails
        is recorded as failed and does not stop the others.
        With ``limit``, at most that many customers are processed and the cron progress is
        reported so that the scheduler calls again for the rest.
        """
        actions = self.env["collection.followup.action"]
        done = remaining = 0
        for company in companies:
            # edges: queued emails and SMS whose sending window has come.
            actions |= self.env["collection.window"].with_company(company)._send_queued(company)
            failed_today = self._collection_failed_today(company)
            pending = [
                partner_id
                for partner_id, decision in self.with_company(company)
                ._collection_decisions(company)
                .items()
                if decision.action == "reset"
                or decision.partner.collection_on_hold
                and not decision.situation.overdue
                or (decision.action == "send" and (partner_id, decision.level) not in failed_today)
                or decision.holds  # edges: record why the reminder waits
            ]
            batch = pending[: max(limit - done, 0)] if limit else pending
            actions |= self.with_company(company)._collection_process(company, batch)
            # edges: failed channels of sent levels are tried again after a back-off.
            actions |= self.env["collection.retry"].with_company(company)._retry_channels(company)
            done += len(batch)
            remaining += len(pending) - len(batch)
        if limit:
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return actions

    @api.model
    def _collection_failed_today(self, company):
        """``{(partner_id, level)}`` that failed on every channel and are not to be tried
        again today (back-off, or stopped after too many failures: see collection.retry)."""
        # edges: retries with a back-off.
        return self.env["collection.retry"]._levels_resting(
            company, fields.Date.context_today(self)
        )

    @api.model
    def _collection_process(self, company, partner_ids):
        actions = self.env["collection.followup.action"]
        if not partner_ids:
            return actions
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(partner_ids),
            )
        )
        locked_ids = [row[0] for row in self.env.cr.fetchall()]
        # Another worker may have committed a reminder since the decisions were taken.
        self.browse(locked_ids).invalidate_recordset(
            ["collection_last_level_id", "collection_last_date", "collection_on_hold"]
        )
        for decision in self._collection_decisions(company, locked_ids).values():
            if decision.partner.collection_on_hold and not decision.situation.overdue:
                decision.partner._collection_release_hold(
                    self.env._("Credit hold lifted: nothing is overdue any more.")
                )
            if decision.action == "reset":
                decision.partner.sudo().write({"collection_last_level_id": decision.level.id})
            elif decision.action == "send":
                actions |= self._collection_send(decision)
            if decision.holds:  # edges: say once why the reminder waits
                actions |= self.env["collection.arrival"]._record_holds(decision)
        return actions

    @api.model
    def _collection_send(self, decision, channels=None):
        """Carry out (or prepare, for approval) the level of ``decision`` on its channels.

        The level counts as sent unless every channel failed; a customer excluded from
        follow-up gets one skipped action per level, so the skip is recorded once.
        """
        level, partner = decision.level, decision.partner
        Action = self.env["collection.followup.action"]
        base = {
            "partner_id": partner.id,
            "company_id": decision.company.id,
            "level_id": level.id,
            "line_ids": [fields.Command.set(decision.lines.ids)],
            "amount_due": decision.situation.overdue,
        }
        skipped = Action
        if not channels:
            # edges: letters and legal steps only for amounts worth them.
            channels, skipped = self.env["collection.proportion"]._split_channels(
                decision, self.env["collection.retry"]._substitute(decision, level._get_channels())
            )
        if partner.collection_excluded or not channels:
            reason = (
                self.env._("The customer is excluded from follow-up.")
                if partner.collection_excluded
                else self.env._("The level has no action.")
            )
            actions = Action.create(
                {
                    **base,
                    "channel": channels[0] if channels else "email",
                    "state": "skipped",
                    "error": reason,
                }
            )
        elif level.requires_approval:
            actions = Action.create(
                [{**base, "channel": channel, "state": "to_approve"} for channel in channels]
            )
        else:
            # edges: emails and SMS outside the customer's sending window are queued.
            now_channels, queued_until = self.env["collection.window"]._split(decision, channels)
            actions = Action.create([{**base, "channel": channel} for channel in now_channels])
            actions._execute({partner.id: decision})
            if queued_until:
                actions |= Action.create(
                    [
                        {**base, "channel": channel, "scheduled_at": queued_until}
                        for channel in channels
                        if channel not in now_channels
                    ]
                )
            if all(state == "failed" for state in actions.mapped("state")):
                return actions | skipped
        actions |= skipped
        last = partner.collection_last_level_id
        values = {"collection_last_date": fields.Date.context_today(self)}
        if not last or level.delay > last.delay:
            values["collection_last_level_id"] = level.id
        # Follow-up state of the customer: the engine's bookkeeping, whoever triggered it.
        partner.sudo().write(values)
        return actions

    def _collection_release_hold(self, reason):
        self.ensure_one()
        partner = self.sudo()  # callers checked the right to lift the hold
        partner.write({"collection_on_hold": False, "collection_hold_date": False})
        partner.message_post(body=reason)
