"""What the collections page accepts from a customer, and what never reaches the access log
(no database)."""

import io
import logging
import zipfile
from datetime import date

import pytest

from odoo.addons.collection_followup.tools.log_redaction import (
    LinkRedactingFilter,
    install,
    redact_links,
)
from odoo.addons.collection_followup.tools.portal_input import (
    InputError,
    parse_amount,
    parse_choice,
    parse_date,
    parse_id,
    parse_int,
    parse_text,
    sniff_upload,
)

OOXML = "application/vnd.openxmlformats-officedocument"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TODAY = date(2026, 3, 15)
LAST = date(2026, 5, 14)  # 60 days ahead


@pytest.mark.parametrize(
    ("text", "digits", "minor"),
    [
        ("1250", 2, 125000),
        ("1250.5", 2, 125050),
        ("0.01", 2, 1),
        (" 625.00 ", 2, 62500),
        ("۱۲۵۰٫۵", 2, 125050),  # Persian digits and decimal separator
        ("1250", 0, 1250),
        ("999999999999.99", 2, 99999999999999),
        ("0", 2, 0),
    ],
)
def test_amounts_in_minor_units(text, digits, minor):
    assert parse_amount(text, digits) == minor


@pytest.mark.parametrize(
    "text",
    ["nan", "NaN", "inf", "-inf", "1e400", "1e3", "-5", "+5", "1,250.00", "12.345", "", "  ",
     None, "0x10", "1 250", "1250.", ".5", "1000000000000", "١٢٣abc"],
)  # fmt: skip
def test_amounts_refused(text):
    with pytest.raises(InputError) as refused:
        parse_amount(text, 2)
    assert refused.value.field == "amount"


def test_amount_without_decimals_for_a_currency_without_them():
    with pytest.raises(InputError):
        parse_amount("12.5", 0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9999-12-28", "range"),
        ("2026-03-14", "range"),  # yesterday
        ("2026-05-15", "range"),  # one day beyond the horizon
        ("2026-02-30", "format"),
        ("2026-13-01", "format"),
        ("15/03/2026", "format"),
        ("2026-3-15", "format"),
        ("", "missing"),
        (None, "missing"),
        ("2026-03-15T10:00", "too_long"),
    ],
)
def test_dates_refused(text, reason):
    with pytest.raises(InputError) as refused:
        parse_date(text, TODAY, LAST)
    assert (refused.value.field, refused.value.reason) == ("date", reason)
    if reason == "range":
        assert refused.value.details == {"earliest": TODAY, "latest": LAST}


def test_dates_within_bounds():
    assert parse_date("2026-03-15", TODAY, LAST) == TODAY
    assert parse_date("2026-05-14", TODAY, LAST) == LAST


@pytest.mark.parametrize("text", ["abc", "-5", "0", "1.5", "99999999999", "2147483648", "", None])
def test_ids_refused(text):
    with pytest.raises(InputError) as refused:
        parse_id(text, "invoice")
    assert refused.value.field == "invoice"


def test_ids_and_numbers():
    assert parse_id("2147483647") == 2**31 - 1
    assert parse_id(" 42 ") == 42
    assert parse_int("3", 2, 24) == 3
    for text in ("1", "25", "3.5", "x"):
        with pytest.raises(InputError):
            parse_int(text, 2, 24, field="installments")


def test_choices_and_text():
    assert parse_choice("other", {"other": "Other"}) == "other"
    with pytest.raises(InputError):
        parse_choice("bogus", {"other": "Other"})
    assert parse_text(None, 10) == ""
    assert parse_text("  hello ", 10) == "hello"
    with pytest.raises(InputError):
        parse_text("x" * 11, 10)
    with pytest.raises(InputError):
        parse_text("a\x00b", 10)


def _zip(names, mimetype=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype:
            archive.writestr("mimetype", mimetype)
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("proof.pdf", b"%PDF-1.7\n...", ("application/pdf", "proof.pdf")),
        ("scan.JPG", b"\xff\xd8\xff\xe0rest", ("image/jpeg", "scan.jpg")),
        ("photo.jpeg", b"\x89PNG\r\n\x1a\nrest", ("image/png", "photo.png")),
        ("C:\\me\\receipt.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", ("image/webp", "receipt.webp")),
        ("../../etc/passwd", b"GIF89a....", ("image/gif", "passwd.gif")),
        (
            "letter.docx",
            _zip(["[Content_Types].xml", "word/document.xml"]),
            (f"{OOXML}.wordprocessingml.document", "letter.docx"),
        ),
        (
            "sheet.ods",
            _zip(["content.xml"], "application/vnd.oasis.opendocument.spreadsheet"),
            ("application/vnd.oasis.opendocument.spreadsheet", "sheet.ods"),
        ),
        ("old.xls", OLE + b"rest", ("application/vnd.ms-excel", "old.xls")),
    ],
)  # fmt: skip
def test_uploads_judged_by_content(name, content, expected):
    assert sniff_upload(name, content) == expected


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("proof.pdf", b"<html><script>alert(1)</script>"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("run.exe", b"MZ\x90\x00"),
        ("macro.docm", _zip(["[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"])),
        ("archive.zip", _zip(["anything.txt"])),
        ("old.doc.exe", OLE + b"rest"),
        ("empty.pdf", b""),
    ],
)
def test_uploads_refused(name, content):
    with pytest.raises(InputError) as refused:
        sniff_upload(name, content)
    assert (refused.value.field, refused.value.reason) == ("upload", "type")


def test_link_secrets_are_redacted_from_request_lines():
    line = '127.0.0.1 - - [15/Mar/2026 10:00:00] "GET /c/tAQ3fwgi86eSVfLB100_RA HTTP/1.1" 303 -'
    assert redact_links(line) == (
        '127.0.0.1 - - [15/Mar/2026 10:00:00] "GET /c/[redacted] HTTP/1.1" 303 -'
    )
    assert redact_links("GET /collections HTTP/1.1") == "GET /collections HTTP/1.1"
    assert redact_links("http://erp.example/c/tAQ3fwgi86eSVfLB100_RA?lang=fa_IR") == (
        "http://erp.example/c/[redacted]?lang=fa_IR"
    )


def test_the_werkzeug_logger_never_writes_a_secret():
    logger = install("cf-test-werkzeug")
    install("cf-test-werkzeug")
    assert sum(isinstance(f, LinkRedactingFilter) for f in logger.filters) == 1, "once"
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info(
            '%s - - [%s] "%s" %s %s',
            "127.0.0.1",
            "now",
            "GET /c/SECRETsecret123 HTTP/1.1",
            303,
            "-",
        )
        logger.info("Error on request: /c/%s", "SECRETsecret456")
    finally:
        logger.removeHandler(handler)
    assert lines == [
        '127.0.0.1 - - [now] "GET /c/[redacted] HTTP/1.1" 303 -',
        "Error on request: /c/[redacted]",
    ]
