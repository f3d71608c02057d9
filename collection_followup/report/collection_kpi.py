from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .analysis_sql import collector, partial_sides, receivable_account

# Months of sales the count-back may walk back through before it gives up (DSO capped).
COUNT_BACK_MONTHS = 24
# Months shown: the month of the analysis date and the eleven before it.
TREND_MONTHS = 12


class CollectionKpi(models.Model):
    """The figures collectors are judged by, per month and company (scope "company") and per
    month, company and collector (scope "collector"), for the twelve months up to the context's
    ``collection_as_of`` (default today). The formulas are in the README; every ratio is
    computed on its own row, so filter on one scope and do not total ratios across rows.
    """

    _name = "collection.kpi"
    _description = "Collections: Monthly Figures"
    _auto = False
    _order = "month desc, company_id, scope, collector_id"
    _depends = {
        "account.move.line": [
            "balance",
            "date",
            "date_maturity",
            "parent_state",
            "account_id",
            "company_id",
            "partner_id",
            "move_id",
        ],
        "account.move": ["commercial_partner_id", "move_type"],
        "account.partial.reconcile": ["amount", "max_date", "debit_move_id", "credit_move_id"],
        "res.partner": ["collection_responsible_id", "user_id"],
    }

    month = fields.Date(readonly=True)
    month_end = fields.Date(string="Measured On", readonly=True)
    scope = fields.Selection([("company", "Company"), ("collector", "Collector")], readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    days = fields.Integer(readonly=True, aggregator="max")
    sales = fields.Monetary(string="Credit Sales", readonly=True)
    collected = fields.Monetary(readonly=True)
    ar_begin = fields.Monetary(string="Receivables at Start", readonly=True)
    ar_end = fields.Monetary(string="Receivables at End", readonly=True)
    current_ar_end = fields.Monetary(string="Not Yet Due at End", readonly=True)
    overdue_30 = fields.Monetary(string="Overdue > 30 Days", readonly=True)
    overdue_60 = fields.Monetary(string="Overdue > 60 Days", readonly=True)
    overdue_90 = fields.Monetary(string="Overdue > 90 Days", readonly=True)
    dso = fields.Float(string="DSO", readonly=True, digits=(16, 1), aggregator="avg")
    best_dso = fields.Float(
        string="Best Possible DSO", readonly=True, digits=(16, 1), aggregator="avg"
    )
    days_delinquent = fields.Float(
        string="Average Days Delinquent", readonly=True, digits=(16, 1), aggregator="avg"
    )
    cei = fields.Float(string="CEI (%)", readonly=True, digits=(16, 1), aggregator="avg")
    paid_count = fields.Integer(string="Instalments Paid", readonly=True)
    paid_on_time_count = fields.Integer(string="Paid on Time", readonly=True)
    on_time_rate = fields.Float(
        string="Paid on Time (%)", readonly=True, digits=(16, 1), aggregator="avg"
    )

    @property
    def _table_query(self):
        self.env["collection.aged.balance"]._collection_no_jit()
        return self._kpi_query(self.env["collection.aged.balance"]._as_of())

    @api.model
    def _kpi_query(self, as_of):
        """Monthly figures of the twelve months up to ``as_of`` (the last month ends on it)."""
        first_shown = as_of.replace(day=1) - relativedelta(months=TREND_MONTHS - 1)
        history_start = first_shown - relativedelta(months=COUNT_BACK_MONTHS)
        # The months as literal rows: the planner knows there are 36 of them (a
        # generate_series counts as 1,000 and makes the query look costly enough for JIT
        # compilation, which then takes longer than the query).
        starts = [
            history_start + relativedelta(months=k) for k in range(COUNT_BACK_MONTHS + TREND_MONTHS)
        ]
        months = SQL(", ").join(
            SQL("(%s::date, %s::date)", start, min(start + relativedelta(months=1, days=-1), as_of))
            for start in starts
        )
        return SQL(
            """
            WITH months (month, month_end) AS (VALUES %(months)s),
            lines AS (
                SELECT aml.id, aml.company_id, aml.date, aml.balance, move.move_type,
                       COALESCE(aml.date_maturity, aml.date) AS due,
                       %(collector)s AS collector_id
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN res_company company ON company.id = aml.company_id
             LEFT JOIN res_partner partner
                    ON partner.id = COALESCE(move.commercial_partner_id, aml.partner_id)
                 WHERE %(receivable)s
                   AND aml.parent_state = 'posted'
                   AND aml.date <= %(as_of)s
            ),
            matched AS (
                -- What each reconciliation up to the date took off the lines read here.
                SELECT matched.line_id, matched.amount_date AS event_date,
                       -matched.amount AS delta
                  FROM (%(matched)s) matched
                  JOIN lines ON lines.id = matched.line_id
            ),
            line_status AS (
                -- Each line with its open amount on the date and its last movement (its own
                -- date or its last reconciliation's), in one pass without regrouping every line.
                SELECT lines.*, GREATEST(lines.date, settled.last_event) AS last_event,
                       lines.balance + COALESCE(settled.delta, 0) AS open_amount
                  FROM lines
             LEFT JOIN (
                        SELECT line_id, MAX(event_date) AS last_event, SUM(delta) AS delta
                          FROM matched
                      GROUP BY line_id
                  ) settled ON settled.line_id = lines.id
            ),
            live_lines AS (
                -- Lines settled before the first month shown weigh nothing in any month shown.
                SELECT * FROM line_status
                 WHERE NOT (ROUND(open_amount, 6) = 0 AND last_event < %(first_shown)s)
            ),
            live_events AS (
                -- The live lines' movements (their balance, then their reconciliations) summed
                -- per due date and month.
                SELECT company_id, collector_id, due,
                       date_trunc('month', event_date)::date AS event_month,
                       SUM(delta) AS delta
                  FROM (
                        SELECT company_id, collector_id, due, date AS event_date, balance AS delta
                          FROM live_lines
                     UNION ALL
                        SELECT live.company_id, live.collector_id, live.due, matched.event_date,
                               matched.delta
                          FROM matched JOIN live_lines live ON live.id = matched.line_id
                  ) movements
              GROUP BY 1, 2, 3, 4
            ),
            keys AS (SELECT DISTINCT company_id, collector_id FROM lines),
            flows AS (
                SELECT company_id, collector_id,
                       date_trunc('month', GREATEST(date, %(history_start)s::date))::date AS month,
                       SUM(balance) AS movement,
                       SUM(balance) FILTER (
                           WHERE date >= %(history_start)s
                             AND move_type IN ('out_invoice', 'out_refund', 'out_receipt')
                       ) AS sales
                  FROM lines
              GROUP BY 1, 2, 3
            ),
            positions AS (
                SELECT months.month, months.month_end, keys.company_id, keys.collector_id,
                       SUM(live_events.delta) FILTER (WHERE live_events.due >= months.month_end)
                           AS current_ar_end,
                       SUM(live_events.delta) FILTER (WHERE months.month_end - live_events.due > 30)
                           AS overdue_30,
                       SUM(live_events.delta) FILTER (WHERE months.month_end - live_events.due > 60)
                           AS overdue_60,
                       SUM(live_events.delta) FILTER (WHERE months.month_end - live_events.due > 90)
                           AS overdue_90
                  FROM months
                  CROSS JOIN keys
             LEFT JOIN live_events
                    ON live_events.company_id = keys.company_id
                   AND live_events.collector_id IS NOT DISTINCT FROM keys.collector_id
                   AND live_events.event_month <= months.month
                 WHERE months.month >= %(first_shown)s
              GROUP BY 1, 2, 3, 4
            ),
            paid AS (
                SELECT company_id, collector_id,
                       date_trunc('month', last_event)::date AS month,
                       COUNT(*) AS paid_count,
                       COUNT(*) FILTER (WHERE last_event <= due) AS paid_on_time_count
                  FROM line_status
                 WHERE balance > 0
                   AND move_type IN ('out_invoice', 'out_receipt')
                   AND ROUND(open_amount, 6) = 0
                   AND last_event >= %(first_shown)s
              GROUP BY 1, 2, 3
            ),
            by_collector AS (
                SELECT 'collector' AS scope, months.month, months.month_end,
                       keys.company_id, keys.collector_id,
                       COALESCE(flows.sales, 0) AS sales,
                       SUM(COALESCE(flows.movement, 0)) OVER (
                           PARTITION BY keys.company_id, keys.collector_id ORDER BY months.month
                       ) AS ar_end,
                       positions.current_ar_end, positions.overdue_30, positions.overdue_60,
                       positions.overdue_90, paid.paid_count, paid.paid_on_time_count
                  FROM months
                  CROSS JOIN keys
             LEFT JOIN flows ON flows.month = months.month
                   AND flows.company_id = keys.company_id
                   AND flows.collector_id IS NOT DISTINCT FROM keys.collector_id
             LEFT JOIN positions ON positions.month = months.month
                   AND positions.company_id = keys.company_id
                   AND positions.collector_id IS NOT DISTINCT FROM keys.collector_id
             LEFT JOIN paid ON paid.month = months.month
                   AND paid.company_id = keys.company_id
                   AND paid.collector_id IS NOT DISTINCT FROM keys.collector_id
            ),
            scoped AS (
                SELECT * FROM by_collector
                 UNION ALL
                SELECT 'company', month, month_end, company_id, NULL,
                       SUM(sales), SUM(ar_end), SUM(current_ar_end), SUM(overdue_30),
                       SUM(overdue_60), SUM(overdue_90), SUM(paid_count), SUM(paid_on_time_count)
                  FROM by_collector
              GROUP BY month, month_end, company_id
            ),
            measured AS (
                SELECT scoped.*,
                       (scoped.month_end - scoped.month + 1) AS days,
                       COALESCE(LAG(scoped.ar_end) OVER (
                           PARTITION BY scoped.scope, scoped.company_id, scoped.collector_id
                           ORDER BY scoped.month
                       ), 0) AS ar_begin
                  FROM scoped
            )
            SELECT ROW_NUMBER() OVER (ORDER BY m.month, m.company_id, m.scope, m.collector_id)
                       AS id,
                   m.scope, m.month, m.month_end, m.company_id, company.currency_id,
                   m.collector_id, m.days, m.sales, m.ar_begin, m.ar_end,
                   m.ar_begin + m.sales - m.ar_end AS collected,
                   COALESCE(m.current_ar_end, 0) AS current_ar_end,
                   COALESCE(m.overdue_30, 0) AS overdue_30,
                   COALESCE(m.overdue_60, 0) AS overdue_60,
                   COALESCE(m.overdue_90, 0) AS overdue_90,
                   COALESCE(m.paid_count, 0) AS paid_count,
                   COALESCE(m.paid_on_time_count, 0) AS paid_on_time_count,
                   CASE WHEN m.paid_count > 0
                        THEN 100.0 * m.paid_on_time_count / m.paid_count END AS on_time_rate,
                   dso.value AS dso,
                   best.value AS best_dso,
                   dso.value - best.value AS days_delinquent,
                   CASE WHEN m.ar_begin + m.sales - COALESCE(m.current_ar_end, 0) != 0
                        THEN 100.0 * (m.ar_begin + m.sales - m.ar_end)
                             / (m.ar_begin + m.sales - COALESCE(m.current_ar_end, 0))
                   END AS cei
              FROM measured m
              JOIN res_company company ON company.id = m.company_id
              %(dso_total)s
              %(dso_current)s
             WHERE m.month >= %(first_shown)s
            """,
            as_of=as_of,
            receivable=receivable_account(self.env),
            matched=partial_sides(SQL("p.max_date <= %s", as_of)),
            collector=collector("partner", "company", SQL("aml.company_id")),
            months=months,
            history_start=history_start,
            first_shown=first_shown,
            dso_total=self._count_back_join("dso", SQL("m.ar_end")),
            dso_current=self._count_back_join("best", SQL("COALESCE(m.current_ar_end, 0)")),
        )

    @api.model
    def _count_back_join(self, alias, receivable):
        """A lateral join giving ``alias.value``: the days of sales, walking back month by
        month from the row's month, that the ``receivable`` amount represents (count-back)."""
        return SQL(
            """
            LEFT JOIN LATERAL (
                SELECT CASE
                    WHEN %(receivable)s <= 0 THEN 0
                    ELSE COALESCE((
                        SELECT walk.cum_days - walk.days
                               + (%(receivable)s - (walk.cum_sales - walk.sales))
                                 / walk.sales * walk.days
                          FROM (
                                SELECT back.days, back.sales,
                                       SUM(back.sales) OVER w AS cum_sales,
                                       SUM(back.days) OVER w AS cum_days
                                  FROM measured back
                                 WHERE back.scope = m.scope
                                   AND back.company_id = m.company_id
                                   AND back.collector_id IS NOT DISTINCT FROM m.collector_id
                                   AND back.month <= m.month
                                WINDOW w AS (ORDER BY back.month DESC)
                          ) walk
                         WHERE walk.sales > 0 AND walk.cum_sales >= %(receivable)s
                      ORDER BY walk.cum_days
                         LIMIT 1
                    ), (
                        SELECT SUM(back.days) FROM measured back
                         WHERE back.scope = m.scope AND back.company_id = m.company_id
                           AND back.collector_id IS NOT DISTINCT FROM m.collector_id
                           AND back.month <= m.month
                    ))
                END AS value
            ) %(alias)s ON TRUE
            """,
            receivable=receivable,
            alias=SQL.identifier(alias),
        )

    @api.model
    def _action_open(self, as_of=None):
        """The monthly figures of the twelve months up to ``as_of`` (default: today)."""
        as_of = as_of or fields.Date.context_today(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collection_followup.action_collection_kpi"
        )
        action["context"] = {
            "collection_as_of": fields.Date.to_string(as_of),
            "search_default_scope_company": 1,
        }
        return action
