"""The collections page against a running Odoo server: refused input gets a 400 page, too
many requests a 429, and the link's secret never reaches the server's log.

`make test` serves the tested database (CF_E2E_URL) and gives an `odoo-bin shell` on it
(CF_ODOO_SHELL), used here to create a customer with an overdue invoice and a link, as a
reminder would.
"""

import http.cookiejar
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from html import unescape
from pathlib import Path

import pytest

URL = os.environ.get("CF_E2E_URL", "").rstrip("/")
SHELL = json.loads(os.environ.get("CF_ODOO_SHELL") or "null")
SERVER_LOG = Path(__file__).resolve().parent.parent / ".test-logs" / "odoo-e2e.log"

pytestmark = pytest.mark.skipif(
    not (URL and SHELL), reason="CF_E2E_URL / CF_ODOO_SHELL not set: run `make test`"
)

PREPARE = """
from datetime import timedelta
from odoo import Command, fields
company = env.company
if not company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
today = fields.Date.context_today(env.user)
for number in range(3):  # one customer per test: each has its own throttle
    partner = env["res.partner"].create({"name": f"E2E Customer {number}",
                                         "email": f"e2e{number}@example.com"})
    invoice = env["account.move"].create({
        "move_type": "out_invoice", "partner_id": partner.id,
        "invoice_date": today - timedelta(days=40), "invoice_date_due": today - timedelta(days=10),
        "invoice_line_ids": [Command.create({"name": "Work", "price_unit": 800.0,
                                             "tax_ids": [Command.clear()]})],
    })
    invoice.action_post()
    url = env["collection.portal.link"]._mint(partner, company)
    print("LINK", url.split("//", 1)[1].split("/", 1)[1], company.id, invoice.id)
env.cr.commit()
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """A browser with its own cookies (its session)."""

    def __init__(self):
        jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.browser = urllib.request.build_opener(jar)
        self.poster = urllib.request.build_opener(jar, NoRedirect)

    def get(self, path):
        return self._open(self.browser, urllib.request.Request(URL + path))

    def post(self, path, data):
        body = urllib.parse.urlencode(data).encode()
        return self._open(self.poster, urllib.request.Request(URL + path, body))

    @staticmethod
    def _open(opener, request):
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self):
        status, page = self.get("/collections")
        assert status == 200, page[:500]
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def error_text(page):
    match = re.search(r'o_collection_error"[^>]*>([^<]*)<', page)
    return match and unescape(match.group(1))


@pytest.fixture(scope="module")
def links():
    proc = subprocess.run(SHELL, input=PREPARE, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    links = []
    for line in proc.stdout.splitlines():
        if line.startswith("LINK "):
            path, company_id, invoice_id = line.split()[1:]
            links.append({"path": "/" + path, "company_id": company_id, "invoice_id": invoice_id})
    assert len(links) == 3
    return links


def test_refused_input_gets_a_400_page_then_the_throttle_a_429(links):
    link, visitor = links[0], Visitor()
    status, page = visitor.get(link["path"])
    assert status == 200
    assert "800.00" in page
    company = link["company_id"]
    refused = [
        ("promise", {"company_id": company, "date": "9999-12-28", "amount": "800"}),
        ("promise", {"company_id": company, "date": "2030-01-01", "amount": "nan"}),
        ("promise", {"company_id": company, "date": "2030-01-01", "amount": "inf"}),
        ("promise", {"company_id": company, "date": "2030-01-01", "amount": "1e400"}),
        ("promise", {"company_id": "abc", "date": "2030-01-01", "amount": "800"}),
        ("dispute", {"move_id": "abc", "reason": "other"}),
        ("dispute", {"move_id": "-5", "reason": "other"}),
        ("dispute", {"move_id": link["invoice_id"], "reason": "bogus"}),
        ("plan", {"company_id": company, "installments": "1e9"}),
        ("terms", {"company_id": company, "version": "x"}),
    ]
    messages = []
    for what, data in refused:
        status, page = visitor.post(f"/collections/{what}", {"csrf_token": visitor.csrf(), **data})
        assert status == 400, (what, data, page[:300])
        messages.append(error_text(page))
    assert messages[1] == "Give the amount as a number, for example 1250.00."
    assert messages[4] == "There is nothing owed to this company."
    assert messages[5] == "Choose one of your invoices."
    assert messages[7] == "Choose a reason."
    assert messages[8] == "Choose between 2 and 24 instalments."
    assert messages[0].startswith("Choose a date from ")
    status, page = visitor.post(
        "/collections/promise",
        {
            "csrf_token": visitor.csrf(),
            "company_id": company,
            "date": "2030-01-01",
            "amount": "800",
        },
    )
    assert status == 429
    assert error_text(page) == "Too many requests: please try again in a few minutes."


def test_pages_are_throttled_and_a_wrong_link_is_404(links):
    link, visitor = links[1], Visitor()
    assert visitor.get("/c/" + "x" * 22)[0] == 404
    assert visitor.get("/collections")[0] == 404
    statuses = [visitor.get(link["path"])[0]]  # the link and the page: two views
    statuses += [visitor.get("/collections")[0] for _view in range(60)]
    assert statuses.count(200) == 59, "sixty views: the link, then 58 pages"
    assert statuses[-2:] == [429, 429]
    status, page = visitor.get(f"/collections/statement/{link['company_id']}")
    assert status == 429


def test_the_server_log_has_the_requests_without_the_secret(links):
    link = links[2]
    if not SERVER_LOG.exists():
        pytest.skip(f"{SERVER_LOG} is not where `make test` writes the server's log")
    Visitor().get(link["path"])
    secret = link["path"].rsplit("/", 1)[1]
    log = SERVER_LOG.read_text(errors="replace")
    assert "GET /c/[redacted] HTTP/1.1" in log
    assert secret not in log
