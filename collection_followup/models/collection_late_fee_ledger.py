from psycopg2 import errors

from odoo import api, fields, models
from odoo.tools import SQL

# What another transaction charging the same rule and invoice makes PostgreSQL answer: the row
# is locked right now (NOWAIT), or it was changed after this transaction's snapshot was taken
# (REPEATABLE READ).
CONCURRENT_CHARGE_ERRORS = (errors.LockNotAvailable, errors.SerializationFailure)


class ConcurrentChargeError(Exception):
    """Another transaction is charging, or has just charged, the same rule on the same
    invoice: this one books nothing and leaves it to a later charge."""


class CollectionLateFeeLedger(models.Model):
    """One row per late fee rule and invoice: the row every charger locks first.

    A charge of a rule on an invoice (a follow-up level, the monthly accrual, a manager
    approving a fee action) begins by locking and updating this row, then reads what was already
    charged. Two transactions charging the same rule on the same invoice therefore cannot both
    book: the second finds the row locked (``NOWAIT``) or, when the first committed after the
    second's snapshot was taken, PostgreSQL refuses its update (REPEATABLE READ serialization
    failure) — in both cases it books nothing, and a later charge (with a fresh snapshot) adds
    what is left. The row also records what the monthly accrual found for the last month it
    examined, so that every (rule, invoice, month) is looked at once, charged or not.
    """

    _name = "collection.late.fee.ledger"
    _description = "Late Fee Ledger"
    _order = "write_date desc, id desc"
    _rec_name = "move_id"

    rule_id = fields.Many2one(
        "collection.late.fee.rule", required=True, readonly=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one(
        "account.move", string="Late Invoice", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Customer")
    monthly_period = fields.Char(
        string="Last Month Examined",
        readonly=True,
        help="The last month (YYYY-MM) the monthly accrual examined this invoice for the rule.",
    )
    monthly_outcome = fields.Selection(
        [
            ("charged", "Charged"),
            ("nothing", "Nothing to Charge"),
            ("exempt", "Exempt"),
            ("review", "Awaiting Review"),
            ("error", "Error"),
        ],
        readonly=True,
    )
    monthly_note = fields.Text(string="Outcome", readonly=True)

    _sql_constraints = [
        (
            "rule_move_uniq",
            "unique(rule_id, move_id)",
            "A late fee rule has one ledger row per invoice.",
        ),
    ]

    @api.model
    def _lock(self, rule, invoice):
        """The ledger row of ``rule`` on ``invoice``, created if needed, locked and updated by
        this transaction. Raises :class:`ConcurrentChargeError` when another transaction holds
        it or changed it after this one's snapshot. Call it in a savepoint: the failed
        statement must be rolled back before the transaction goes on."""
        cr = self.env.cr
        try:
            cr.execute(
                SQL(
                    "SELECT id FROM collection_late_fee_ledger"
                    " WHERE rule_id = %s AND move_id = %s FOR UPDATE NOWAIT",
                    rule.id,
                    invoice.id,
                ),
                log_exceptions=False,
            )
            row = cr.fetchone()
            if row:
                # An update, not only a lock: a transaction whose snapshot predates this one's
                # commit fails on this row instead of reading an outdated list of fees.
                cr.execute(
                    SQL(
                        "UPDATE collection_late_fee_ledger"
                        " SET write_date = now() at time zone 'UTC', write_uid = %s"
                        " WHERE id = %s",
                        self.env.uid,
                        row[0],
                    ),
                    log_exceptions=False,
                )
                return self.browse(row[0])
            # First charge of the rule on the invoice. A row inserted by a transaction still
            # running makes this insert wait for it (for at most the lock timeout); one
            # committed after this snapshot makes it fail (REPEATABLE READ).
            cr.execute("SET LOCAL lock_timeout = '2s'")
            cr.execute(
                SQL(
                    """
                    INSERT INTO collection_late_fee_ledger
                        (rule_id, move_id, company_id, create_uid, write_uid, create_date,
                         write_date)
                    VALUES (%(rule)s, %(move)s, %(company)s, %(uid)s, %(uid)s,
                            now() at time zone 'UTC', now() at time zone 'UTC')
                    ON CONFLICT (rule_id, move_id) DO NOTHING
                    RETURNING id
                    """,
                    rule=rule.id,
                    move=invoice.id,
                    company=invoice.company_id.id,
                    uid=self.env.uid,
                ),
                log_exceptions=False,
            )
            row = cr.fetchone()
            cr.execute("SET LOCAL lock_timeout = DEFAULT")
        except CONCURRENT_CHARGE_ERRORS as error:
            raise ConcurrentChargeError(str(error)) from None
        if not row:  # cannot happen: a conflicting row is visible (locked above) or an error
            raise ConcurrentChargeError("the ledger row could not be created")
        return self.browse(row[0])
