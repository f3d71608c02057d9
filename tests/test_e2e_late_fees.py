"""A late fee is booked once, whoever charges it, in two real Odoo processes.

Odoo's own test cases share one transaction, so they cannot show what PostgreSQL does between
two workers. Here `odoo-bin shell` processes on the database `make test` just tested (exported
as CF_ODOO_SHELL) charge the same "once per late invoice" rule on the same invoice at once:

- the monthly accrual whose snapshot was taken before the nightly follow-up level committed
  its fee (REPEATABLE READ: it cannot see that fee, and used to book a second one);
- a manager approving a fee action while the monthly accrual holds its transaction open.

Each ends with exactly one posted fee of 40.00.
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

# A customer under its own policy: one level (10 days late) that charges the rule, the same
# rule charged every month, and an invoice late since before the last month ended.
PREPARE = """
from datetime import timedelta
from odoo import Command, fields
company = env.company
if not company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
company.email = company.email or "ar@latefees.example"
today = fields.Date.context_today(env.user)
rule = env["collection.late.fee.rule"].create(
    {{"name": "E2E fixed fee {tag}", "fixed_amount": 40.0}}
)
policy = env["collection.followup.policy"].create({{
    "name": "E2E late fees {tag}",
    "late_fee_rule_id": rule.id,
    "level_ids": [Command.create({{
        "name": "Fee", "delay": 10, "send_email": False, "late_fee_rule_id": rule.id,
        "requires_approval": {approval},
    }})],
}})
partner = env["res.partner"].create(
    {{"name": "Late Fee Customer {tag}", "email": "lf@example.com"}}
)
partner.with_company(company).collection_policy_id = policy
due = today.replace(day=1) - timedelta(days=10)
invoice = env["account.move"].create({{
    "move_type": "out_invoice", "partner_id": partner.id,
    "invoice_date": due - timedelta(days=30), "invoice_date_due": due,
    "invoice_line_ids": [Command.create({{"name": "Work", "price_unit": 900.0,
                                         "tax_ids": [Command.clear()]}})],
}})
invoice.action_post()
manager = env["res.users"].create({{
    "name": "Fee Manager {tag}", "login": "e2e_fee_manager_{tag}",
    "groups_id": [Command.set([env.ref("account.group_account_user").id,
                               env.ref("collection_followup.group_collection_manager").id])],
}})
env.cr.commit()
print("IDS", partner.id, invoice.id, rule.id, manager.id, policy.id)
"""

# The policy is archived after the test: the other end-to-end tests read the default policy
# as the first active one.
ARCHIVE = """
env["collection.followup.policy"].browse({policy_id}).active = False
env.cr.commit()
"""

# The monthly accrual takes its snapshot, then waits: meanwhile the nightly level charges and
# commits. Its charge comes after, with a snapshot that does not show the nightly fee.
ACCRUAL_EARLY_SNAPSHOT = """
import os, time
env.cr.commit()
env["collection.late.fee"].search_count([])  # this transaction's snapshot is taken here
print("SNAPSHOT", flush=True)
deadline = time.time() + 240
while not os.path.exists({flag!r}) and time.time() < deadline:
    time.sleep(0.2)
env["collection.late.fee.rule"]._cron_accrue_monthly()
env.cr.commit()
print("ACCRUED", flush=True)
"""

NIGHTLY = """
env["collection.followup.engine"]._run_followup(env.company)
env.cr.commit()
fees = env["collection.late.fee"].search([("move_id", "=", {invoice_id})])
print("NIGHTLY", len(fees), flush=True)
"""

ACCRUAL = """
env["collection.late.fee.rule"]._cron_accrue_monthly()
env.cr.commit()
print("ACCRUED", flush=True)
"""

# The monthly accrual charges and keeps its transaction (and the ledger row) open until told.
ACCRUAL_HOLDING = """
import os, time
env["collection.late.fee.rule"]._cron_accrue_monthly()
fees = env["collection.late.fee"].search([("move_id", "=", {invoice_id})])
print("CHARGED", len(fees), flush=True)
deadline = time.time() + 240
while not os.path.exists({flag!r}) and time.time() < deadline:
    time.sleep(0.2)
