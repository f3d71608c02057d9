from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .collection_aged_balance import AGING_BUCKETS, BUCKET_FIELDS


class CollectionDashboard(models.AbstractModel):
    """The morning dashboard of the current company: what is late, DSO and its trend, the
    customers who owe most, today's work and the cash coming in. Every figure comes with the
    window action that lists the records behind it."""

    _name = "collection.dashboard"
    _description = "Collections: Dashboard"

    @api.model
    def get_dashboard_data(self):
        """Everything the dashboard shows (called by the client action)."""
        if not self.env.user.has_group("collection_followup.group_collection_user"):
            raise AccessError(self.env._("Only collectors may open the collections dashboard."))
        company = self.env.company
        today = fields.Date.context_today(self)
        currency = company.currency_id
        totals, top = self._dashboard_aged_groups(company, today)
        return {
            "today": fields.Date.to_string(today),
            "company": company.name,
            "currency": {
                "symbol": currency.symbol,
                "position": currency.position,
                "digits": currency.decimal_places,
            },
            "aging": self._dashboard_aging(company, today, totals),
            "top_customers": self._dashboard_top_customers(company, today, top),
            "dso": self._dashboard_dso(company, today),
            "worklist": self._dashboard_worklist(company, today),
            "forecast": self._dashboard_forecast(today),
        }

    def _aged_action(self, today, name, domain):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "collection.aged.balance",
            "views": [[False, "list"], [False, "pivot"]],
            "domain": domain,
            "context": {"collection_as_of": fields.Date.to_string(today)},
        }

    def _list_action(self, model, name, domain):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "views": [[False, "list"], [False, "form"]],
            "domain": domain,
        }

    @api.model
    def _dashboard_aged_groups(self, company, today, limit=10):
        """The aged balance of ``company`` on ``today`` read once (with the user's rules),
        grouped by customer with a grand total: (totals, top) where totals are the open
        amounts per age bucket plus "total" and "overdue", and top the ``limit`` customers with
        overdue items, most overdue first (ties in the customers' order), as
        (partner_id, overdue amount, days of the oldest)."""
        aged = self.env["collection.aged.balance"].with_context(
            collection_as_of=fields.Date.to_string(today)
        )
        aged.check_access("read")
        query = aged._search([("company_id", "=", company.id)])

        def column(name):
            return aged._field_to_sql(query.table, name, query)

        names = ["amount_residual", "amount_overdue", *BUCKET_FIELDS.values()]
        query.groupby = SQL("ROLLUP(%s)", column("partner_id"))
        grouped = query.select(
            SQL("%s AS partner_id", column("partner_id")),
            SQL("BOOL_OR(%s > 0) AS late", column("days_overdue")),
            SQL("MAX(%s) AS days", column("days_overdue")),
            *(SQL("SUM(%s) AS %s", column(name), SQL.identifier(name)) for name in names),
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT g.* FROM (%(grouped)s) g
             LEFT JOIN res_partner partner ON partner.id = g.partner_id
                 WHERE g.partner_id IS NULL OR g.late
              ORDER BY g.partner_id IS NOT NULL, g.amount_overdue DESC,
                       partner.complete_name, partner.id DESC
                 LIMIT %(limit)s
                """,
                grouped=grouped,
                limit=limit + 1,
            )
        )
        total = dict(zip(names, rows[0][3:], strict=True)) if rows else {}
        totals = {key: total.get(name) or 0.0 for key, name in BUCKET_FIELDS.items()}
        totals.update(
            total=total.get("amount_residual") or 0.0, overdue=total.get("amount_overdue") or 0.0
        )
        top = [(row[0], row[4], row[2]) for row in rows[1:]]
        return totals, top

    @api.model
    def _dashboard_aging(self, company, today, totals):
        base = [("company_id", "=", company.id)]
        labels = dict(AGING_BUCKETS)
        return {
            "total": totals["total"],
            "total_action": self._aged_action(today, self.env._("Open Items"), base),
            "overdue": totals["overdue"],
            "overdue_action": self._aged_action(
                today, self.env._("Overdue Items"), [*base, ("days_overdue", ">", 0)]
            ),
            "buckets": [
                {
                    "key": key,
                    "label": labels[key],
                    "amount": totals[key],
                    "action": self._aged_action(
                        today, labels[key], [*base, ("aging_bucket", "=", key)]
                    ),
                }
                for key, _label in AGING_BUCKETS
            ],
        }

    @api.model
    def _dashboard_top_customers(self, company, today, top):
        base = [("company_id", "=", company.id), ("days_overdue", ">", 0)]
        partners = self.env["res.partner"].browse([partner_id for partner_id, *_rest in top])
        return [
            {
                "partner_id": partner.id,
                "name": partner.display_name,
                "amount": amount,
                "days": days,
                "action": self._aged_action(
                    today, partner.display_name, [*base, ("partner_id", "=", partner.id)]
                ),
            }
            for partner, (_id, amount, days) in zip(partners, top, strict=True)
            if company.currency_id.compare_amounts(amount, 0.0) > 0
        ]

    @api.model
    def _dashboard_dso(self, company, today):
        kpi = self.env["collection.kpi"].with_context(collection_as_of=fields.Date.to_string(today))
        rows = kpi.search_fetch(
            [("scope", "=", "company"), ("company_id", "=", company.id)],
            ["month", "dso", "cei", "days_delinquent"],
            order="month",
        )
        current = rows[-1:] or kpi
        return {
            "dso": current.dso or 0.0,
            "cei": current.cei or 0.0,
            "days_delinquent": current.days_delinquent or 0.0,
            "trend": [
                {"month": fields.Date.to_string(row.month), "dso": row.dso or 0.0} for row in rows
            ],
            "action": {
                "type": "ir.actions.act_window",
                "name": self.env._("Collections: Monthly Figures"),
                "res_model": "collection.kpi",
                "views": [[False, "graph"], [False, "list"]],
                "domain": [("scope", "=", "company"), ("company_id", "=", company.id)],
                "context": {"collection_as_of": fields.Date.to_string(today)},
            },
        }

    @api.model
    def _dashboard_worklist(self, company, today):
        base = [("company_id", "=", company.id)]
        items = [
            (
                "calls",
                self.env._("Calls to Make"),
                "collection.followup.action",
                [("channel", "=", "call"), ("activity_id", "!=", False)],
            ),
            (
                "approvals",
                self.env._("Approvals"),
                "collection.followup.action",
                [("state", "=", "to_approve")],
            ),
            (
                "letters",
                self.env._("Letters to Print"),
                "collection.followup.action",
                [
                    ("channel", "=", "letter"),
                    ("state", "=", "done"),
                    ("letter_printed", "=", False),
                ],
            ),
            (
                "disputes",
                self.env._("Disputes to Resolve"),
                "collection.dispute",
                [("state", "=", "open")],
            ),
            (
                "broken_promises",
                self.env._("Broken Promises (30 days)"),
                "collection.promise",
                [
                    ("state", "=", "broken"),
                    ("pause_until", ">=", fields.Date.to_string(today - timedelta(days=30))),
                ],
            ),
        ]
        result = []
        for key, label, model, domain in items:
            full = [*base, *domain]
            result.append(
                {
                    "key": key,
                    "label": label,
                    "count": self.env[model].search_count(full),
                    "action": self._list_action(model, label, full),
                }
            )
        return result

    @api.model
    def _dashboard_forecast(self, today):
        forecast = self.env["collection.forecast"]._get_forecast(today)
        weeks = [
            {
                "start": fields.Date.to_string(week["start"]),
                "items": week["items"],
                "plans": week["plans"],
                "promises": week["promises"],
                "total": week["total"],
                "action": self._list_action(
                    "account.move.line",
                    self.env._("Expected in the week of %(date)s", date=week["start"]),
                    [("id", "in", week["line_ids"])],
                ),
            }
            for week in forecast["weeks"]
        ]
        return {
            "weeks": weeks,
            "total": sum(week["total"] for week in weeks),
            "later": forecast["later"],
            "disputed": forecast["disputed"],
            "disputed_action": self._list_action(
                "account.move.line",
                self.env._("Disputed Items"),
                [("id", "in", forecast["disputed_line_ids"])],
            ),
            "agency": forecast["agency"],
            "company_lateness": forecast["company_lateness"],
        }
