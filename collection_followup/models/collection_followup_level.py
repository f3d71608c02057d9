from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CollectionFollowupLevel(models.Model):
    _name = "collection.followup.level"
    _description = "Collection Follow-up Level"
    _order = "policy_id, delay, id"

    policy_id = fields.Many2one(
        "collection.followup.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    delay = fields.Integer(
        required=True,
        help="Days from the due date of the oldest unpaid item when this level is reached. "
        "Negative: before the due date (a friendly heads-up).",
    )
    send_email = fields.Boolean(string="Email", default=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "res.partner")],
        ondelete="restrict",
    )
    attach_invoices = fields.Boolean(
        help="Attach the current PDF of every invoice listed in the reminder."
    )

    _sql_constraints = [
        (
            "delay_policy_uniq",
            "unique(policy_id, delay)",
            "Two levels of the same policy cannot have the same delay.",
        ),
    ]

    @api.constrains("send_email", "mail_template_id")
    def _check_email_template(self):
        for level in self:
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Level “%(level)s” sends an email: choose its email template.",
                        level=level.name,
                    )
                )
