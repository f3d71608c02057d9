from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.forecast_logic import (
    FORECAST_WEEKS,
    HISTORY_SIZE,
    PaidItem,
    lateness,
    predict_date,
    week_index,
)


class CollectionForecast(models.AbstractModel):
    """The cash coming in: the open items of the current company placed at their predicted
    payment dates over the next 13 weeks (see ``tools/forecast_logic.py``)."""

    _name = "collection.forecast"
    _description = "Collections: Cash Forecast"

    @api.model
    def _payment_history(self, company):
        """The last paid invoice instalments of each customer of ``company``:
        {partner_id: [PaidItem, …]} (settled on the date of their last reconciliation)."""
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, due, paid, amount FROM (
                    SELECT move.commercial_partner_id AS partner_id,
                           COALESCE(aml.date_maturity, aml.date) AS due,
                           MAX(p.max_date) AS paid, aml.balance AS amount,
                           ROW_NUMBER() OVER (
                               PARTITION BY move.commercial_partner_id
                               ORDER BY MAX(p.max_date) DESC, aml.id DESC
                           ) AS rank
                      FROM account_move_line aml
                      JOIN account_move move ON move.id = aml.move_id
                      JOIN account_account account ON account.id = aml.account_id
                      JOIN account_partial_reconcile p ON p.debit_move_id = aml.id
                     WHERE aml.company_id = %(company)s
                       AND account.account_type = 'asset_receivable'
                       AND aml.parent_state = 'posted'
                       AND aml.reconciled
                       AND move.move_type IN ('out_invoice', 'out_receipt')
                  GROUP BY move.commercial_partner_id, aml.id
                ) history
                WHERE rank <= %(size)s
                """,
                company=company.id,
                size=HISTORY_SIZE,
            )
        )
        history = defaultdict(list)
        for partner_id, due, paid, amount in self.env.cr.fetchall():
            history[partner_id].append(PaidItem(due, paid, amount))
        return history

    @api.model
    def _get_forecast(self, start=None, weeks=FORECAST_WEEKS):
        """Expected collections of the current company per week from ``start`` (default
        today): open items at their predicted dates, active payment plans' instalments and
        open promises at their own dates; disputed items and items at an agency apart, items
        sold to a factor left out.

        Returns {"weeks": [{"start", "items", "plans", "promises", "total", "line_ids"}],
        "later", "disputed", "agency", "disputed_line_ids", "agency_line_ids",
        "company_lateness"} in the company currency.
        """
        company = self.env.company
        start = start or fields.Date.context_today(self)
        history = self._payment_history(company)
        company_lateness = lateness(
            [item for items in history.values() for item in items],
            size=sum(len(items) for items in history.values()) or 1,
        )
        customer_lateness = {partner_id: lateness(items) for partner_id, items in history.items()}
        buckets = [
            {
                "start": start + timedelta(days=7 * index),
                "items": 0.0,
                "plans": 0.0,
                "promises": 0.0,
                "line_ids": [],
            }
            for index in range(weeks)
        ]
        result = {
            "later": 0.0,
            "disputed": 0.0,
            "agency": 0.0,
            "disputed_line_ids": [],
            "agency_line_ids": [],
            "company_lateness": company_lateness,
        }

        def place(day, kind, amount, line_id=None):
            index = max(week_index(day, start), 0)
            if index >= weeks:
                result["later"] += amount
                return
            buckets[index][kind] += amount
            if line_id:
                buckets[index]["line_ids"].append(line_id)

        rows = self._open_items(company, start)
        promise_share = self._promise_placement(rows, place)
        for partner_id, line_id, due, amount, state in rows:
            if state in ("factored", "plan"):
                continue
            if state in ("disputed", "agency"):
                result[state] += amount
                result[f"{state}_line_ids"].append(line_id)
                continue
            if state == "promised":
                amount *= promise_share.get(partner_id, 0.0)
            predicted = predict_date(
                due, customer_lateness.get(partner_id), company_lateness, start
            )
            place(predicted, "items", amount, line_id)
        self._plan_placement(company, start, place)
        for bucket in buckets:
            bucket["total"] = bucket["items"] + bucket["plans"] + bucket["promises"]
        result["weeks"] = buckets
        return result

    @api.model
    def _open_items(self, company, start):
        """(partner_id, line_id, due date, open amount, status) of the items of ``company``
        still owed on ``start`` (the aged balance of that day, read in one query)."""
        aged = self.env["collection.aged.balance"]
        aged.check_access("read")
        aged.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, move_line_id, date_maturity, amount_residual, item_state
                  FROM (%(aged)s) aged
                 WHERE company_id = %(company)s AND amount_residual > 0
              ORDER BY date_maturity, move_line_id
                """,
                aged=aged._aged_balance_query(start),
                company=company.id,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _promise_placement(self, rows, place):
        """Place open promises of the promised items' customers at their dates; return per
        customer the share of its promised items still expected at their predicted dates."""
        open_by_partner = defaultdict(float)
        for partner_id, _line_id, _due, amount, state in rows:
            if state == "promised":
                open_by_partner[partner_id] += amount
        if not open_by_partner:
            return {}
        promises = self.env["collection.promise"].search(
            [
                ("partner_id", "in", list(open_by_partner)),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "open"),
            ]
        )
        promised_by_partner = defaultdict(float)
        for promise in promises:
            remaining = max(promise.amount - promise.amount_paid, 0.0)
            place(promise.date, "promises", remaining)
            promised_by_partner[promise.partner_id.id] += remaining
        return {
            partner_id: max(open_amount - promised_by_partner[partner_id], 0.0) / open_amount
            for partner_id, open_amount in open_by_partner.items()
        }

    @api.model
    def _plan_placement(self, company, start, place):
        """Place the unpaid instalments of the running payment plans at their dates."""
        installments = self.env["collection.payment.plan.installment"].search(
            [
                ("company_id", "=", company.id),
                ("plan_id.state", "in", ("accepted", "running")),
            ]
        )
        for installment in installments:
            currency = installment.currency_id
            remaining = installment.amount - installment.paid_amount
            if currency.compare_amounts(remaining, 0.0) > 0:
                amount = currency._convert(remaining, company.currency_id, company, start)
                place(max(installment.date, start), "plans", amount)
