"""18.0.2.2: each receivable item escalates on its own days.

Before, only the customer had a follow-up level. Each open receivable item gets the level of the
last reminder that named it (the latest action done, prepared for approval or queued that
listed it), so that the upgrade sends no level again; items no reminder named yet start from
the beginning.
"""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            """
            UPDATE account_move_line line
               SET collection_level_id = last_action.level_id,
                   collection_level_date = last_action.date
              FROM (
                    SELECT DISTINCT ON (rel.account_move_line_id)
                           rel.account_move_line_id AS line_id, action.level_id, action.date
                      FROM account_move_line_collection_followup_action_rel rel
                      JOIN collection_followup_action action
                        ON action.id = rel.collection_followup_action_id
                     WHERE action.level_id IS NOT NULL
                       AND action.state IN ('done', 'to_approve', 'draft')
                  ORDER BY rel.account_move_line_id, action.date DESC, action.id DESC
                   ) last_action
             WHERE line.id = last_action.line_id
               AND line.collection_level_id IS NULL
               AND NOT line.reconciled
            """
        )
    )