env.cr.commit()
print("COMMITTED", flush=True)
"""

FOLLOWUP = """
env["collection.followup.engine"]._run_followup(env.company)
env.cr.commit()
action = env["collection.followup.action"].search(
    [("partner_id", "=", {partner_id}), ("channel", "=", "fee")]
)
print("ACTION", action.id, action.state, flush=True)
"""

APPROVE = """
action = env["collection.followup.action"].with_user({manager_id}).browse({action_id})
action.action_approve()
env.cr.commit()
print("APPROVED", action.state, flush=True)
print("WHY", action.error, flush=True)
"""

COUNT = """
fees = env["collection.late.fee"].search([("move_id", "=", {invoice_id})])
ledger = env["collection.late.fee.ledger"].search([("move_id", "=", {invoice_id})])
print("FEES", len(fees), ",".join(fees.mapped("state")), sum(fees.mapped("amount")),
      len(fees.fee_move_id.filtered(lambda m: m.state == "posted")), len(ledger),
      ledger.monthly_outcome or "-")
"""


def run_shell(script, timeout=300):
    proc = subprocess.run(SHELL, input=script, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def value(output, key):
    line = next(line for line in output.splitlines() if line.startswith(key + " "))
    return line.split()[1:]


def start_shell(script):
    proc = subprocess.Popen(
        SHELL, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    proc.stdin.write(script)
    proc.stdin.close()
    return proc


def wait_for(proc, key, timeout=240):
    started = time.time()
    line = ""
    while not line.startswith(key) and time.time() - started < timeout:
        line = proc.stdout.readline()
        assert line or proc.poll() is None, proc.stderr.read()[-3000:]
    assert line.startswith(key), f"no {key} from the shell"
    return line.split()[1:]


@pytest.fixture
def prepare():
    """Set up a customer under its own policy; archive the policy afterwards."""
    policies = []

    def make(tag, approval=False):
        output = run_shell(PREPARE.format(tag=tag, approval=approval))
        *ids, policy_id = [int(item) for item in value(output, "IDS")]
        policies.append(policy_id)
        return ids

    yield make
    for policy_id in policies:
        run_shell(ARCHIVE.format(policy_id=policy_id))


def test_monthly_accrual_against_the_nightly_level_books_one_fee(prepare):
    tag = f"nightly{int(time.time())}"
    _partner_id, invoice_id, _rule_id, _manager_id = prepare(tag)
    with tempfile.TemporaryDirectory() as tmp:
        flag = Path(tmp) / "go"
        accrual = start_shell(ACCRUAL_EARLY_SNAPSHOT.format(flag=str(flag)))
        wait_for(accrual, "SNAPSHOT")
        # The nightly follow-up reaches the level, charges 40.00 and commits.
        assert value(run_shell(NIGHTLY.format(invoice_id=invoice_id)), "NIGHTLY") == ["1"]
        flag.touch()
        assert accrual.wait(timeout=240) == 0, accrual.stderr.read()[-3000:]
        assert "ACCRUED" in accrual.stdout.read()
    # The pair the accrual could not charge stayed pending: the next batch, with a fresh
    # snapshot, examines it and finds nothing more to charge.
    run_shell(ACCRUAL)
    fees = value(run_shell(COUNT.format(invoice_id=invoice_id)), "FEES")
    assert fees == ["1", "posted", "40.0", "1", "1", "nothing"]


def test_manager_approving_a_fee_while_the_accrual_runs_books_one_fee(prepare):
    tag = f"approve{int(time.time())}"
    partner_id, invoice_id, _rule_id, manager_id = prepare(tag, approval=True)
    action_id, state = value(run_shell(FOLLOWUP.format(partner_id=partner_id)), "ACTION")
    assert state == "to_approve"
    with tempfile.TemporaryDirectory() as tmp:
        flag = Path(tmp) / "commit"
        accrual = start_shell(ACCRUAL_HOLDING.format(invoice_id=invoice_id, flag=str(flag)))
        assert wait_for(accrual, "CHARGED") == ["1"]
        approved = run_shell(APPROVE.format(manager_id=manager_id, action_id=action_id))
        # The ledger row is held by the accrual: the approval books nothing and says why.
        assert value(approved, "APPROVED") == ["skipped"]
        assert "being charged by another process" in " ".join(value(approved, "WHY"))
        flag.touch()
        assert accrual.wait(timeout=240) == 0, accrual.stderr.read()[-3000:]
        assert "COMMITTED" in accrual.stdout.read()
    fees = value(run_shell(COUNT.format(invoice_id=invoice_id)), "FEES")
    assert fees == ["1", "posted", "40.0", "1", "1", "charged"]
