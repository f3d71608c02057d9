"""Strict parsing of what a customer sends from the collections page (no Odoo import).

Every value comes from an HTTP form, so it is a string or missing. A value that is not exactly
what the form asks for raises :class:`InputError` naming the field and the reason; the portal
controller turns it into a 400 page with a sentence in the customer's language.
"""

import io
import re
import unicodedata
import zipfile
from datetime import date

from . import calendar as calendar_tools

MAX_ID = 2**31 - 1
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID = re.compile(r"[1-9]\d{0,9}")


class InputError(ValueError):
    """A form value the page refuses: ``field`` (amount, date, id...), ``reason`` (missing,
    too_long, format, range...) and ``details`` for the message (the bounds of a range)."""

    def __init__(self, field, reason, **details):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.details = details


def _text(value, field, max_length=64):
    if not isinstance(value, str):
        raise InputError(field, "missing")
    value = value.strip()
    if not value:
        raise InputError(field, "missing")
    if len(value) > max_length:
        raise InputError(field, "too_long")
    return value


def _ascii_digits(value):
    """Persian, Arabic-Indic and other decimal digits as ASCII digits; the Arabic decimal
    separator as a dot."""
    chars = []
    for char in value:
        if char == "\u066b":  # ARABIC DECIMAL SEPARATOR
            chars.append(".")
        elif char.isdecimal() and not char.isascii():
            chars.append(str(unicodedata.decimal(char)))
        else:
            chars.append(char)
    return "".join(chars)


def parse_amount(value, decimal_places, max_integer_digits=12):
    """A positive or zero amount written ``1250`` or ``1250.5`` (at most ``decimal_places``
    decimals), returned in minor units (an int). ``nan``, ``inf``, exponents, signs, thousands
    separators and more than ``max_integer_digits`` digits before the point are refused."""
    text = _ascii_digits(_text(value, "amount"))
    decimals = rf"(?:\.(\d{{1,{decimal_places}}}))?" if decimal_places else ""
    match = re.fullmatch(rf"(\d{{1,{max_integer_digits}}}){decimals}", text)
    if not match:
        raise InputError("amount", "format")
    whole = int(match.group(1))
    fraction = (match.group(2) or "") if decimal_places else ""
    return whole * 10**decimal_places + int(fraction.ljust(decimal_places, "0") or 0)


def parse_date(value, earliest, latest, calendar=None):
    """A date written ``YYYY-MM-DD`` (what an HTML date input sends), from ``earliest`` to
    ``latest`` included. With the Solar Hijri ``calendar`` (tools.calendar.JALALI), also a
    date typed in it (``1405/01/11``, Persian or Arabic-Indic digits too): the page asks for
    one in a text field; the other calendars pick the date in the browser's date field."""
    text = _text(value, "date", max_length=10)
    try:
        if calendar == calendar_tools.JALALI and not _DATE.fullmatch(text):
            parsed = calendar_tools.parse_date(text, calendar)
        elif _DATE.fullmatch(text):
            parsed = date.fromisoformat(text)
        else:
            raise InputError("date", "format")
    except ValueError as error:
        raise InputError("date", "format") from error
    if not earliest <= parsed <= latest:
        raise InputError("date", "range", earliest=earliest, latest=latest)
    return parsed


def parse_id(value, field="id"):
    """A database id: a positive integer of at most ten digits that fits in PostgreSQL's
    integer."""
    text = _text(value, field, max_length=10)
    if not _ID.fullmatch(text) or int(text) > MAX_ID:
        raise InputError(field, "format")
    return int(text)


def parse_int(value, low, high, field="number"):
    """An integer from ``low`` to ``high`` included."""
    text = _ascii_digits(_text(value, field, max_length=6))
    if not re.fullmatch(r"\d{1,6}", text):
        raise InputError(field, "format")
    number = int(text)
    if not low <= number <= high:
        raise InputError(field, "range")
    return number


def parse_choice(value, choices, field="choice"):
    """One of ``choices`` (strings), exactly."""
    text = _text(value, field)
    if text not in choices:
        raise InputError(field, "format")
    return text


def parse_text(value, max_length, field="text"):
    """Free text, possibly empty, at most ``max_length`` characters, without NUL characters."""
    if value is None:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise InputError(field, "format")
    if len(value) > max_length:
        raise InputError(field, "too_long")
    return value.strip()


# --------------------------------------------------------------------------- uploads

# Office documents in a ZIP container, by the part that says what they are.
_OOXML = {
    "word/document.xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    "xl/workbook.xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
    ),
}
_ODF = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
}
# Older Office documents (OLE2 container): which one it is, the file name says.
_OLE = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
]
_EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
}
UPLOAD_TYPES_TEXT = "PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint, OpenDocument"


def _zip_type(content):
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # documents with macros are refused
    for part, found in _OOXML.items():
        if part in names and "[Content_Types].xml" in names:
            return found
    if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
        declared = archive.read("mimetype").strip()
        if declared in _ODF:
            return declared.decode(), _ODF[declared]
    return None


def sniff_upload(filename, content):
    """``(mimetype, filename)`` of an uploaded proof file, judged by its content: PDF, PNG,
    JPEG, GIF, WebP and Office / OpenDocument documents (without macros). The file name is
    kept without its path, its extension set to the one of the type found. Anything else
    raises ``InputError("upload", "type")``."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()[:100] or "proof"
    stem, dot, extension = name.rpartition(".")
    stem, extension = (stem, f".{extension.lower()}") if dot and stem else (name, "")
    found = None
    for magic, mimetype, default_extension in _MAGIC:
        if content.startswith(magic):
            found = (mimetype, default_extension)
            break
    if not found and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        found = ("image/webp", ".webp")
    if not found and content.startswith(b"PK\x03\x04"):
        found = _zip_type(content)
    if not found and content.startswith(_OLE_MAGIC) and extension in _OLE:
        found = (_OLE[extension], extension)
    if not found:
        raise InputError("upload", "type")
    mimetype, default_extension = found
    if extension not in _EXTENSIONS.get(mimetype, (default_extension,)):
        extension = default_extension
    return mimetype, f"{stem}{extension}"
