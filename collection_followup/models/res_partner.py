import logging
from collections import defaultdict
from dataclasses import dataclass

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.followup_logic import Item, build_situation, decide, item_level

_logger = logging.getLogger(__name__)


@dataclass
class FollowupDecision:
    """What the follow-up run does for one customer of one company, and why."""

    partner: models.Model
    company: models.Model
    policy: models.Model
    situation: object  # followup_logic.Situation
    action: str  # "send", "reset" or "wait" (see followup_logic.decide)
    level: models.Model  # the level reached (empty recordset: none)
    next_date: object  # datetime.date or None
    lines: models.Model  # account.move.line listed in the reminder


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_policy_id = fields.Many2one(
        "collection.followup.policy",
        string="Follow-up Policy",
        company_dependent=True,
        help="Collection terms of this customer. Empty: the company's default policy.",
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
    collection_oldest_due_date = fields.Date(
        string="Oldest Due Date",
        compute="_compute_collection_status",
        help="Due date of the oldest instalment still owed (credits applied to the oldest first).",
    )
    collection_level_id = fields.Many2one(
        "collection.followup.level",
        string="Follow-up Level",
        compute="_compute_collection_status",
        help="The highest level the customer's unpaid items have reached today.",
    )
    collection_next_action_date = fields.Date(
        string="Next Follow-up",
        compute="_compute_collection_status",
        search="_search_collection_next_action_date",
    )
    collection_action_ids = fields.One2many(
        "collection.followup.action", "partner_id", string="Follow-up Actions"
    )
    collection_action_count = fields.Integer(compute="_compute_collection_action_count")

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

    def _compute_collection_action_count(self):
        counts = dict(
            self.env["collection.followup.action"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.collection_action_count = counts.get(partner, 0)

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

    # ------------------------------------------------------------------
    # Decision phase: what each customer gets today, without sending anything
    # ------------------------------------------------------------------

    @api.model
    def _collection_open_lines(self, company, partner_ids=None):
        """Open receivable lines of the company, per commercial partner, in one query.

        Returns ``{commercial_partner_id: [(line_id, due_date, amount_residual), ...]}``,
        amounts in company currency. Lines of invoices whose payment is blocked are left out.
        """
        self.env["account.move.line"].flush_model(
            ["account_id", "parent_state", "reconciled", "amount_residual", "date_maturity",
             "company_id", "partner_id", "move_id"]
        )
        self.env["account.account"].flush_model(["account_type"])
        self.env["account.move"].flush_model(["payment_state"])
        self.flush_model(["commercial_partner_id"])
        partner_filter = (
            SQL("AND partner.commercial_partner_id IN %s", tuple(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        if partner_ids is not None and not partner_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT partner.commercial_partner_id, line.id,
                       COALESCE(line.date_maturity, line.date), line.amount_residual
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
                   %(partner_filter)s
                """,
                company=company.id,
                partner_filter=partner_filter,
            )
        )
        lines = defaultdict(list)
        for partner_id, line_id, due_date, residual in self.env.cr.fetchall():
            lines[partner_id].append((line_id, due_date, residual))
        return lines

    @api.model
    def _collection_decisions(self, company, partner_ids=None, today=None):
        """Decide, for every customer of ``company`` owing something, what the run does today.

        The number of queries does not depend on the number of customers: one query for the
        open lines, then batched reads of the partners' policies and last levels.
        Returns ``{commercial_partner_id: FollowupDecision}``.
        """
        today = today or fields.Date.context_today(self)
        lines_by_partner = self._collection_open_lines(company, partner_ids)
        if partner_ids is None:
            # Customers who paid everything still have their last level to reset.
            partners = self.browse(list(lines_by_partner)).with_company(company)
            partners |= self.with_company(company).search(
                [("collection_last_level_id", "!=", False)]
            )
        else:
            partners = self.browse(partner_ids).with_company(company)
        default_policy = company.sudo().collection_policy_id
        tolerance = company.currency_id.rounding / 2
        Line = self.env["account.move.line"]
        tables = {}  # policy -> (levels in escalation order, their delays)
        decisions = {}
        for partner in partners:
            policy = partner.collection_policy_id or default_policy
            if policy not in tables:
                levels = policy._get_levels() if policy else policy.level_ids
                tables[policy] = (levels, levels.mapped("delay"))
            levels, delays = tables[policy]
            situation = build_situation(
                [Item(*row) for row in lines_by_partner.get(partner.id, [])], today, tolerance
            )
            due_dates = [item.due_date for item, _amount in situation.open_items]
            last = partner.collection_last_level_id
            action, index, next_date = decide(
                delays, due_dates, last.delay if last else None, today
            )
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
            )
        return decisions

    # ------------------------------------------------------------------
    # Execution phase
    # ------------------------------------------------------------------

    @api.model
    def _collection_run_followup(self, companies, limit=None):
        """Run the follow-up for ``companies``; return the actions recorded.

        Safe to run twice: a customer is processed only after its row is locked, and its
        decision is taken again under the lock, so a level already sent by another worker or an
        earlier run is never sent again. Each customer runs in its own savepoint; one that fails
        is recorded as a failed action and does not stop the others.
        With ``limit``, at most that many customers are processed and the cron progress is
        reported so that the scheduler calls again for the rest.
        """
        actions = self.env["collection.followup.action"]
        done = remaining = 0
        for company in companies:
            failed_today = self._collection_failed_today(company)
            pending = [
                partner_id
                for partner_id, decision in self.with_company(company)
                ._collection_decisions(company)
                .items()
                if decision.action == "reset"
                or (decision.action == "send" and (partner_id, decision.level) not in failed_today)
            ]
            batch = pending[: max(limit - done, 0)] if limit else pending
            actions |= self.with_company(company)._collection_process(company, batch)
            done += len(batch)
            remaining += len(pending) - len(batch)
        if limit:
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return actions

    @api.model
    def _collection_failed_today(self, company):
        """``{(partner_id, level)}`` whose reminder failed today: retried tomorrow, not in a loop."""
        groups = self.env["collection.followup.action"]._read_group(
            [
                ("company_id", "=", company.id),
                ("state", "=", "failed"),
                ("date", "=", fields.Date.context_today(self)),
            ],
            ["partner_id", "level_id"],
        )
        return {(partner.id, level) for partner, level in groups}

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
            ["collection_last_level_id", "collection_last_date"]
        )
        for decision in self._collection_decisions(company, locked_ids).values():
            if decision.action == "reset":
                decision.partner.write({"collection_last_level_id": decision.level.id})
            elif decision.action == "send":
                actions |= self._collection_send_safely(decision)
        return actions

    @api.model
    def _collection_send_safely(self, decision):
        """Send in a savepoint: a customer that fails is recorded as a failed action."""
        try:
            with self.env.cr.savepoint():
                return self._collection_send(decision)
        except UserError as error:  # bad data (no email...): said on the action
            message = str(error)
            _logger.info("Follow-up of customer %s not sent: %s", decision.partner.id, message)
        except Exception as error:  # noqa: BLE001 - one bad customer must not stop the run
            message = self.env._("Unexpected error: %(error)s", error=error)
            _logger.warning(
                "Follow-up of customer %s failed", decision.partner.id, exc_info=True
            )
        return self.env["collection.followup.action"].create(
            self._collection_action_vals(decision, state="failed", error=message)
        )

    @api.model
    def _collection_action_vals(self, decision, **values):
        return {
            "partner_id": decision.partner.id,
            "company_id": decision.company.id,
            "level_id": decision.level.id,
            "channel": "email",
            "line_ids": [fields.Command.set(decision.lines.ids)],
            "amount_due": decision.situation.overdue,
            **values,
        }

    @api.model
    def _collection_send(self, decision):
        """Send the reminder of ``decision.level`` and record it."""
        partner, level = decision.partner, decision.level
        vals = {"state": "done"}
        if level.send_email:
            recipient = self.browse(partner.address_get(["invoice"])["invoice"])
            vals["recipient_id"] = recipient.id
            if not recipient.email:
                raise UserError(
                    self.env._(
                        "%(customer)s has no email address for invoices.",
                        customer=recipient.display_name,
                    )
                )
            vals["mail_message_id"] = self._collection_post_email(decision, recipient).id
        partner.write(
            {
                "collection_last_level_id": level.id,
                "collection_last_date": fields.Date.context_today(self),
            }
        )
        return self.env["collection.followup.action"].create(
            self._collection_action_vals(decision, **vals)
        )

    @api.model
    def _collection_post_email(self, decision, recipient):
        partner, level, company = decision.partner, decision.level, decision.company
        template = level.mail_template_id
        render_context = self._collection_render_context(decision)
        subject = template._render_field(
            "subject", partner.ids, compute_lang=True, add_context=render_context
        )[partner.id]
        body = template._render_field(
            "body_html", partner.ids, compute_lang=True, add_context=render_context
        )[partner.id]
        attachments = (
            self._collection_invoice_pdfs(decision.lines.move_id) if level.attach_invoices else []
        )
        return partner.with_context(mail_notify_force_send=False).message_post(
            body=body,
            subject=subject,
            partner_ids=recipient.ids,
            author_id=company.partner_id.id,
            email_from=company.email_formatted or None,
            attachments=attachments,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )

    @api.model
    def _collection_render_context(self, decision):
        """Values given to the level's email template, with the items table already rendered
        in the customer's language."""
        situation = decision.situation
        open_amounts = {item.key: amount for item, amount in situation.open_items}
        today = fields.Date.context_today(self)
        values = {
            "company": decision.company,
            "level": decision.level,
            "items": [
                {
                    "move": line.move_id,
                    "due_date": line.date_maturity or line.date,
                    "days_late": (today - (line.date_maturity or line.date)).days,
                    "amount_currency": line.amount_residual_currency,
                    "currency": line.currency_id,
                    "amount": open_amounts[line.id],
                }
                for line in decision.lines.sorted(lambda l: (l.date_maturity or l.date, l.id))
            ],
            "overdue": situation.overdue,
            "total_due": situation.total_due,
            "currency": decision.company.currency_id,
        }
        lang = decision.partner.lang or self.env.lang
        values["items_table"] = (
            self.env["ir.qweb"]
            .with_context(lang=lang)
            ._render(
                "collection_followup.followup_items_table",
                {**values, **self._collection_format_helpers(lang)},
            )
        )
        return values

    @api.model
    def _collection_format_helpers(self, lang):
        env = self.with_context(lang=lang).env
        return {
            "format_date": lambda value: tools.format_date(env, value),
            "format_amount": lambda amount, currency: tools.format_amount(env, amount, currency),
        }

    @api.model
    def _collection_invoice_pdfs(self, moves):
        """The current PDF of each invoice, as ``[(filename, content)]``, rendered in one batch."""
        invoices = moves.filtered(lambda m: m.is_invoice(include_receipts=True))
        if not invoices:
            return []
        report = self.env["ir.actions.report"]
        content, report_type = report._pre_render_qweb_pdf(
            "account.account_invoices", invoices.ids
        )
        by_id = report._get_splitted_report("account.account_invoices", content, report_type)
        return [
            (invoice._get_invoice_report_filename(extension=report_type), by_id[invoice.id])
            for invoice in invoices
        ]
