"""Follow-up benchmark, run by `make bench` inside `odoo-bin shell` (where `env` is defined).

Generates, once per database, 5,000 customers with 5,000 invoices of 10 monthly instalments each
(50,000 open receivable lines, about 40 % past due, in USD, EUR and GBP), then measures on this
machine:

- the floor: one SQL aggregate reading the same open receivable lines;
- the decision phase: what each customer gets today, without sending (time and SQL queries),
  measured in turns with the floor (best of each, and the ratio of their medians);
- the full run: mail and SMS records created (not delivered), rolled back afterwards so the
  database can be measured again;
- the full run with real PDFs (every reminder email with its invoice PDFs, every letter), on the
  first ``CF_BENCH_SAMPLE`` customers to remind (default 200; 0 for all): once "cold" (no invoice
  PDF rendered before, the first night) and once "warm" (the invoice PDFs kept by the previous
  night, unchanged: the nightly steady state), with the number of wkhtmltopdf calls;
- the peer, OCA ``account_credit_control`` 18.0, when ``make bench`` could install it in the
  bench database (from its PyPI wheel, kept outside the repository): its run (credit control
  lines for every customer: its decision phase) and, for the same number of customers, its
  emails with their PDF summary and its letters rendered as PDF.

Per reminded customer, a full run costs its share of the decision phase (decision time /
customers to remind) plus the sample's own time (run time less the decision phase / sample
size); the same formula for both addons. Everything is rolled back after each measure.

The result is printed as one JSON line prefixed with BENCH_RESULT.
"""

import json
import logging
import os
import random
import time
from datetime import timedelta
from statistics import median
from unittest.mock import patch

from odoo import Command, fields

from odoo.addons.collection_followup.models.collection_followup_engine import DEFAULT_TIME_BUDGET
from odoo.addons.collection_followup.tools import pdf_batch
from odoo.addons.collection_followup.tools.followup_decision import Budget

CUSTOMERS = 5000
SAMPLE = int(os.environ.get("CF_BENCH_SAMPLE") or 200)
INSTALMENTS = 10
ROUNDS = 7  # floor and decision phase, measured in turns
BATCH = 250
REF_PREFIX = "BENCH-"


def ensure_data(env):
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    partners = env["res.partner"].search([("ref", "=like", f"{REF_PREFIX}%")])
    if len(partners) >= CUSTOMERS:
        return partners
    started = time.monotonic()
    today = fields.Date.context_today(env.user)
    currencies = env.company.currency_id
    for code, rate in (("EUR", 0.9), ("GBP", 0.8)):
        currency = env.ref(f"base.{code}")
        currency.active = True
        env["res.currency.rate"].create(
            {"currency_id": currency.id, "name": today - timedelta(days=400), "rate": rate}
        )
        currencies |= currency
    term = env["account.payment.term"].create(
        {
            "name": "Bench: 10 monthly instalments",
            "line_ids": [
                Command.create(
                    {"value": "percent", "value_amount": 100 / INSTALMENTS, "nb_days": 30 * k}
                )
                for k in range(INSTALMENTS)
            ],
        }
    )
    rng = random.Random(42)
    partners = env["res.partner"].create(
        [
            {
                "name": f"Bench customer {i:05d}",
                "ref": f"{REF_PREFIX}{i:05d}",
                "is_company": True,
                "email": f"ap{i:05d}@bench.example",
                "mobile": f"+1 617 {200 + i // 10000:03d} {i % 10000:04d}",
                "country_id": env.ref("base.us").id,
            }
            for i in range(CUSTOMERS)
        ]
    )
    weights = [0.6, 0.25, 0.15]
    for start in range(0, CUSTOMERS, BATCH):
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "currency_id": rng.choices(currencies.ids, weights)[0],
                    "invoice_date": today - timedelta(days=rng.randint(0, 240)),
                    "invoice_payment_term_id": term.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Services",
                                "quantity": 1,
                                "price_unit": rng.randint(100, 5000),
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for partner in partners[start : start + BATCH]
            ]
        )
        moves.action_post()
        env.cr.commit()
        env.invalidate_all()
        print(f"generated {start + BATCH} / {CUSTOMERS} invoices", flush=True)
    print(f"data generated in {time.monotonic() - started:.0f} s", flush=True)
    return partners


