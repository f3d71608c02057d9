"""Screenshot a page of a running Odoo as a logged-in user, with headless Chromium.

    python scripts/screenshot.py http://localhost:8069 /odoo/collections-dashboard out.png \
        [--login admin --password admin --width 1400 --height 1000 --wait 4 --selector CSS]

Drives Chromium through its DevTools protocol (the `websocket-client` package of the Odoo
virtualenv): logs in on /web/login, opens the page, waits, captures it.
"""

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket


def wait_for(page, condition, timeout=60):
    """Wait until the JavaScript ``condition`` is true in the page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(condition).get("result", {}).get("value"):
                return
        except RuntimeError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {condition}")


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60)
        self.counter = 0

    def call(self, method, **params):
        self.counter += 1
        self.ws.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.counter:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, awaitPromise=True)

    def goto(self, url, wait):
        self.call("Page.navigate", url=url)
        time.sleep(wait)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("path")
    parser.add_argument("output")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--wait", type=float, default=4.0)
    parser.add_argument("--port", type=int, default=9333)
    parser.add_argument("--selector", help="wait until this CSS selector is in the page")
    args = parser.parse_args()
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    profile = tempfile.mkdtemp(prefix="cf_screenshot_")
    chrome = subprocess.Popen(
        [
            binary,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            f"--remote-debugging-port={args.port}",
            f"--user-data-dir={profile}",
            f"--window-size={args.width},{args.height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/json/list") as resp:
                    targets = [t for t in json.load(resp) if t["type"] == "page"]
                if targets:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        page = Page(targets[0]["webSocketDebuggerUrl"])
        page.call("Page.enable")
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=args.width,
            height=args.height,
            deviceScaleFactor=1,
            mobile=False,
        )
        page.goto(f"{args.base}/web/login", 1)
        wait_for(page, "!!document.querySelector('input[name=password]')")
        page.evaluate(
            f"document.querySelector('input[name=login]').value = {json.dumps(args.login)};"
            f"document.querySelector('input[name=password]').value = {json.dumps(args.password)};"
            "document.querySelector('button[type=submit]').click();"
        )
        wait_for(page, "!document.location.pathname.startsWith('/web/login')")
        page.goto(f"{args.base}{args.path}", 1)
        if args.selector:
            wait_for(page, f"!!document.querySelector({json.dumps(args.selector)})", timeout=120)
        time.sleep(args.wait)
        shot = page.call("Page.captureScreenshot", format="png")
        with open(args.output, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        print(f"saved {args.output}")
    finally:
        chrome.terminate()
        chrome.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
