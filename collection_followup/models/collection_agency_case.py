from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from ..const import AGENCY_CASE_STATES, AGENCY_OPEN_STATES


class CollectionAgencyCase(models.Model):
    """A customer's overdue items handed over to a collection agency.

    handed over → collecting → partly collected (money came in) → collected (every item paid),
    or returned by the agency from any open state (the follow-up resumes). Each payment on the
    items while the case is open is recorded with the agency's commission; a payment unmatched
    from the items takes its commission back, and a collected case reopens.
    """

    _name = "collection.agency.case"
    _description = "Collection Agency Case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "handover_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    agency_id = fields.Many2one(
        "collection.agency",
        string="Agency",
        required=True,
        check_company=True,
        tracking=True,
        domain="[('company_id', '=', company_id)]",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        AGENCY_CASE_STATES,
        required=True,
        default="handed_over",
        tracking=True,
        index=True,
        copy=False,
    )
    handover_date = fields.Date(
        string="Handed Over On", required=True, default=fields.Date.context_today, readonly=True
    )
    collecting_date = fields.Date(string="Collecting Since", readonly=True, copy=False)
    partly_collected_date = fields.Date(string="First Payment On", readonly=True, copy=False)
    collected_date = fields.Date(string="Collected On", readonly=True, copy=False)
    returned_date = fields.Date(string="Returned On", readonly=True, copy=False)
    commission_percent = fields.Float(
        string="Commission (%)",
        digits=(5, 2),
        compute="_compute_commission_percent",
        store=True,
        readonly=False,
        precompute=True,
        help="The agency's commission on what the customer pays while the case is open.",
    )
    level_id = fields.Many2one(
        "collection.followup.level", string="Handed Over at Level", readonly=True
    )
    line_ids = fields.One2many("collection.agency.case.line", "case_id", string="Items")
    commission_ids = fields.One2many(
        "collection.agency.commission", "case_id", string="Collections", readonly=True
    )
    prior_partial_ids = fields.Many2many(
        "account.partial.reconcile",
        string="Earlier Matchings",
        readonly=True,
        copy=False,
        help="Payments and credits already matched with the items when they were handed over: "
        "not the agency's.",
    )
    amount_handover = fields.Monetary(string="Handed Over", compute="_compute_amounts", store=True)
    amount_open = fields.Monetary(string="Still Owed", compute="_compute_amounts", store=True)
    amount_collected = fields.Monetary(
        string="Collected", compute="_compute_commission_amounts", store=True
    )
    amount_commission = fields.Monetary(
        string="Commission", compute="_compute_commission_amounts", store=True
    )
    amount_to_bill = fields.Monetary(
        string="Commission to Bill", compute="_compute_commission_amounts", store=True
    )
    bill_ids = fields.Many2many(
        "account.move", string="Commission Bills", compute="_compute_bill_ids"
    )
    bill_count = fields.Integer(compute="_compute_bill_ids")
    note = fields.Text()

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("agency_id")
    def _compute_commission_percent(self):
        for case in self:
            case.commission_percent = case.agency_id.commission_percent

    @api.depends("line_ids.amount_handover", "line_ids.amount_open")
    def _compute_amounts(self):
        for case in self:
            case.amount_handover = sum(case.line_ids.mapped("amount_handover"))
            case.amount_open = sum(case.line_ids.mapped("amount_open"))

    @api.depends(
        "commission_ids.amount_collected",
        "commission_ids.amount_commission",
        "commission_ids.bill_id",
    )
    def _compute_commission_amounts(self):
        for case in self:
            commissions = case.commission_ids
            case.amount_collected = sum(commissions.mapped("amount_collected"))
            case.amount_commission = sum(commissions.mapped("amount_commission"))
            case.amount_to_bill = sum(
                commissions.filtered(lambda c: not c.bill_id).mapped("amount_commission")
            )

    @api.depends("commission_ids.bill_id")
    def _compute_bill_ids(self):
        for case in self:
            case.bill_ids = case.commission_ids.bill_id
            case.bill_count = len(case.bill_ids)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("partner_id"):
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        cases = super().create(vals_list)
        for case in cases:
            case._check_handover()
            case.write(
                {
                    "name": self.env["ir.sequence"]
                    .with_company(case.company_id)
                    .next_by_code("collection.agency.case", sequence_date=case.handover_date)
                    or "/",
                    "prior_partial_ids": [
                        fields.Command.set(
                            (
                                case.line_ids.move_line_id.matched_debit_ids
                                | case.line_ids.move_line_id.matched_credit_ids
                            ).ids
                        )
                    ],
                }
            )
            message = self.env._(
                "Handed over to %(agency)s (case %(case)s): %(amount)s. The follow-up waits "
                "while the agency has the case.",
                agency=case.agency_id.display_name,
                case=case.name,
                amount=tools.format_amount(self.env, case.amount_handover, case.currency_id),
            )
            case.message_post(body=message)
            # The customer's chatter is the collectors' record, whoever may edit the contact.
            case.partner_id.sudo().message_post(body=message)
        return cases

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_collections(self):
        if self.commission_ids:
            raise UserError(
                self.env._("A case with recorded collections cannot be deleted: return it.")
            )

    def _check_handover(self):
        """The items are the customer's open receivable items of the case's company, none of
        them already at an agency, and the customer has no other open case there."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("Choose the items to hand over."))
        for line in self.line_ids.move_line_id:
            if (
                line.account_type != "asset_receivable"
                or line.parent_state != "posted"
                or line.reconciled
                or line.company_id != self.company_id
                or line.partner_id.commercial_partner_id != self.partner_id
            ):
                raise UserError(
                    self.env._(
                        "%(item)s is not an open receivable item of %(customer)s in %(company)s.",
                        item=line.move_id.name,
                        customer=self.partner_id.display_name,
                        company=self.company_id.name,
                    )
                )
        other = self.search(
            [
                ("id", "!=", self.id),
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("state", "in", AGENCY_OPEN_STATES),
            ],
            limit=1,
        )
        if other:
            raise UserError(
                self.env._(
                    "%(customer)s is already with %(agency)s (case %(case)s).",
                    customer=self.partner_id.display_name,
                    agency=other.agency_id.display_name,
                    case=other.name,
                )
            )

    # ------------------------------------------------------------------
    # Buttons: the state machine
    # ------------------------------------------------------------------

    def _check_state(self, allowed, transition):
        labels = dict(AGENCY_CASE_STATES)
        for case in self:
            if case.state not in allowed:
                raise UserError(
                    self.env._(
                        "Case %(case)s is %(state)s: it cannot %(transition)s.",
                        case=case.name,
                        state=labels[case.state].lower(),
                        transition=transition,
                    )
                )

    def action_collecting(self):
        """The agency confirms it has taken the case on."""
        self._check_state(("handed_over",), self.env._("start collecting"))
        self.write({"state": "collecting", "collecting_date": fields.Date.context_today(self)})
        return True

    def action_return(self):
        """The agency gives the case back: what is still owed is followed up again by us."""
        self._check_state(AGENCY_OPEN_STATES, self.env._("be returned"))
        self.write({"state": "returned", "returned_date": fields.Date.context_today(self)})
        for case in self:
            message = self.env._(
                "Case %(case)s returned by %(agency)s with %(amount)s still owed: the "
                "follow-up resumes.",
                case=case.name,
                agency=case.agency_id.display_name,
                amount=tools.format_amount(self.env, case.amount_open, case.currency_id),
            )
            case.message_post(body=message)
            case.partner_id.sudo().message_post(body=message)
        return True

    def action_create_commission_bill(self):
        """One draft vendor bill of the agency for the commission not billed yet (a vendor
        credit note when commissions taken back outweigh the new ones). Commissions are booked
        money: billing them is a collections manager's."""
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group(
            "collection_followup.group_collection_manager"
        ):
            raise AccessError(
                self.env._("Only a collections manager can bill an agency's commission.")
            )
        commissions = self.commission_ids.filtered(lambda c: not c.bill_id)
        total = self.currency_id.round(sum(commissions.mapped("amount_commission")))
        if not commissions or self.currency_id.is_zero(total):
            raise UserError(
                self.env._("Case %(case)s has no commission left to bill.", case=self.name)
            )
        bill = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(self._prepare_commission_bill_vals(commissions, total))
        )
        # Commissions are the engine's ledger (read-only for people): the bill they are on is
        # recorded as superuser, the manager being checked above.
        commissions.sudo().bill_id = bill
        self.message_post(
            body=self.env._(
                "Commission of %(amount)s put on the draft vendor bill of %(agency)s.",
                amount=tools.format_amount(self.env, total, self.currency_id),
                agency=self.agency_id.display_name,
            )
            if bill.move_type == "in_invoice"
            else self.env._(
                "Commission of %(amount)s taken back on a draft vendor credit note of "
                "%(agency)s.",
                amount=tools.format_amount(self.env, -total, self.currency_id),
                agency=self.agency_id.display_name,
            )
        )
        return bill._get_records_action(name=self.env._("Commission Bill"))

    def action_view_bills(self):
        self.ensure_one()
        return self.bill_ids._get_records_action(name=self.env._("Commission Bills"))

    def action_export_csv(self):
        """Download the case file as CSV (columns documented in the README)."""
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self._case_file_name()}.csv",
                "raw": self.env["collection.case.file"]._case_csv(self),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _case_file_name(self):
        return self.env._(
            "Case file %(case)s %(customer)s",
            case=self.name.replace("/", "-"),
            customer=self.partner_id.display_name.replace("/", "_"),
        )

    def _prepare_commission_bill_vals(self, commissions, total):
        self.ensure_one()
        sign = 1 if self.currency_id.compare_amounts(total, 0) > 0 else -1
        return {
            "move_type": "in_invoice" if sign > 0 else "in_refund",
            "partner_id": self.agency_id.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "ref": self.name,
            "invoice_origin": self.name,
            "invoice_line_ids": [
                fields.Command.create(commission._prepare_bill_line_vals(sign))
                for commission in commissions
            ],
        }

    # ------------------------------------------------------------------
    # Money coming in
    # ------------------------------------------------------------------

    @api.model
    def _collection_on_reconcile(self, lines):
        """Record the payments on the items of open cases among ``lines`` and move the cases on.

        Called after any reconciliation of receivable lines, by whoever registers the payment
        (an invoicing user may have no rights on agency cases): the bookkeeping of the cases is
        the engine's, done as superuser on the cases of those lines only."""
        case_lines = (
            self.env["collection.agency.case.line"]
            .sudo()
            .search(
                [("move_line_id", "in", lines.ids), ("case_id.state", "in", AGENCY_OPEN_STATES)]
            )
        )
        case_lines.case_id._collection_record_collections()

    def _collection_record_collections(self):
        """A commission line for each payment matched with the items since the handover.

        Only money counts: payments and bank statement lines dated from the handover on; credit
        notes and write-offs lower what is owed but bring no commission, and a payment the
        customer made before the handover is not the agency's, even when it is matched again
        later. Safe to call again: a matching already recorded (or there before the handover)
        is skipped."""
        vals_list = []
        for case in self.filtered(lambda c: c.state in AGENCY_OPEN_STATES):
            known = case.commission_ids.partial_id | case.prior_partial_ids
            for item in case.line_ids.move_line_id:
                for partial in (item.matched_credit_ids | item.matched_debit_ids) - known:
                    counterpart = (
                        partial.credit_move_id
                        if partial.debit_move_id == item
                        else partial.debit_move_id
                    )
                    money = counterpart.move_id
                    if (
                        not (money.origin_payment_id or money.statement_line_id)
                        or money.date < case.handover_date
                    ):
                        continue
                    vals_list.append(case._prepare_commission_vals(partial, item, money))
        # Commissions are the engine's ledger, read-only for people: recorded as superuser.
        commissions = self.env["collection.agency.commission"].sudo().create(vals_list)
        for commission in commissions:
            commission.case_id.message_post(
                body=self.env._(
                    "%(amount)s received on %(invoice)s: commission %(commission)s.",
                    amount=tools.format_amount(
                        self.env, commission.amount_collected, commission.currency_id
                    ),
                    invoice=commission.move_id.name,
                    commission=tools.format_amount(
                        self.env, commission.amount_commission, commission.currency_id
                    ),
                )
            )
        self._collection_update_state()
        return commissions

    def _prepare_commission_vals(self, partial, item, money):
        self.ensure_one()
        return {
            "case_id": self.id,
            "date": partial.max_date,
            "partial_id": partial.id,
            "move_id": item.move_id.id,
            "payment_move_id": money.id,
            "amount_collected": partial.amount,
            "commission_percent": self.commission_percent,
            "amount_commission": self.currency_id.round(
                partial.amount * self.commission_percent / 100
            ),
        }

    @api.model
    def _collection_before_unreconcile(self, partials):
        """What the matchings ``partials`` (about to be removed) leave to settle: the
        commissions recorded on them, and the collected or open cases of the items they match.
        Handed to :meth:`_collection_after_unreconcile` once the matchings are gone.

        Called by whoever unmatches a payment (an invoicing user may have no rights on agency
        cases): the cases and their commissions are the engine's ledger, read and kept as
        superuser."""
        commissions_sudo = (
            self.env["collection.agency.commission"]
            .sudo()
            .search([("partial_id", "in", partials.ids)])
        )
        cases_sudo = (
            self.env["collection.agency.case.line"]
            .sudo()
            .search(
                [
                    ("move_line_id", "in", (partials.debit_move_id | partials.credit_move_id).ids),
                    ("case_id.state", "in", (*AGENCY_OPEN_STATES, "collected")),
                ]
            )
            .case_id
        )
        return commissions_sudo, cases_sudo

    @api.model
    def _collection_after_unreconcile(self, commissions, cases):
        """``commissions`` lost the matching they came from: remove those not billed yet and
        record a reversal line for those on a vendor bill. Then ``cases`` whose items are owed
        again reopen if they were collected."""
        commissions = commissions.exists()
        billed = commissions.filtered("bill_id")
        reversals = (
            self.env["collection.agency.commission"]
            .sudo()
            .create([commission._prepare_reversal_vals() for commission in billed])
        )
        for commission in commissions:
            reversal = reversals.filtered(lambda r, c=commission: r.reversed_id == c)
            amount = tools.format_amount(
                self.env, commission.amount_collected, commission.currency_id
            )
            amount_commission = tools.format_amount(
                self.env, commission.amount_commission, commission.currency_id
            )
            message = (
                self.env._(
                    "The payment of %(amount)s on %(invoice)s was unmatched: its commission "
                    "%(commission)s, already billed, is taken back on the next commission bill.",
                    amount=amount,
                    invoice=commission.move_id.name,
                    commission=amount_commission,
                )
                if reversal
                else self.env._(
                    "The payment of %(amount)s on %(invoice)s was unmatched: its commission "
                    "%(commission)s is removed.",
                    amount=amount,
                    invoice=commission.move_id.name,
                    commission=amount_commission,
                )
            )
            commission.case_id.message_post(body=message)
        cases = (cases | commissions.case_id).exists()
        (commissions - billed).unlink()
        cases._collection_update_state()

    def _collection_update_state(self):
        """Every item paid: collected. Some money in: partly collected. A collected case whose
        payments were unmatched reopens: partly collected if some money stays collected, else
        collecting (handed over if the agency never confirmed it took the case on)."""
        today = fields.Date.context_today(self)
        for case in self.filtered(lambda c: c.state in (*AGENCY_OPEN_STATES, "collected")):
            currency = case.currency_id
            paid = all(currency.is_zero(line.amount_open) for line in case.line_ids)
            collected = currency.compare_amounts(case.amount_collected, 0) > 0
            if case.state != "collected" and paid:
                case.write({"state": "collected", "collected_date": today})
                message = self.env._("Case %(case)s collected: every item is paid.", case=case.name)
                case.message_post(body=message)
                case.partner_id.message_post(body=message)
            elif case.state == "collected" and not paid:
                state = case._collection_open_state(collected)
                case.write({"state": state, "collected_date": False})
                message = self.env._(
                    "Case %(case)s reopened: a payment was unmatched and %(amount)s is owed "
                    "again. The follow-up waits while the agency has the case.",
                    case=case.name,
                    amount=tools.format_amount(self.env, case.amount_open, currency),
                )
                case.message_post(body=message)
                case.partner_id.message_post(body=message)
            elif case.state != "collected" and collected and case.state != "partly_collected":
                case.write({"state": "partly_collected", "partly_collected_date": today})
            elif case.state == "partly_collected" and not collected:
                case.write(
                    {"state": case._collection_open_state(False), "partly_collected_date": False}
                )

    def _collection_open_state(self, collected):
        self.ensure_one()
        if collected:
            return "partly_collected"
        return "collecting" if self.collecting_date else "handed_over"
