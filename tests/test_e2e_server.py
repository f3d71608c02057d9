"""End-to-end checks against a running Odoo server with collection_followup installed.

`make test` serves the freshly tested database in the background and exports
CF_E2E_URL and CF_E2E_DB; without them these tests are skipped. The database
was created with `-i` and no demo data, so admin/admin works and only the
default follow-up policy created at install time is there.
"""

import http.cookiejar
import json
import os
import urllib.request

import pytest

URL = os.environ.get("CF_E2E_URL", "").rstrip("/")
DB = os.environ.get("CF_E2E_DB", "")
EXPECTED_DELAYS = [-3, 3, 10, 30]  # days relative to the due date, default policy

pytestmark = pytest.mark.skipif(
    not URL, reason="CF_E2E_URL is not set: run `make test`, which starts a server for these tests"
)


@pytest.fixture(scope="module")
def call_kw():
    """Log in as admin over JSON-RPC; return a `call_kw(model, method, args, kwargs)`."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def jsonrpc(path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        request = urllib.request.Request(
            URL + path, body.encode(), {"Content-Type": "application/json"}
        )
        with opener.open(request, timeout=60) as response:
            payload = json.load(response)
        if "error" in payload:
            error = payload["error"]
            pytest.fail(f"{path}: {error.get('data', {}).get('message') or error}")
        return payload["result"]

    session = jsonrpc(
        "/web/session/authenticate", {"db": DB, "login": "admin", "password": "admin"}
    )
    assert session.get("uid"), "admin/admin could not log in"

    def call(model, method, args, kwargs=None):
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}
        return jsonrpc(f"/web/dataset/call_kw/{model}/{method}", params)

    return call


def policies_of(call_kw, company_id):
    """Policies visible with only `company_id` active (the multi-company record rule)."""
    return call_kw(
        "collection.followup.policy",
        "search_read",
        [[]],
        {
            "fields": ["name", "level_ids", "company_id"],
            "context": {"allowed_company_ids": [company_id]},
        },
    )


def test_login_page():
    with urllib.request.urlopen(f"{URL}/web/login", timeout=60) as response:
        assert response.status == 200


def test_every_company_has_a_policy(call_kw):
    companies = call_kw("res.company", "search_read", [[]], {"fields": ["name"]})
    assert companies
    for company in companies:
        owners = {policy["company_id"][0] for policy in policies_of(call_kw, company["id"])}
        assert company["id"] in owners, f"no follow-up policy for {company['name']}"


def test_default_policy_levels(call_kw):
    company = call_kw("res.company", "search_read", [[]], {"fields": ["name"], "limit": 1})[0]
    policy = policies_of(call_kw, company["id"])[0]
    levels = call_kw(
        "collection.followup.level",
        "search_read",
        [[["id", "in", policy["level_ids"]]]],
        {"fields": ["delay"], "order": "sequence, id"},
    )
    assert [level["delay"] for level in levels] == EXPECTED_DELAYS
