from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..const import PORTAL_THROTTLE, PORTAL_WINDOW_SECONDS


class CollectionPortalThrottle(models.Model):
    """How many requests a customer's collections page got in the current window, per kind
    (``view``: the page, the statement, the payment page; ``say``: what the customer sends,
    refused input included). One row per customer and kind, counted in one SQL statement so
    that two requests at once both count."""

    _name = "collection.portal.throttle"
    _description = "Collections Page Request Counter"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    kind = fields.Selection([("view", "Page"), ("say", "Statement")], required=True)
    window_start = fields.Datetime(required=True)
    count = fields.Integer()

    _sql_constraints = [
        ("partner_kind_unique", "unique(partner_id, kind)", "One counter per customer and kind."),
    ]

    @api.model
    def _hit(self, partner, kind):
        """Count one request of ``kind`` for ``partner`` (a commercial partner); False once the
        customer is over the budget of the window (PORTAL_THROTTLE)."""
        now = fields.Datetime.now()
        window_over = now - timedelta(seconds=PORTAL_WINDOW_SECONDS)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO collection_portal_throttle
                       (partner_id, kind, window_start, count,
                        create_uid, create_date, write_uid, write_date)
                VALUES (%(partner)s, %(kind)s, %(now)s, 1, %(uid)s, %(now)s, %(uid)s, %(now)s)
                ON CONFLICT (partner_id, kind) DO UPDATE
                   SET count = CASE WHEN collection_portal_throttle.window_start <= %(over)s
                                    THEN 1 ELSE collection_portal_throttle.count + 1 END,
                       window_start = CASE WHEN collection_portal_throttle.window_start <= %(over)s
                                           THEN %(now)s
                                           ELSE collection_portal_throttle.window_start END,
                       write_date = %(now)s
                RETURNING count
                """,
                partner=partner.id,
                kind=kind,
                now=now,
                over=window_over,
                uid=self.env.uid,
            )
        )
        count = self.env.cr.fetchone()[0]
        self.invalidate_model(["count", "window_start"])
        return count <= PORTAL_THROTTLE[kind]