FLOOR_SQL = """
    SELECT partner.commercial_partner_id, SUM(line.amount_residual),
           MIN(COALESCE(line.date_maturity, line.date)),
           COUNT(*) FILTER (WHERE line.date_maturity < CURRENT_DATE)
      FROM account_move_line line
      JOIN account_account account ON account.id = line.account_id
      JOIN account_move move ON move.id = line.move_id
      JOIN res_partner partner ON partner.id = line.partner_id
     WHERE line.company_id = %s
       AND account.account_type = 'asset_receivable'
       AND line.parent_state = 'posted'
       AND NOT line.reconciled
       AND line.amount_residual != 0
       AND move.payment_state IS DISTINCT FROM 'blocked'
     GROUP BY 1
"""


def best_of(runs, func):
    timings = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def measure(env):
    company = env.company
    Engine = env["collection.followup.engine"]
    # Say on stderr when a batch of PDFs falls back to one call per document.
    logging.getLogger("odoo.addons.collection_followup.models.ir_actions_report").setLevel(
        logging.INFO
    )
    if os.environ.get("CF_BENCH_REPORT_URL"):
        # Not committed: the style sheets of the PDFs come from the server make bench started.
        env["ir.config_parameter"].set_param("report.url", os.environ["CF_BENCH_REPORT_URL"])
    env.cr.execute(FLOOR_SQL, [company.id])
    rows = env.cr.fetchall()
    env.cr.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE line.date_maturity < CURRENT_DATE),"
        " COUNT(DISTINCT line.currency_id) FROM account_move_line line"
        " JOIN account_account account ON account.id = line.account_id"
        " WHERE line.company_id = %s AND account.account_type = 'asset_receivable'"
        " AND NOT line.reconciled AND line.parent_state = 'posted'",
        [company.id],
    )
    lines, overdue_lines, currency_count = env.cr.fetchone()

    def floor():
        env.cr.execute(FLOOR_SQL, [company.id])
        return env.cr.fetchall()

    def decide():
        env.invalidate_all()
        before = env.cr.sql_log_count
        decisions = Engine._decisions(company)
        return decisions, env.cr.sql_log_count - before

    decide()  # warm the registry caches
    # The floor and the phase in turns, the best of each: on a shared machine whose speed
    # drifts by a quarter within a minute, both are then measured in the same minutes.
    floor_runs, decision_runs = [], []
    for _round in range(ROUNDS):
        floor_runs.append(best_of(1, floor)[0])
        decision_s, (decisions, decision_queries) = best_of(1, decide)
        decision_runs.append(decision_s)
    floor_s, decision_s = min(floor_runs), min(decision_runs)
    to_send = [d for d in decisions.values() if d.action == "send"]

    # The full run, email + SMS, no PDF (the levels attach no invoice and print no letter).
    sample = SAMPLE or len(to_send)
    env.cr.execute("SAVEPOINT bench_full_run")
    levels = company.collection_policy_id.level_ids
    levels.write({"attach_invoices": False, "send_letter": False})
    env.invalidate_all()
    started = time.perf_counter()
    actions = run_sample(env, company, sample)
    run_s = time.perf_counter() - started
    by_channel = {}
    for action in actions:
        key = f"{action.channel}:{action.state}"
        by_channel[key] = by_channel.get(key, 0) + 1
    mails = env["mail.mail"].search_count([("model", "=", "res.partner")])
    sms = env["sms.sms"].search_count([])
    reminded = len(actions.partner_id)
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_full_run")
    env.invalidate_all()

    def per_customer(total_s, customers):
        """Share of the decision phase plus the sample's own time, per customer."""
        if not customers:
            return None
        return round(decision_s / len(to_send) + max(total_s - decision_s, 0) / customers, 4)

    cold = run_with_pdfs(env, company, sample, warm=False)
    warm = run_with_pdfs(env, company, sample, warm=True)
    scheduled = run_scheduled_call(env, company)
    cold["per_customer_s"] = per_customer(cold["run_s"], cold["reminded"])
    warm["per_customer_s"] = per_customer(warm["run_s"], warm["reminded"])
    peer = measure_peer(env, company, sample)
    ratios = {}
    if peer:
        peer_per_customer = round(
            peer["decision_s"] / max(peer["customers"], 1) + peer["sample_s"] / peer["sample"], 4
        )
        peer["per_customer_s"] = peer_per_customer
        ratios = {
            "decision_vs_peer": round(peer["decision_s"] / decision_s, 1),
            "full_run_pdf_warm_vs_peer": round(peer_per_customer / warm["per_customer_s"], 1),
            "full_run_pdf_cold_vs_peer": round(peer_per_customer / cold["per_customer_s"], 1),
        }

    return {
        "customers": len(rows),
        "open_receivable_lines": lines,
        "overdue_lines": overdue_lines,
        "overdue_share": round(overdue_lines / lines, 3) if lines else 0,
        "currencies": currency_count,
        "floor_sql_s": round(floor_s, 4),
        "decision_phase_s": round(decision_s, 4),
        "decision_vs_floor": round(decision_s / floor_s, 2),
        "decision_vs_floor_medians": round(median(decision_runs) / median(floor_runs), 2),
        "decision_queries": decision_queries,
        "customers_to_remind": len(to_send),
        "no_pdf_run_sample": sample,
        "no_pdf_run_s": round(run_s, 2),
        "no_pdf_run_reminded": reminded,
        "no_pdf_per_customer_s": per_customer(run_s, reminded),
        "no_pdf_run_actions": by_channel,
        "mail_records": mails,
        "sms_records": sms,
        "pdf_run_cold": cold,
        "pdf_run_warm": warm,
        "scheduled_call_pdf_cold": scheduled,
        "peer_account_credit_control": peer or "not installed (see make bench's output)",
        **ratios,
    }


