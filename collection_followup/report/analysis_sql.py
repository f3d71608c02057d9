"""SQL pieces shared by the collections analysis reports (aged balance, monthly figures,
worklist, forecast): one definition of each thing they all read the same way."""

from odoo.tools import SQL


def receivable_account(env, alias="aml"):
    """The condition "the line of ``alias`` is on a receivable account", with the accounts'
    ids written out: the planner then estimates from the lines' own statistics how many lines
    match (through a join on account_account it guessed 650 of 30,000 lines and chose nested
    loops that took three times as long: EXPLAIN ANALYZE on the data of `make bench`)."""
    env["account.account"].flush_model(["account_type"])
    env.cr.execute("SELECT id FROM account_account WHERE account_type = 'asset_receivable'")
    ids = sorted(row[0] for row in env.cr.fetchall())
    return SQL("%s = ANY(%s)", SQL.identifier(alias, "account_id"), ids)


def partial_sides(condition):
    """Rows (line_id, amount_date, amount, amount_currency) of the partial reconciliations
    matching ``condition`` (on alias ``p``), one per matched side: what each reconciliation
    takes off the debit line's balance (positive) and off the credit line's (negative), in the
    company currency and in each line's own currency."""
    return SQL(
        """
        SELECT p.debit_move_id AS line_id, p.max_date AS amount_date, p.amount,
               p.debit_amount_currency AS amount_currency
          FROM account_partial_reconcile p
         WHERE %(condition)s
     UNION ALL
        SELECT p.credit_move_id, p.max_date, -p.amount, -p.credit_amount_currency
          FROM account_partial_reconcile p
         WHERE %(condition)s
        """,
        condition=condition,
    )


def collector(partner, company, company_id):
    """The collector of a customer in a company: the customer's collector in that company
    (company-dependent field), else its salesperson, else the company's collector."""
    return SQL(
        """COALESCE(
               (%(partner)s.collection_responsible_id ->> %(company_id)s::text)::int,
               %(partner)s.user_id,
               %(company)s.collection_responsible_id
           )""",
        partner=SQL.identifier(partner),
        company=SQL.identifier(company),
        company_id=company_id,
    )


def paid_history(env, size, where=None):
    """The ``size`` most recently paid invoice instalments of each customer and company:
    rows (partner_id, company_id, due, paid, amount, days_late), settled on the date of their
    last reconciliation, most recent first within a customer; ``where`` narrows the lines
    (alias ``aml``)."""
    return SQL(
        """
        SELECT partner_id, company_id, due, paid, amount, paid - due AS days_late
          FROM (
                SELECT move.commercial_partner_id AS partner_id, aml.company_id,
                       COALESCE(aml.date_maturity, aml.date) AS due,
                       MAX(p.max_date) AS paid, aml.balance AS amount,
                       ROW_NUMBER() OVER (
                           PARTITION BY move.commercial_partner_id, aml.company_id
                           ORDER BY MAX(p.max_date) DESC, aml.id DESC
                       ) AS rank
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN account_partial_reconcile p ON p.debit_move_id = aml.id
                 WHERE %(receivable)s
                   AND aml.parent_state = 'posted'
                   AND aml.reconciled
                   AND move.move_type IN ('out_invoice', 'out_receipt')
                   AND %(where)s
              GROUP BY move.commercial_partner_id, aml.company_id, aml.id
          ) ranked
         WHERE rank <= %(size)s
        """,
        size=size,
        receivable=receivable_account(env),
        where=where or SQL("TRUE"),
    )
