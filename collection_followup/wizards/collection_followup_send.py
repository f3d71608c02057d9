from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionFollowupSend(models.TransientModel):
    """Send a reminder to one customer now, on the channels the collector chooses."""

    _name = "collection.followup.send"
    _description = "Send a Follow-up Reminder Now"

    partner_id = fields.Many2one("res.partner", required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, readonly=True
    )
    level_id = fields.Many2one(
        "collection.followup.level",
        required=True,
        domain="[('company_id', '=', company_id)]",
        compute="_compute_level_id",
        store=True,
        readonly=False,
    )
    send_email = fields.Boolean(
        string="Email", compute="_compute_channels", store=True, readonly=False
    )
    send_sms = fields.Boolean(string="SMS", compute="_compute_channels", store=True, readonly=False)
    send_letter = fields.Boolean(
        string="Letter", compute="_compute_channels", store=True, readonly=False
    )
    create_call = fields.Boolean(
        string="Phone Call", compute="_compute_channels", store=True, readonly=False
    )

    @api.depends("partner_id", "company_id")
    def _compute_level_id(self):
        for wizard in self:
            partner = wizard.partner_id.with_company(wizard.company_id)
            policy = partner.collection_policy_id or wizard.company_id.collection_policy_id
            wizard.level_id = (
                partner.collection_level_id
                or partner.collection_last_level_id
                or policy._get_levels()[:1]
            )

    @api.depends("level_id")
    def _compute_channels(self):
        for wizard in self:
            level = wizard.level_id
            wizard.send_email = level.send_email
            wizard.send_sms = level.send_sms
            wizard.send_letter = level.send_letter
            wizard.create_call = level.create_call

    def _get_channels(self):
        flags = {
            "email": self.send_email,
            "sms": self.send_sms,
            "letter": self.send_letter,
            "call": self.create_call,
        }
        return [channel for channel, chosen in flags.items() if chosen]

    def action_send(self):
        self.ensure_one()
        channels = self._get_channels()
        if not channels:
            raise UserError(self.env._("Choose at least one channel."))
        if "email" in channels and not self.level_id.mail_template_id:
            raise UserError(
                self.env._("The level “%(level)s” has no email template.", level=self.level_id.name)
            )
        if "sms" in channels and not self.level_id.sms_template_id:
            raise UserError(
                self.env._("The level “%(level)s” has no SMS template.", level=self.level_id.name)
            )
        Engine = self.env["collection.followup.engine"].with_company(self.company_id)
        decision = Engine._decisions(self.company_id, self.partner_id.ids).get(self.partner_id.id)
        if not decision or not decision.lines:
            raise UserError(
                self.env._(
                    "%(customer)s has nothing overdue or due soon to remind of.",
                    customer=self.partner_id.display_name,
                )
            )
        if decision.at_agency:
            raise UserError(
                self.env._(
                    "%(customer)s is with a collection agency: no reminders until the agency "
                    "returns the case.",
                    customer=self.partner_id.display_name,
                )
            )
        decision.level = self.level_id
        actions = Engine._send_now(decision, channels)
        result = self.partner_id.action_view_collection_actions()
        result["domain"] = [("id", "in", actions.ids)]
        return result
