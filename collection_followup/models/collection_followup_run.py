from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..const import CHANNELS

RUN_TRIGGERS = [
    ("scheduled", "Scheduled"),
    ("run_now", "Run Now"),
    ("send_now", "Send Now"),
    ("preview", "Preview"),
    ("retry", "Retry of Failed Customers"),
]


class CollectionFollowupRun(models.Model):
    """One follow-up run of one company: who started it, what it looked at, what it did.

    Written by the engine (collection.followup.engine) only; users read it. A scheduled run
    spans the cron calls of one night; the other triggers run in one go."""

    _name = "collection.followup.run"
    _description = "Collection Follow-up Run"
    _order = "id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    trigger = fields.Selection(RUN_TRIGGERS, required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Started By", readonly=True)
    date = fields.Date(required=True, readonly=True, help="The day the run decided for.")
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")], default="running", required=True, index=True
    )
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    duration = fields.Float(
        string="Working Time (s)",
        readonly=True,
        help="Seconds the run spent working, over all its cron calls.",
    )
    call_count = fields.Integer(string="Calls", readonly=True)
    error = fields.Text(readonly=True, help="What stopped the run of the company, if anything.")
    retry_of_id = fields.Many2one("collection.followup.run", string="Retry Of", readonly=True)
    line_ids = fields.One2many("collection.followup.run.line", "run_id", string="Customers")
    problem_line_ids = fields.One2many(
        "collection.followup.run.line",
        "run_id",
        string="Errors",
        domain=[("outcome", "in", ("failed", "deferred"))],
    )
    action_ids = fields.One2many("collection.followup.action", "run_id", string="Actions")
    considered_count = fields.Integer(string="Considered", compute="_compute_counts", store=True)
    reminded_count = fields.Integer(string="Reminded", compute="_compute_counts", store=True)
    skipped_count = fields.Integer(string="Skipped", compute="_compute_counts", store=True)
    failed_count = fields.Integer(string="Failed", compute="_compute_counts", store=True)
    deferred_count = fields.Integer(string="Deferred", compute="_compute_counts", store=True)
    planned_count = fields.Integer(string="Would Remind", compute="_compute_counts", store=True)
    overdue_total = fields.Monetary(
        compute="_compute_counts",
        store=True,
        currency_field="currency_id",
        help="Overdue amount of the customers the run reminded (would remind, for a preview).",
    )
    action_summary = fields.Html(
        string="Actions by Channel", compute="_compute_action_summary", sanitize=False
    )

    @api.depends("line_ids.outcome", "line_ids.amount_due")
    def _compute_counts(self):
        # Recomputed after each customer of a run: one grouped query whatever the number of
        # customers the run already has (a night's run has thousands).
        counts = defaultdict(lambda: defaultdict(int))
        amounts = defaultdict(float)
        if self.ids:
            groups = self.env["collection.followup.run.line"]._read_group(
                [("run_id", "in", self.ids)], ["run_id", "outcome"], ["__count", "amount_due:sum"]
            )
            for run, outcome, count, amount in groups:
                counts[run.id][outcome] += count
                if outcome in ("reminded", "planned"):
                    amounts[run.id] += amount
        for run in self:
            by_outcome = counts[run.id]
            run.considered_count = sum(by_outcome.values())
            run.reminded_count = by_outcome["reminded"]
            run.skipped_count = by_outcome["skipped"]
            run.failed_count = by_outcome["failed"]
            run.deferred_count = by_outcome["deferred"]
            run.planned_count = by_outcome["planned"]
            run.overdue_total = amounts[run.id]

    @api.depends("action_ids.state", "action_ids.channel")
    def _compute_action_summary(self):
        Action = self.env["collection.followup.action"]
        states = dict(Action._fields["state"]._description_selection(self.env))
        channels = dict(CHANNELS)
        groups = Action._read_group(
            [("run_id", "in", self.ids)], ["run_id", "channel", "state"], ["__count"]
        )
        counts = {}
        for run, channel, state, count in groups:
            counts.setdefault(run, []).append((channels[channel], states[state], count))
        for run in self:
            rows = sorted(counts.get(run, []))
            run.action_summary = (
                Markup("<table class='table table-sm'><tbody>%s</tbody></table>")
                % Markup().join(
                    Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>") % row
                    for row in rows
                )
                if rows
                else False
            )

    def _compute_display_name(self):
        triggers = dict(self._fields["trigger"]._description_selection(self.env))
        for run in self:
            run.display_name = self.env._(
                "%(trigger)s run of %(date)s", trigger=triggers.get(run.trigger), date=run.date
            )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_retry_failed(self):
        """Run the follow-up again for the customers this run failed or deferred (managers)."""
        self.ensure_one()
        self._check_manager(self.env._("Only a collections manager can retry a run."))
        partner_ids = self.line_ids.filtered(
            lambda line: line.outcome in ("failed", "deferred")
        ).partner_id.ids
        if not partner_ids:
            return False
        Engine = self.env["collection.followup.engine"]
        run = Engine._run_partners(self.company_id, partner_ids, trigger="retry", retry_of=self)
        return run._get_form_action()

    def action_run_now(self):
        """Run the follow-up of the company now, for real (managers; from a preview)."""
        self.ensure_one()
        self._check_manager(self.env._("Only a collections manager can run the follow-up."))
        self.env["collection.followup.engine"]._run_followup(self.company_id, trigger="run_now")
        run = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("trigger", "=", "run_now"),
                ("user_id", "=", self.env.uid),
            ],
            limit=1,
        )
        return run._get_form_action()

    def action_view_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collection_followup.action_collection_followup_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def action_preview(self):
        """What the follow-up would do now for the current company, without doing it
        (collectors: whoever may read runs)."""
        self.check_access("read")
        run = self.env["collection.followup.engine"]._preview(self.env.company)
        return run._get_form_action()

    def _get_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _check_manager(self, message):
        if not self.env.user.has_group("collection_followup.group_collection_manager"):
            raise AccessError(message)