def run_sample(env, company, sample):
    """The run of the first ``sample`` customers to remind (as the engine orders them)."""
    Engine = env["collection.followup.engine"]
    return Engine._run_partners(company, sample_ids(env, company, sample), "run_now").action_ids


def sample_ids(env, company, sample):
    """The ``sample`` customers to remind with the lowest ids: the same whatever order the
    decision phase returns them in (its query's rows come in no fixed order)."""
    decisions = env["collection.followup.engine"]._decisions(company)
    return sorted(pid for pid, d in decisions.items() if d.action == "send")[:sample]


def run_with_pdfs(env, company, sample, warm):
    """The nightly run of ``sample`` customers with the default levels (invoices attached to
    every reminder from the second level on, a letter at the formal demand), real PDFs."""
    Engine = env["collection.followup.engine"]
    env.cr.execute("SAVEPOINT bench_pdf_run")
    env["collection.invoice.pdf"].sudo().search([]).unlink()
    levels = company.collection_policy_id.level_ids
    levels.filtered(lambda level: level.delay > 0).write({"attach_invoices": True})
    levels.filtered(lambda level: level.delay >= 30).write({"send_letter": True})
    if warm:
        # The previous night rendered and kept the invoice PDFs; nothing changed since.
        decisions = Engine._decisions(company)
        pending = [decisions[pid] for pid in sample_ids(env, company, sample)]
        env["ir.actions.report"]._collection_invoice_pdfs(
            env["account.move"].union(*(d.lines.move_id for d in pending))
        )
    env.invalidate_all()
    calls = []
    real_run = pdf_batch.run_wkhtmltopdf

    def counting_run(binary, args, bodies, *rest, **kwargs):
        started = time.perf_counter()
        content = real_run(binary, args, bodies, *rest, **kwargs)
        calls.append(time.perf_counter() - started)
        return content

    with patch.object(pdf_batch, "run_wkhtmltopdf", side_effect=counting_run):
        started = time.perf_counter()
        actions = run_sample(env, company, sample)
        run_s = time.perf_counter() - started
    by_channel = {}
    for action in actions:
        key = f"{action.channel}:{action.state}"
        by_channel[key] = by_channel.get(key, 0) + 1
    emails = actions.filtered(lambda a: a.channel == "email" and a.state == "done")
    attached = sum(len(a.mail_message_id.attachment_ids) for a in emails)
    letters = actions.filtered(lambda a: a.channel == "letter" and a.attachment_id)
    pdf_letters = letters.filtered(lambda a: a.attachment_id.mimetype == "application/pdf")
    reminded = len(actions.partner_id)
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_pdf_run")
    env.invalidate_all()
    return {
        "reminded": reminded,
        "run_s": round(run_s, 2),
        "actions": by_channel,
        "invoice_pdfs_attached": attached,
        "letters_pdf": len(pdf_letters),
        "wkhtmltopdf_calls": len(calls),
        "wkhtmltopdf_s": round(sum(calls), 2),
    }


