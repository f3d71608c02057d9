from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.forecast_logic import HISTORY_SIZE
from .analysis_sql import paid_history
from .collection_aged_balance import CollectionAgedBalance


class CollectionWorklist(models.Model):
    """The collector's worklist ordered by what a call is worth today.

    Per customer and company, only the overdue items still followed up count (not promised,
    disputed, in a plan, at an agency or sold). Each is expected to be paid at least as late
    as it already is and at least as late as the customer usually pays (the lower weighted
    median of the days late of its last paid instalments, else the company's). The value of
    a call is the sum of amount × expected days late ÷ 30: the money-months a call could
    bring forward.
    """

    _name = "collection.worklist"
    _description = "Collections: Customers by Value of a Call"
    _auto = False
    _order = "call_value desc, partner_id"
    _depends = CollectionAgedBalance._depends

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    overdue_amount = fields.Monetary(string="Overdue (Followed Up)", readonly=True)
    item_count = fields.Integer(string="Items", readonly=True)
    oldest_days = fields.Integer(string="Oldest (Days)", readonly=True, aggregator="max")
    lateness = fields.Float(
        string="Usual Days Late",
        readonly=True,
        aggregator="avg",
        help="Weighted median of the days late of the customer's last paid instalments "
        "(the company's when the customer has none).",
    )
    own_history = fields.Boolean(readonly=True)
    call_value = fields.Float(
        string="Value of a Call", readonly=True, digits=(16, 2), aggregator="sum"
    )

    @property
    def _table_query(self):
        self.env["collection.aged.balance"]._collection_no_jit()
        as_of = self.env["collection.aged.balance"]._as_of()
        return self._worklist_query(as_of)

    @api.model
    def _worklist_query(self, as_of):
        return SQL(
            """
            WITH aged AS (%(aged)s),
            history AS (
                SELECT partner_id, company_id, days_late, amount AS weight
                  FROM (%(history)s) paid
            ),
            customer_lateness AS (
                SELECT DISTINCT ON (partner_id, company_id) partner_id, company_id, days_late
                  FROM (
                        SELECT partner_id, company_id, days_late,
                               SUM(weight) OVER (
                                   PARTITION BY partner_id, company_id ORDER BY days_late
                                   ROWS UNBOUNDED PRECEDING
                               ) AS running,
                               SUM(weight) OVER (PARTITION BY partner_id, company_id) AS total
                          FROM history WHERE weight > 0
                  ) cumulated
                 WHERE running >= total / 2.0
              ORDER BY partner_id, company_id, days_late
            ),
            company_lateness AS (
                SELECT DISTINCT ON (company_id) company_id, days_late
                  FROM (
                        SELECT company_id, days_late,
                               SUM(weight) OVER (
                                   PARTITION BY company_id ORDER BY days_late
                                   ROWS UNBOUNDED PRECEDING
                               ) AS running,
                               SUM(weight) OVER (PARTITION BY company_id) AS total
                          FROM history WHERE weight > 0
                  ) cumulated
                 WHERE running >= total / 2.0
              ORDER BY company_id, days_late
            ),
            items AS (
                SELECT aged.partner_id, aged.company_id, aged.company_currency_id,
                       aged.collector_id, aged.amount_residual, aged.days_overdue,
                       COALESCE(cl.days_late, col.days_late, 0) AS lateness,
                       cl.days_late IS NOT NULL AS own_history
                  FROM aged
             LEFT JOIN customer_lateness cl
                    ON cl.partner_id = aged.partner_id AND cl.company_id = aged.company_id
             LEFT JOIN company_lateness col ON col.company_id = aged.company_id
                 WHERE aged.days_overdue > 0
                   AND aged.item_state = 'normal'
                   AND aged.amount_residual > 0
            )
            SELECT ROW_NUMBER() OVER (ORDER BY company_id, partner_id) AS id,
                   partner_id, company_id, MIN(company_currency_id) AS currency_id,
                   MIN(collector_id) AS collector_id,
                   SUM(amount_residual) AS overdue_amount,
                   COUNT(*) AS item_count,
                   MAX(days_overdue) AS oldest_days,
                   MIN(lateness) AS lateness,
                   BOOL_OR(own_history) AS own_history,
                   SUM(amount_residual * GREATEST(days_overdue, lateness)) / 30.0 AS call_value
              FROM items
          GROUP BY partner_id, company_id
            """,
            aged=self.env["collection.aged.balance"]._aged_balance_query(as_of),
            history=paid_history(self.env, HISTORY_SIZE),
        )

    def action_open_partner(self):
        """The customer's form, to call it."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [[False, "form"]],
        }
