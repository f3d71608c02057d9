"""Dates and digits of customer documents in the customer's calendar.

Pure logic: the conversions are the libraries' (``jdatetime`` for the Solar Hijri calendar,
``hijridate`` for Hijri Umm al-Qura); this module only chooses, writes and reads them.
"""

import datetime
import re

import jdatetime
from hijridate import Gregorian, Hijri

GREGORIAN = "gregorian"
JALALI = "jalali"
GREGORIAN_HIJRI = "gregorian_hijri"
CALENDARS = [
    (GREGORIAN, "Gregorian"),
    (JALALI, "Solar Hijri (Jalali)"),
    (GREGORIAN_HIJRI, "Gregorian with Hijri (Umm al-Qura)"),
]

LATIN = "latin"
NATIVE = "native"

LATIN_DIGITS = "0123456789"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, LATIN_DIGITS * 2)
_TO_PERSIAN = str.maketrans(LATIN_DIGITS, PERSIAN_DIGITS)
_TO_ARABIC = str.maketrans(LATIN_DIGITS, ARABIC_DIGITS)
# Decimal and group separators that go with native digits.
_PERSIAN_SEPARATORS = str.maketrans({".": "٫", ",": "٬"})
_ARABIC_SEPARATORS = _PERSIAN_SEPARATORS

RTL_LANGS = ("fa", "ar", "he", "ur", "ps", "ckb", "yi", "dv")
# Hijri suffix for the Umm al-Qura date written next to the Gregorian one.
HIJRI_SUFFIX = "هـ"


def lang_base(lang_code):
    """``fa_IR`` → ``fa``."""
    return (lang_code or "en").split("_")[0].split("@")[0].lower()


def default_calendar(lang_code):
    """The calendar a language's customer documents use unless the company says otherwise:
    Solar Hijri for Persian, Gregorian for every other language."""
    return JALALI if lang_base(lang_code) == "fa" else GREGORIAN


def native_digit_set(lang_code):
    """``translate`` table from Latin to the language's native digits, or None when the language
    writes Latin digits (Persian: ۰–۹, Arabic: ٠–٩)."""
    base = lang_base(lang_code)
    if base in ("fa", "ur", "ps"):
        return _TO_PERSIAN
    if base == "ar":
        return _TO_ARABIC
    return None


def to_native_digits(text, lang_code):
    """``text`` with Latin digits (and the separators between them) written in the native digits
    of ``lang_code``; unchanged for languages without native digits. Callers pass figures
    (dates, amounts, counts), not references such as ``INV/2026/0001``."""
    table = native_digit_set(lang_code)
    if not table or not text:
        return text
    separators = _PERSIAN_SEPARATORS if lang_base(lang_code) != "ar" else _ARABIC_SEPARATORS

    def convert(match):
        return match.group(0).translate(separators).translate(table)

    # Only numbers: a digit run with its inner separators (1,234.50 → ۱٬۲۳۴٫۵۰).
    return re.sub(r"\d[\d.,]*\d|\d", convert, str(text))


def to_latin_digits(text):
    """``text`` with Persian and Arabic-Indic digits as Latin ones."""
    return str(text).translate(_TO_LATIN)


def format_date(day, calendar, gregorian_text):
    """``day`` written in ``calendar``. ``gregorian_text``: the date already written the
    language's Gregorian way (Odoo's format), used as is for the Gregorian calendar and next to
    the Hijri one. Jalali dates are written year/month/day as Iranian documents do."""
    if not day:
        return ""
    if isinstance(day, datetime.datetime):
        day = day.date()
    if calendar == JALALI:
        jalali = jdatetime.date.fromgregorian(date=day)
        return f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"
    if calendar == GREGORIAN_HIJRI:
        try:
            hijri = Gregorian(day.year, day.month, day.day).to_hijri()
        except OverflowError:  # outside the Umm al-Qura tables (1924-2077)
            return gregorian_text
        return f"{gregorian_text} ({hijri.day:02d}/{hijri.month:02d}/{hijri.year} {HIJRI_SUFFIX})"
    return gregorian_text


_DATE_RE = re.compile(r"^\s*(\d{1,4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,4})\s*$")


def parse_date(text, calendar):
    """The Gregorian date of ``text`` typed in ``calendar`` (year/month/day, or day/month/year
    when the year comes last; ``/``, ``-`` or ``.``; Latin, Persian or Arabic-Indic digits).
    Also reads ISO dates (``2026-12-01``) in every calendar: a browser date field sends those.
    Raises ValueError on anything else."""
    match = _DATE_RE.match(to_latin_digits(text or ""))
    if not match:
        raise ValueError(text)
    first, month, last = match.groups()
    if len(first) == 4:
        year, day = int(first), int(last)
    elif len(last) == 4:
        year, day = int(last), int(first)
    else:
        raise ValueError(text)
    month = int(month)
    if calendar == JALALI and year < 1700:
        return jdatetime.date(year, month, day).togregorian()
    if calendar == GREGORIAN_HIJRI and year < 1600:
        try:
            return datetime.date(*Hijri(year, month, day).to_gregorian().datetuple())
        except OverflowError as error:
            raise ValueError(text) from error
    return datetime.date(year, month, day)


def date_hint(calendar):
    """How to type a date in ``calendar``, for a placeholder."""
    return {JALALI: "1405/09/10", GREGORIAN_HIJRI: "2026-12-01"}.get(calendar, "2026-12-01")


def is_rtl(lang_code):
    return lang_base(lang_code) in RTL_LANGS


def script(lang_code):
    """The script a language is written in, for the fonts of a document."""
    base = lang_base(lang_code)
    if base in ("fa", "ar", "ur", "ps", "ckb"):
        return "arabic"
    if base in ("he", "yi"):
        return "hebrew"
    if base in ("ru", "uk", "bg", "sr", "be", "kk", "mk"):
        return "cyrillic"
    return "latin"