def run_scheduled_call(env, company):
    """One call of the scheduled run with real PDFs, the first night (no invoice PDF kept),
    with the default time budget: its wall time (the target: under 60 s), the customers it
    took and its wkhtmltopdf calls."""
    Engine = env["collection.followup.engine"]
    env.cr.execute("SAVEPOINT bench_scheduled_call")
    env["collection.invoice.pdf"].sudo().search([]).unlink()
    levels = company.collection_policy_id.level_ids
    levels.filtered(lambda level: level.delay > 0).write({"attach_invoices": True})
    levels.filtered(lambda level: level.delay >= 30).write({"send_letter": True})
    env.invalidate_all()
    calls = []
    real_run = pdf_batch.run_wkhtmltopdf

    def counting_run(binary, args, bodies, *rest, **kwargs):
        content = real_run(binary, args, bodies, *rest, **kwargs)
        calls.append(sum(body.count('data-oe-model="') for body in bodies))
        return content

    with patch.object(pdf_batch, "run_wkhtmltopdf", side_effect=counting_run):
        started = time.perf_counter()
        seconds = DEFAULT_TIME_BUDGET
        Engine._run_followup(company, trigger="scheduled", budget=Budget(seconds=seconds))
        call_s = time.perf_counter() - started
    run = Engine._current_run(company, "scheduled")
    taken = len(run.line_ids)
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_scheduled_call")
    env.invalidate_all()
    return {
        "budget_s": seconds,
        "call_s": round(call_s, 2),
        "customers_taken": taken,
        "wkhtmltopdf_calls": len(calls),
        "documents_per_call": calls,
    }


def measure_peer(env, company, sample):
    """OCA account_credit_control on the same data: its run for every customer (its decision
    phase), then its emails (each with its PDF summary) and letters (PDF) for ``sample``
    customers. Mails are queued, not delivered, as ours."""
    if "credit.control.run" not in env:
        return None
    env.cr.execute("SAVEPOINT bench_peer")
    policy = env.ref("account_credit_control.credit_control_3_time")
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)]
    )
    policy.write({"account_ids": [Command.set(receivable.ids)]})
    company.credit_policy_id = policy
    env.invalidate_all()
    before = env.cr.sql_log_count
    started = time.perf_counter()
    run = env["credit.control.run"].create(
        {"date": fields.Date.context_today(env.user), "policy_ids": [Command.set(policy.ids)]}
    )
    run.generate_credit_lines()
    decision_s = time.perf_counter() - started
    queries = env.cr.sql_log_count - before
    lines = run.line_ids
    partners = lines.partner_id.sorted("id")
    chosen = partners[:sample]
    sample_lines = lines.filtered(lambda line: line.partner_id in chosen)
    calls = []
    real_run = type(env["ir.actions.report"])._run_wkhtmltopdf

    def counting_run(self, *args, **kwargs):
        started = time.perf_counter()
        content = real_run(self, *args, **kwargs)
        calls.append(time.perf_counter() - started)
        return content

    with patch.object(type(env["ir.actions.report"]), "_run_wkhtmltopdf", counting_run):
        started = time.perf_counter()
        sample_lines.write({"state": "to_be_sent"})
        Comm = env["credit.control.communication"].with_context(mail_notify_force_send=False)
        email_lines = sample_lines.filtered(lambda line: line.channel == "email")
        if email_lines:
            Comm._generate_comm_from_credit_lines(email_lines)._generate_emails()
        letter_lines = sample_lines.filtered(lambda line: line.channel == "letter")
        if letter_lines:
            letters = Comm._generate_comm_from_credit_lines(letter_lines)
            letters._mark_credit_line_as_sent()
            env["ir.actions.report"]._render_qweb_pdf(
                "account_credit_control.report_credit_control_summary", letters.ids
            )
        sample_s = time.perf_counter() - started
    channels = {}
    for line in sample_lines:
        channels[line.channel] = channels.get(line.channel, 0) + 1
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_peer")
    env.invalidate_all()
    return {
        "decision_s": round(decision_s, 2),
        "decision_queries": queries,
        "customers": len(partners),
        "credit_lines": len(lines),
        "sample": len(chosen),
        "sample_lines_by_channel": channels,
        "sample_s": round(sample_s, 2),
        "wkhtmltopdf_calls": len(calls),
        "wkhtmltopdf_s": round(sum(calls), 2),
    }


def analyze(env):
    """Table statistics as PostgreSQL's autovacuum keeps them in production. The server these
    benchmarks run on may have autovacuum off: without statistics on the freshly generated
    lines the planner takes one customer's open lines for a few rows of the whole table."""
    env.cr.execute(
        "ANALYZE account_move_line, account_move, res_partner, account_partial_reconcile,"
        " collection_followup_action, mail_message, mail_mail"
    )


def main(env):
    partners = ensure_data(env)
    analyze(env)
    if os.environ.get("CF_BENCH_DATA_ONLY"):
        # CF_BENCH_ONLY=analysis: the data only, for bench/analysis_bench.py.
        print("BENCH_RESULT " + json.dumps({"bench_customers": len(partners)}), flush=True)
        return
    print("BENCH_RESULT " + json.dumps(measure(env)), flush=True)


main(env)  # noqa: F821 - `env` is given by odoo-bin shell
