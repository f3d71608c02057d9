"""Two follow-up runs at once, in two real Odoo processes, send nothing twice.

Odoo's own test cases share one transaction, so they cannot show what row locks do between two
workers. Here two `odoo-bin shell` processes run the follow-up on the database `make test` just
tested (exported as CF_ODOO_SHELL): the first holds its transaction open after deciding and
sending; the second runs meanwhile, then the first commits.
"""

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SHELL = json.loads(os.environ.get("CF_ODOO_SHELL") or "null")

pytestmark = pytest.mark.skipif(
    not SHELL, reason="CF_ODOO_SHELL is not set: run `make test`, which provides a database"
)

PREPARE = """
from datetime import timedelta
from odoo import Command, fields
company = env.company
if not company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
company.email = "ar@concurrency.example"
company.collection_policy_id.level_ids.write({"attach_invoices": False, "send_letter": False,
                                             "send_sms": False})
today = fields.Date.context_today(env.user)
partner = env["res.partner"].create({"name": "Concurrent Customer", "email": "cc@example.com"})
invoice = env["account.move"].create({
    "move_type": "out_invoice", "partner_id": partner.id,
    "invoice_date": today - timedelta(days=40), "invoice_date_due": today - timedelta(days=12),
    "invoice_line_ids": [Command.create({"name": "Work", "price_unit": 250.0,
                                         "tax_ids": [Command.clear()]})],
})
invoice.action_post()
env.cr.commit()
print("PARTNER", partner.id)
"""

# Decides and sends, says so, then keeps its transaction (and the customer's row lock) open
# until the test lets it commit.
FIRST = """
import os, time
actions = env["collection.followup.engine"]._run_followup(env.company)
print("FIRST_SENT", len(actions.filtered(lambda a: a.state == "done")), flush=True)
deadline = time.time() + 120
while not os.path.exists({flag!r}) and time.time() < deadline:
    time.sleep(0.2)
env.cr.commit()
print("FIRST_COMMITTED", flush=True)
"""

SECOND = """
actions = env["collection.followup.engine"]._run_followup(env.company)
env.cr.commit()
print("SECOND_SENT", len(actions.filtered(lambda a: a.state == "done")), flush=True)
"""

COUNT = """
partner = env["res.partner"].browse({partner_id})
mails = env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id)])
actions = env["collection.followup.action"].search([("partner_id", "=", partner.id)])
print("COUNT", len(mails), len(actions), partner.collection_last_level_id.delay)
"""


def run_shell(script, timeout=300):
    proc = subprocess.run(SHELL, input=script, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def value(output, key):
    line = next(line for line in output.splitlines() if line.startswith(key + " "))
    return line.split()[1:]


def test_two_runs_at_once_send_one_reminder():
    partner_id = int(value(run_shell(PREPARE), "PARTNER")[0])
    with tempfile.TemporaryDirectory() as tmp:
        flag = Path(tmp) / "commit-now"
        first = subprocess.Popen(
            SHELL,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first.stdin.write(FIRST.format(flag=str(flag)))
        first.stdin.close()
        # Wait until the first run has sent (uncommitted) and holds the customer's lock.
        started = time.time()
        line = ""
        while not line.startswith("FIRST_SENT") and time.time() - started < 240:
            line = first.stdout.readline()
            assert line or first.poll() is None, first.stderr.read()[-2000:]
        assert line.split()[1] == "1", "the first run sends the reminder"
        second = run_shell(SECOND)
        assert value(second, "SECOND_SENT") == ["0"], "the second run skips the locked customer"
        flag.touch()
        assert first.wait(timeout=120) == 0, first.stderr.read()[-2000:]
        assert "FIRST_COMMITTED" in first.stdout.read()
    # A third run after both committed sends nothing either.
    assert value(run_shell(SECOND), "SECOND_SENT") == ["0"]
    mails, actions, level_delay = value(run_shell(COUNT.format(partner_id=partner_id)), "COUNT")
    assert (mails, actions, level_delay) == ("1", "1", "10")
