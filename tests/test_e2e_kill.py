"""A follow-up night killed in the middle (SIGKILL) and started again loses nothing and sends
nothing twice.

A real `odoo-bin shell` process (CF_ODOO_SHELL, on the database `make test` just tested) runs
the scheduled action the way Odoo's cron worker does: a progress record, a call of the server
action, a commit, again while customers remain. Each call stops taking customers after the time
budget (`collection_followup.run_time_budget`), so the night is split in many committed calls.
The process is killed during a call, a second process runs the night to its end, then the
database is checked customer by customer.
"""

import json
import os
import signal
import subprocess
import time
import uuid

import pytest

SHELL = json.loads(os.environ.get("CF_ODOO_SHELL") or "null")

pytestmark = pytest.mark.skipif(
    not SHELL, reason="CF_ODOO_SHELL is not set: run `make test`, which provides a database"
)

CUSTOMERS = 200

PREPARE = """
from datetime import timedelta
from odoo import Command, fields
company = env.company
if not company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
company.email = company.email or "ar@kill.example"
company.collection_policy_id.level_ids.write({{"attach_invoices": False, "send_letter": False,
                                              "send_sms": False, "requires_approval": False}})
env["ir.config_parameter"].set_param("collection_followup.run_time_budget", "2")
today = fields.Date.context_today(env.user)
partners = env["res.partner"].create([
    {{"name": "{prefix} %04d" % i, "email": "c%d@{prefix}.example" % i, "is_company": True}}
    for i in range({count})
])
moves = env["account.move"].create([{{
    "move_type": "out_invoice", "partner_id": partner.id,
    "invoice_date": today - timedelta(days=40), "invoice_date_due": today - timedelta(days=5),
    "invoice_line_ids": [Command.create({{"name": "Work", "price_unit": 100.0 + i,
                                         "tax_ids": [Command.clear()]}})],
}} for i, partner in enumerate(partners)])
moves.action_post()
env.cr.commit()
print("PREPARED", len(partners), flush=True)
"""

# The scheduler's loop (ir.cron._run_job): progress record, call, commit, while work remains.
NIGHT = """
cron = env.ref("collection_followup.ir_cron_collection_followup")
for call in range(500):
    cron_env, progress = cron._add_progress()
    env.cr.commit()
    cron_env._callback(cron.cron_name, cron.ir_actions_server_id.id)
    env.cr.commit()
    print("CALL", call, progress.done, progress.remaining, flush=True)
    if not progress.remaining:
        break
print("NIGHT_DONE", flush=True)
"""

CHECK = """
partners = env["res.partner"].search([("name", "=like", "{prefix} %")])
Action = env["collection.followup.action"]
actions = Action.search([("partner_id", "in", partners.ids)])
per_partner = {{}}
for action in actions:
    per_partner.setdefault(action.partner_id.id, []).append(action)
twice = [p for p, acts in per_partner.items() if len(acts) != 1]
not_done = [a.id for a in actions if a.state != "done"]
without_mail = [
    a.id for a in actions
    if not a.mail_message_id
    or not env["mail.notification"].sudo().search_count(
        [("mail_message_id", "=", a.mail_message_id.id), ("res_partner_id", "=", a.partner_id.id),
         ("notification_type", "=", "email")])
    or not env["mail.mail"].sudo().search_count([("mail_message_id", "=", a.mail_message_id.id)])
]
messages = env["mail.message"].search_count([
    ("model", "=", "res.partner"), ("res_id", "in", partners.ids), ("message_type", "=", "comment"),
])
runs = actions.run_id
lines = env["collection.followup.run.line"].search([("partner_id", "in", partners.ids)])
import json
print("CHECK", json.dumps({{
    "customers": len(partners),
    "actions": len(actions),
    "customers_with_action": len(per_partner),
    "twice": len(twice),
    "not_done": len(not_done),
    "without_mail": len(without_mail),
    "messages": messages,
    "levels": sorted(set(partners.mapped(lambda p: p.collection_last_level_id.delay))),
    "runs": [(run.trigger, run.state, run.call_count) for run in runs],
    "lines": len(lines),
    "line_customers": len(set(lines.mapped("partner_id").ids)),
    "outcomes": sorted(set(lines.mapped("outcome"))),
}}), flush=True)
"""


def run_shell(script, timeout=600):
    proc = subprocess.run(SHELL, input=script, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def line_of(output, key):
    return next(line for line in output.splitlines() if line.startswith(key + " "))


def test_killed_night_restarts_and_reminds_everybody_once():
    prefix = f"Kill{uuid.uuid4().hex[:8]}"
    prepared = run_shell(PREPARE.format(prefix=prefix, count=CUSTOMERS))
    assert line_of(prepared, "PREPARED").split()[1] == str(CUSTOMERS)

    first = subprocess.Popen(
        SHELL,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first.stdin.write(NIGHT)
    first.stdin.close()
    # Let two calls commit, then kill the worker during the third.
    calls, started = [], time.time()
    while len(calls) < 2 and time.time() - started < 300:
        line = first.stdout.readline()
        assert line or first.poll() is None, first.stderr.read()[-3000:]
        if line.startswith("CALL "):
            calls.append(line.split())
    assert len(calls) == 2, "the night is split in calls"
    assert all(int(call[3]) > 0 for call in calls), f"customers remain after each call: {calls}"
    time.sleep(0.5)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL
    time.sleep(2)  # PostgreSQL rolls the killed call back when its connection drops

    second = run_shell(NIGHT)
    assert "NIGHT_DONE" in second
    check = json.loads(line_of(run_shell(CHECK.format(prefix=prefix)), "CHECK").split(" ", 1)[1])
    assert check["customers"] == CUSTOMERS
    assert check["actions"] == CUSTOMERS, "one action per customer: none lost, none twice"
    assert check["customers_with_action"] == CUSTOMERS
    assert check["twice"] == 0
    assert check["not_done"] == 0
    assert check["without_mail"] == 0, "every email action has its message, notification, mail"
    assert check["messages"] == CUSTOMERS, "one reminder in each customer's chatter"
    assert check["levels"] == [3], "every customer at the 3-day reminder"
    # One run for the night, over the calls of both workers (the killed call left nothing).
    assert len(check["runs"]) == 1, check["runs"]
    trigger, state, call_count = check["runs"][0]
    assert (trigger, state) == ("scheduled", "done")
    assert call_count >= 3, "calls of the first worker that committed, and of the second"
    assert check["lines"] == CUSTOMERS, "one run line per customer"
    assert check["line_customers"] == CUSTOMERS
    assert check["outcomes"] == ["reminded"]
