"""Follow-up benchmark, run by `make bench` inside `odoo-bin shell` (where `env` is defined).

Generates, once per database, 5,000 customers with 5,000 invoices of 10 monthly instalments each
(50,000 open receivable lines, about 40 % past due, in USD, EUR and GBP), then measures on this
machine:

- the floor: one SQL aggregate reading the same open receivable lines;
- the decision phase: what each customer gets today, without sending (time and SQL queries);
- the full run: mail and SMS records created (not delivered), rolled back afterwards so the
  database can be measured again.

The result is printed as one JSON line prefixed with BENCH_RESULT.
"""

import json
import random
import time
from datetime import timedelta

from odoo import Command, fields

CUSTOMERS = 5000
INSTALMENTS = 10
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

    floor_s, _rows = best_of(5, floor)

    def decide():
        env.invalidate_all()
        before = env.cr.sql_log_count
        decisions = env["collection.followup.engine"]._decisions(company)
        return decisions, env.cr.sql_log_count - before

    decide()  # warm the registry caches
    decision_s, (decisions, decision_queries) = best_of(3, decide)
    to_send = [d for d in decisions.values() if d.action == "send"]

    # The full run, email + SMS (no PDF: invoices and letters are rendered by wkhtmltopdf, one
    # customer at a time, and would measure wkhtmltopdf rather than the follow-up).
    env.cr.execute("SAVEPOINT bench_full_run")
    levels = company.collection_policy_id.level_ids
    levels.write({"attach_invoices": False, "send_letter": False})
    env.invalidate_all()
    started = time.perf_counter()
    actions = env["collection.followup.engine"]._run_followup(company)
    run_s = time.perf_counter() - started
    by_channel = {}
    for action in actions:
        key = f"{action.channel}:{action.state}"
        by_channel[key] = by_channel.get(key, 0) + 1
    mails = env["mail.mail"].search_count([("model", "=", "res.partner")])
    sms = env["sms.sms"].search_count([])
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_full_run")
    env.invalidate_all()

    return {
        "customers": len(rows),
        "open_receivable_lines": lines,
        "overdue_lines": overdue_lines,
        "overdue_share": round(overdue_lines / lines, 3) if lines else 0,
        "currencies": currency_count,
        "floor_sql_s": round(floor_s, 4),
        "decision_phase_s": round(decision_s, 4),
        "decision_vs_floor": round(decision_s / floor_s, 2),
        "decision_queries": decision_queries,
        "customers_to_remind": len(to_send),
        "full_run_s": round(run_s, 2),
        "full_run_actions": by_channel,
        "mail_records": mails,
        "sms_records": sms,
    }


def main(env):
    ensure_data(env)
    print("BENCH_RESULT " + json.dumps(measure(env)), flush=True)


main(env)  # noqa: F821 - `env` is given by odoo-bin shell
