from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import LEVEL_DELAY_MAX, LEVEL_DELAY_MIN

CHANNEL_FIELDS = {
    "fee": "late_fee_rule_id",
    "email": "send_email",
    "sms": "send_sms",
    "letter": "send_letter",
    "call": "create_call",
    "hold": "credit_hold",
    "demand": "send_demand_letter",
    "agency": "handover_agency",
}


class CollectionFollowupLevel(models.Model):
    _name = "collection.followup.level"
    _description = "Collection Follow-up Level"
    _order = "policy_id, delay, id"

    policy_id = fields.Many2one(
        "collection.followup.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(
        default=True,
        help="A level that sent reminders is archived, not deleted: the customers who got it "
        "keep it as the last level they reached, so that it is not sent to them again.",
    )
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
    send_sms = fields.Boolean(string="SMS")
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain=[("model", "=", "res.partner")],
        ondelete="restrict",
    )
    send_letter = fields.Boolean(
        string="Letter", help="Print a letter: a statement of the overdue items, kept as PDF."
    )
    create_call = fields.Boolean(
        string="Phone Call", help="Plan a call for the customer's collector, with what to say."
    )
    call_note = fields.Html(
        string="Call Script",
        translate=True,
        default=lambda self: self.env._(
            "<p>Ask why the items are not paid, whether the customer is satisfied with the work, "
            "and when they can pay. Offer a payment plan if the amount is a problem.</p>"
        ),
    )
    letter_text = fields.Html(
        translate=True,
        help="The body of the printed letter, above the statement of the overdue items.",
        default=lambda self: self.env._(
            "<p>According to our records, the following amounts are overdue. "
            "Please arrange payment at your earliest convenience.</p>"
        ),
    )
    credit_hold = fields.Boolean(
        help="Put the customer on credit hold: new invoices are blocked or warned about, "
        "per the company setting, until the overdue items are paid."
    )
    late_fee_rule_id = fields.Many2one(
        "collection.late.fee.rule",
        string="Charge Late Fees",
        domain="[('company_id', '=', company_id)]",
        help="When this level is reached, book the fees the rule gives on the overdue "
        "invoices listed, before the reminder goes out.",
    )
    requires_approval = fields.Boolean(
        help="The run only prepares this level's actions; a manager approves or rejects them."
    )
    send_demand_letter = fields.Boolean(
        string="Letter Before Action",
        help="Print a formal demand letter: the total with fees and interest, a final "
        "deadline and the consequences, kept as PDF.",
    )
    handover_agency = fields.Boolean(
        string="Hand Over to an Agency",
        help="Hand the customer's overdue items over to a collection agency, when they are "
        "above the agency's age and amount thresholds. The follow-up waits while the agency "
        "has the case.",
    )
    agency_id = fields.Many2one(
        "collection.agency",
        string="Agency",
        ondelete="restrict",
        domain="[('company_id', '=', company_id)]",
    )
    channel_summary = fields.Char(compute="_compute_channel_summary", string="Actions")

    _sql_constraints = [
        (
            "delay_policy_uniq",
            "unique(policy_id, delay)",
            "Two levels of the same policy cannot have the same delay (archived levels "
            "included).",
        ),
    ]

    @api.depends(*CHANNEL_FIELDS.values(), "requires_approval")
    def _compute_channel_summary(self):
        labels = dict(self.env["collection.followup.action"]._fields["channel"].selection)
        for level in self:
            parts = [labels[channel] for channel in level._get_channels()]
            if level.requires_approval:
                parts.append(self.env._("approval"))
            level.channel_summary = ", ".join(parts)

    @api.constrains("send_email", "mail_template_id", "send_sms", "sms_template_id")
    def _check_templates(self):
        for level in self:
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Level “%(level)s” sends an email: choose its email template.",
                        level=level.name,
                    )
                )
            if level.send_sms and not level.sms_template_id:
                raise ValidationError(
                    self.env._(
                        "Level “%(level)s” sends an SMS: choose its SMS template.",
                        level=level.name,
                    )
                )

    @api.constrains("delay")
    def _check_delay(self):
        for level in self:
            if not LEVEL_DELAY_MIN <= level.delay <= LEVEL_DELAY_MAX:
                raise ValidationError(
                    self.env._(
                        "Level “%(level)s”: the delay is from %(min)s days before the due date "
                        "to %(max)s days after it.",
                        level=level.name,
                        min=-LEVEL_DELAY_MIN,
                        max=LEVEL_DELAY_MAX,
                    )
                )

    @api.constrains("handover_agency", "agency_id")
    def _check_agency(self):
        for level in self:
            if level.handover_agency and not level.agency_id:
                raise ValidationError(
                    self.env._(
                        "Level “%(level)s” hands over to an agency: choose the agency.",
                        level=level.name,
                    )
                )
            if level.agency_id and level.agency_id.company_id != level.company_id:
                raise ValidationError(
                    self.env._(
                        "Level “%(level)s”: the agency belongs to another company.",
                        level=level.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        # The history is the engine's ledger: counted as superuser for a manager of one company.
        used = (
            self.env["collection.followup.action"]
            .sudo()
            ._read_group([("level_id", "in", self.ids)], ["level_id"])
        )
        if used:
            raise UserError(
                self.env._(
                    "Level “%(level)s” has sent reminders: archive it instead, so that the "
                    "customers who got it are not sent it again.",
                    level=used[0][0].name,
                )
            )

    def _get_channels(self):
        """The channels this level acts on, in the order they are carried out."""
        self.ensure_one()
        return [channel for channel, field in CHANNEL_FIELDS.items() if self[field]]
