from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.forecast_logic import (
    FORECAST_WEEKS,
    HISTORY_SIZE,
    PaidItem,
    lateness,
    week_index,
)
from .analysis_sql import paid_history


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
                "SELECT partner_id, due, paid, amount FROM (%s) history",
                paid_history(self.env, HISTORY_SIZE, SQL("aml.company_id = %s", company.id)),
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

        groups = self._open_item_weeks(company, start, weeks, customer_lateness, company_lateness)
        promise_share = self._promise_placement(groups, place)
        for kind, partner_id, week, amount, line_ids in groups:
            if kind in ("disputed", "agency"):
                result[kind] += amount
                result[f"{kind}_line_ids"].extend(line_ids)
                continue
            if partner_id:  # promised items: the share not covered by open promises
                amount *= promise_share.get(partner_id, 0.0)
            if week >= weeks:
                result["later"] += amount
                continue
            buckets[week]["items"] += amount
            buckets[week]["line_ids"].extend(line_ids)
        for bucket in buckets:
            bucket["line_ids"].sort()
        result["disputed_line_ids"].sort()
        result["agency_line_ids"].sort()
        self._plan_placement(company, start, place)
        for bucket in buckets:
            bucket["total"] = bucket["items"] + bucket["plans"] + bucket["promises"]
        result["weeks"] = buckets
        return result

    @api.model
    def _open_item_weeks(self, company, start, weeks, customer_lateness, company_lateness):
        """The items of ``company`` still owed on ``start`` (the aged balance of that day) at
        their predicted payment dates, summed per week in one query: rows (kind, partner_id,
        week, amount, line_ids), kind "items", "disputed" or "agency" (the last two without a
        week), partner_id set only on promised items, week ``weeks`` for later ones. Items in
        a payment plan or sold to a factor are left out (the plan's instalments count)."""
        aged = self.env["collection.aged.balance"]
        aged.check_access("read")
        aged.flush_model()
        shifts = [
            (partner, round(days))
            for partner, days in customer_lateness.items()
            if days is not None
        ]
        self.env.cr.execute(
            SQL(
                """
                WITH shifts AS (
                    SELECT * FROM unnest(%(partners)s::int[], %(shifts)s::int[])
                        AS shift(partner_id, days)
                ),
                items AS (
                    SELECT aged.move_line_id, aged.partner_id, aged.date_maturity,
                           aged.amount_residual, aged.item_state,
                           -- predict_date() and week_index() of tools/forecast_logic.py
                           (GREATEST(
                               aged.date_maturity + COALESCE(shift.days, %(company_days)s),
                               %(start)s::date
                           ) - %(start)s::date) / 7 AS week
                      FROM (%(aged)s) aged
                 LEFT JOIN shifts shift ON shift.partner_id = aged.partner_id
                     WHERE aged.company_id = %(company)s AND aged.amount_residual > 0
                       AND aged.item_state NOT IN ('factored', 'plan')
                )
                SELECT CASE WHEN item_state IN ('disputed', 'agency') THEN item_state
                            ELSE 'items' END,
                       CASE WHEN item_state = 'promised' THEN partner_id END,
                       CASE WHEN item_state NOT IN ('disputed', 'agency')
                            THEN LEAST(week, %(weeks)s) END,
                       SUM(amount_residual),
                       ARRAY_AGG(move_line_id)
                  FROM items
              GROUP BY 1, 2, 3
              ORDER BY 1, 2, 3
                """,
                aged=aged._aged_balance_query(start),
                company=company.id,
                start=start,
                weeks=weeks,
                partners=[partner for partner, _days in shifts],
                shifts=[days for _partner, days in shifts],
                company_days=round(company_lateness or 0),
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _promise_placement(self, groups, place):
        """Place open promises of the promised items' customers at their dates; return per
        customer the share of its promised items still expected at their predicted dates."""
        open_by_partner = defaultdict(float)
        for _kind, partner_id, _week, amount, _line_ids in groups:
            if partner_id:
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
