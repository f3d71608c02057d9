from odoo import api, fields, models
from odoo.tools import SQL

from ..const import CHANNELS


class CollectionEffectiveness(models.Model):
    """What works: per company, level and channel, the amount the follow-up actions reminded
    and the share of it paid within 3, 7, 14 and 30 days after them.

    An action reminds the open amount of its receivable lines on its date (company currency,
    payments dated before that day deducted); a payment counts for a window when it is dated
    from the action's day to that many days after it. Only actions done on or before the
    context's ``collection_as_of`` (default today) and payments dated up to it count. Each row
    is one level and channel of one company: its rates are exact; do not average them across
    rows.
    """

    _name = "collection.effectiveness"
    _description = "Collections: What Works"
    _auto = False
    _order = "company_id, level_sequence, channel"
    _depends = {
        "collection.followup.action": ["state", "date", "level_id", "channel", "line_ids"],
        "account.move.line": ["balance"],
        "account.partial.reconcile": ["amount", "max_date", "debit_move_id"],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    level_id = fields.Many2one("collection.followup.level", string="Level", readonly=True)
    level_sequence = fields.Integer(readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    action_count = fields.Integer(string="Actions", readonly=True)
    amount_reminded = fields.Monetary(string="Reminded", readonly=True)
    paid_3 = fields.Monetary(string="Paid in 3 Days", readonly=True)
    paid_7 = fields.Monetary(string="Paid in 7 Days", readonly=True)
    paid_14 = fields.Monetary(string="Paid in 14 Days", readonly=True)
    paid_30 = fields.Monetary(string="Paid in 30 Days", readonly=True)
    rate_3 = fields.Float(
        string="Paid in 3 Days (%)", digits=(16, 1), readonly=True, aggregator="avg"
    )
    rate_7 = fields.Float(
        string="Paid in 7 Days (%)", digits=(16, 1), readonly=True, aggregator="avg"
    )
    rate_14 = fields.Float(
        string="Paid in 14 Days (%)", digits=(16, 1), readonly=True, aggregator="avg"
    )
    rate_30 = fields.Float(
        string="Paid in 30 Days (%)", digits=(16, 1), readonly=True, aggregator="avg"
    )

    @property
    def _table_query(self):
        self.env["collection.aged.balance"]._collection_no_jit()
        return self._effectiveness_query(self.env["collection.aged.balance"]._as_of())

    @api.model
    def _effectiveness_query(self, as_of):
        return SQL(
            """
            WITH reminded AS (
                SELECT action.id AS action_id, action.company_id, action.level_id,
                       action.channel, action.date, aml.id AS line_id,
                       aml.balance - COALESCE((
                           SELECT SUM(p.amount) FROM account_partial_reconcile p
                            WHERE p.debit_move_id = aml.id AND p.max_date < action.date
                       ), 0) AS amount
                  FROM collection_followup_action action
                  JOIN account_move_line_collection_followup_action_rel rel
                    ON rel.collection_followup_action_id = action.id
                  JOIN account_move_line aml ON aml.id = rel.account_move_line_id
                 WHERE action.state = 'done'
                   AND action.level_id IS NOT NULL
                   AND action.date <= %(as_of)s
                   AND aml.balance > 0
            ),
            paid AS (
                SELECT reminded.*,
                       LEAST(reminded.amount, COALESCE(SUM(p.amount) FILTER (
                           WHERE p.max_date <= reminded.date + 3), 0)) AS paid_3,
                       LEAST(reminded.amount, COALESCE(SUM(p.amount) FILTER (
                           WHERE p.max_date <= reminded.date + 7), 0)) AS paid_7,
                       LEAST(reminded.amount, COALESCE(SUM(p.amount) FILTER (
                           WHERE p.max_date <= reminded.date + 14), 0)) AS paid_14,
                       LEAST(reminded.amount, COALESCE(SUM(p.amount) FILTER (
                           WHERE p.max_date <= reminded.date + 30), 0)) AS paid_30
                  FROM reminded
             LEFT JOIN account_partial_reconcile p
                    ON p.debit_move_id = reminded.line_id
                   AND p.max_date >= reminded.date
                   AND p.max_date <= %(as_of)s
                 WHERE reminded.amount > 0
              GROUP BY reminded.action_id, reminded.company_id, reminded.level_id,
                       reminded.channel, reminded.date, reminded.line_id, reminded.amount
            ),
            grouped AS (
                SELECT company_id, level_id, channel,
                       COUNT(DISTINCT action_id) AS action_count,
                       SUM(amount) AS amount_reminded,
                       SUM(paid_3) AS paid_3, SUM(paid_7) AS paid_7,
                       SUM(paid_14) AS paid_14, SUM(paid_30) AS paid_30
                  FROM paid
              GROUP BY company_id, level_id, channel
            )
            SELECT ROW_NUMBER() OVER (ORDER BY g.company_id, g.level_id, g.channel) AS id,
                   g.*, company.currency_id, level.sequence AS level_sequence,
                   100.0 * g.paid_3 / g.amount_reminded AS rate_3,
                   100.0 * g.paid_7 / g.amount_reminded AS rate_7,
                   100.0 * g.paid_14 / g.amount_reminded AS rate_14,
                   100.0 * g.paid_30 / g.amount_reminded AS rate_30
              FROM grouped g
              JOIN res_company company ON company.id = g.company_id
              JOIN collection_followup_level level ON level.id = g.level_id
            """,
            as_of=as_of,
        )
