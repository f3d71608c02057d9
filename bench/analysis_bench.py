"""Collections analysis benchmark, run by `make bench` inside `odoo-bin shell` after
bench/followup_bench.py (which generates the 5,000 customers and 50,000 receivable lines).

Measures on this machine, best of three, with warm caches:

- the aged balance pivot as the web client loads it (totals, rows by customer, columns by
  age, and the cells: four read_group calls), today and 90 days ago;
- the morning dashboard (one call of collection.dashboard.get_dashboard_data);
- the monthly figures (DSO, CEI …) of the twelve months;
- the backtest of the payment date predictor on generated history: predict the payment dates
  of each customer's last three paid instalments from the ones before them, mean absolute
  error in days next to the naive "pays on the due date" predictor.

The result is printed as one JSON line prefixed with BENCH_RESULT.
"""

import json
import random
import time
from datetime import date, timedelta

from odoo.addons.collection_followup.tools.forecast_logic import PaidItem, backtest


def best_of(runs, func):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return min(timings)


def generated_histories(customers=5000, invoices=12, seed=7):
    """Each customer pays with its own habit (on time, a week late, a month late …) plus
    noise, and now and then an outlier; invoices are monthly, amounts vary."""
    rng = random.Random(seed)
    histories = {}
    for customer in range(customers):
        habit = rng.choice([0, 0, 3, 7, 15, 30, 45])
        spread = rng.choice([1, 3, 6])
        items = []
        for month in range(invoices):
            due = date(2025, 1, 15) + timedelta(days=30 * month)
            late = max(habit + round(rng.gauss(0, spread)), -5)
            if rng.random() < 0.05:
                late += rng.randint(20, 90)
            items.append(PaidItem(due, due + timedelta(days=late), rng.randint(100, 5000)))
        histories[customer] = items
    return histories


def measure(env):
    # Statistics as autovacuum keeps them: the data were just generated in bulk.
    env.cr.execute("ANALYZE")
    admin = env.ref("base.user_admin")
    env = env(user=admin)
    aged = env["collection.aged.balance"].with_context(collection_as_of=str(date.today()))
    aged.search_count([])  # warm the registry caches
    past = aged.with_context(collection_as_of=str(date.today() - timedelta(days=90)))

    def pivot(aged=aged):
        env.invalidate_all()
        measures = ["amount_residual:sum"]
        aged._read_group([], [], measures)
        aged._read_group([], ["partner_id"], measures)
        aged._read_group([], ["aging_bucket"], measures)
        aged._read_group([], ["partner_id", "aging_bucket"], measures)

    def dashboard():
        env.invalidate_all()
        env["collection.dashboard"].get_dashboard_data()

    def kpi():
        env.invalidate_all()
        env["collection.kpi"].search_read([("scope", "=", "company")], ["dso", "cei"])

    env.cr.execute("SELECT COUNT(*) FROM account_move_line WHERE parent_state = 'posted'")
    [posted_lines] = env.cr.fetchone()
    histories = generated_histories()
    started = time.perf_counter()
    result = backtest(histories, holdout=3)
    backtest_s = time.perf_counter() - started
    return {
        "aged_balance_rows": aged.search_count([]),
        "posted_move_lines": posted_lines,
        "aged_balance_pivot_s": round(best_of(3, pivot), 3),
        "aged_balance_past_rows": past.search_count([]),
        "aged_balance_pivot_90_days_ago_s": round(best_of(3, lambda: pivot(past)), 3),
        "dashboard_s": round(best_of(3, dashboard), 3),
        "monthly_figures_s": round(best_of(3, kpi), 3),
        "backtest_customers": len(histories),
        "backtest_items": result["items"],
        "backtest_mae_days_predictor": round(result["mae_predictor"], 2),
        "backtest_mae_days_naive": round(result["mae_naive"], 2),
        "backtest_s": round(backtest_s, 2),
    }


print("BENCH_RESULT " + json.dumps(measure(env)), flush=True)  # noqa: F821 - odoo-bin shell
