"""Export layouts of factoring batches: the file a factor receives with the receivables sold.

Pure Python, no ORM: the batch model turns its records into a :class:`BatchHeader` and a list
of :class:`Receivable` values, picks the factor's format in :data:`FORMATS` and writes what
:meth:`ExportFormat.render` returns. A new layout is one more class with ``@register``.

Conventions shared by every format:

- dates in ISO order (``YYYY-MM-DD`` in CSV, ``YYYYMMDD`` in the fixed-width layouts, real
  dates in XLSX);
- amounts in the batch currency with the currency's number of decimals, a dot as decimal
  separator and no thousands separator (CSV), numbers (XLSX), or integers in minor units —
  cents — right-aligned and zero-padded (fixed width);
- one row (record) per invoice, in the order given (the batch sorts by invoice number).

Bad data raises :class:`FormatError` with a message naming the invoice and the field, never a
half-written file.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter


class FormatError(ValueError):
    """The data cannot be written in this layout (too long, not representable...)."""


@dataclass(frozen=True)
class Receivable:
    """One invoice sold to the factor."""

    invoice_number: str
    invoice_date: date
    due_date: date
    customer_ref: str  # the customer's reference in our books (its code, else its id)
    customer_name: str
    customer_vat: str
    street: str  # street and street2, on one line
    zip: str
    city: str
    country: str  # ISO 3166 alpha-2 code
    amount_total: Decimal  # invoice total, taxes included
    amount_open: Decimal  # what is still owed: the face value sold
    currency: str  # ISO 4217 code
    payment_reference: str  # the communication the customer pays with


@dataclass(frozen=True)
class BatchHeader:
    """The batch the receivables belong to."""

    reference: str
    date: date
    seller_name: str
    seller_vat: str
    factor_name: str
    client_number: str  # our account number at the factor
    currency: str
    digits: int  # decimals of the currency
    receivables: tuple = field(default=())

    @property
    def total_open(self):
        return sum((r.amount_open for r in self.receivables), Decimal(0))

    @property
    def total_invoiced(self):
        return sum((r.amount_total for r in self.receivables), Decimal(0))


FORMATS = {}


def register(cls):
    """Class decorator: make the format available under its ``code``."""
    if cls.code in FORMATS:
        raise ValueError(f"export format {cls.code!r} registered twice")
    FORMATS[cls.code] = cls
    return cls


def get_format(code):
    """The format registered as ``code`` (an instance)."""
    try:
        return FORMATS[code]()
    except KeyError:
        raise FormatError(f"unknown export format {code!r}") from None


class ExportFormat:
    """A layout of the batch file. Subclasses set the class attributes and ``render``."""

    code = None  # stored on the factor
    label = None  # shown to the user
    extension = None

    def render(self, header):
        """The file's content, as bytes."""
        raise NotImplementedError

    def filename(self, header):
        reference = "".join(c if c.isalnum() or c in "-_" else "-" for c in header.reference)
        return f"{reference}.{self.extension}"

    @staticmethod
    def amount(value, digits):
        """``value`` as text with ``digits`` decimals: ``1234.5`` → ``"1234.50"``."""
        return f"{Decimal(str(value)):.{digits}f}"


# The columns of the CSV and XLSX files, in order: (heading, attribute of Receivable).
COLUMNS = (
    ("invoice_number", "invoice_number"),
    ("invoice_date", "invoice_date"),
    ("due_date", "due_date"),
    ("customer_ref", "customer_ref"),
    ("customer_name", "customer_name"),
    ("customer_vat", "customer_vat"),
    ("street", "street"),
    ("zip", "zip"),
    ("city", "city"),
    ("country", "country"),
    ("amount_total", "amount_total"),
    ("amount_open", "amount_open"),
    ("currency", "currency"),
    ("payment_reference", "payment_reference"),
)
AMOUNT_COLUMNS = {"amount_total", "amount_open"}
DATE_COLUMNS = {"invoice_date", "due_date"}


@register
class CsvFormat(ExportFormat):
    """Comma-separated values, UTF-8 without BOM, CRLF line ends, RFC 4180 quoting; a heading
    row with the column names of :data:`COLUMNS`, then one row per invoice."""

    code = "csv"
    label = "CSV"
    extension = "csv"

    def render(self, header):
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([heading for heading, _attr in COLUMNS])
        for receivable in header.receivables:
            row = []
            for heading, attr in COLUMNS:
                value = getattr(receivable, attr)
                if heading in AMOUNT_COLUMNS:
                    value = self.amount(value, header.digits)
                elif heading in DATE_COLUMNS:
                    value = value.isoformat()
                row.append(value or "")
            writer.writerow(row)
        return buffer.getvalue().encode("utf-8")


@register
class XlsxFormat(ExportFormat):
    """An Excel workbook: sheet *Receivables* with the columns of :data:`COLUMNS` (a bold
    heading row, dates as dates, amounts as numbers with the currency's decimals), and sheet
    *Batch* with the batch reference, date, seller, VAT, factor, client number, currency,
    number of invoices and the totals."""

    code = "xlsx"
    label = "Excel (XLSX)"
    extension = "xlsx"

    def render(self, header):
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        # A fixed creation date: the same batch always gives the same file.
        created = datetime.combine(header.date, datetime.min.time())
        workbook.set_properties({"title": header.reference, "created": created})
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        money_format = workbook.add_format(
            {"num_format": "0." + "0" * header.digits if header.digits else "0"}
        )

        sheet = workbook.add_worksheet("Receivables")
        for col, (heading, _attr) in enumerate(COLUMNS):
            sheet.write_string(0, col, heading, bold)
        for row, receivable in enumerate(header.receivables, start=1):
            for col, (heading, attr) in enumerate(COLUMNS):
                value = getattr(receivable, attr)
                if heading in AMOUNT_COLUMNS:
                    sheet.write_number(row, col, float(value), money_format)
                elif heading in DATE_COLUMNS:
                    sheet.write_datetime(
                        row, col, datetime.combine(value, datetime.min.time()), date_format
                    )
                else:
                    sheet.write_string(row, col, value or "")
        sheet.set_column(0, len(COLUMNS) - 1, 16)

        summary = workbook.add_worksheet("Batch")
        rows = (
            ("reference", header.reference, None),
            ("date", datetime.combine(header.date, datetime.min.time()), date_format),
            ("seller", header.seller_name, None),
            ("seller_vat", header.seller_vat, None),
            ("factor", header.factor_name, None),
            ("client_number", header.client_number, None),
            ("currency", header.currency, None),
            ("invoices", len(header.receivables), None),
            ("total_amount_total", float(header.total_invoiced), money_format),
            ("total_amount_open", float(header.total_open), money_format),
        )
        for row, (label, value, cell_format) in enumerate(rows):
            summary.write_string(row, 0, label, bold)
            if isinstance(value, datetime):
                summary.write_datetime(row, 1, value, cell_format)
            elif isinstance(value, int | float):
                summary.write_number(row, 1, value, cell_format)
            else:
                summary.write_string(row, 1, value or "")
        summary.set_column(0, 1, 22)
        workbook.close()
        return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Fixed-width layouts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of a fixed-width record.

    kind: ``"A"`` text, left-aligned and padded with spaces; ``"N"`` a whole number,
    right-aligned and padded with zeros; ``"M"`` an amount in minor units (cents), like N;
    ``"D"`` a date ``YYYYMMDD``; ``"C"`` a constant (``value``). Text longer than the field is
    cut when ``truncate`` (names, addresses), else refused (identifiers).
    """

    name: str
    length: int
    kind: str = "A"
    truncate: bool = False
    value: str = ""
    description: str = ""


class FixedWidthFormat(ExportFormat):
    """A header record, one detail record per invoice and a trailer record, each exactly
    ``width`` characters followed by CRLF. Subclasses declare the records as lists of
    :class:`Field`; positions follow from the lengths (see :meth:`describe`)."""

    extension = "txt"
    width = None
    encoding = "utf-8"
    header_fields = ()
    detail_fields = ()
    trailer_fields = ()

    def describe(self):
        """``[(record, start, end, length, kind, name, description)]``, positions from 1."""
        rows = []
        for record, fields_ in (
            ("header", self.header_fields),
            ("detail", self.detail_fields),
            ("trailer", self.trailer_fields),
        ):
            start = 1
            for fld in fields_:
                end = start + fld.length - 1
                rows.append((record, start, end, fld.length, fld.kind, fld.name, fld.description))
                start += fld.length
        return rows

    def check_layout(self):
        for record, fields_ in (
            ("header", self.header_fields),
            ("detail", self.detail_fields),
            ("trailer", self.trailer_fields),
        ):
            total = sum(fld.length for fld in fields_)
            if total != self.width:
                raise FormatError(f"{self.code}: the {record} record is {total} wide")

    def text(self, value):
        """Text as this layout can hold it (hook for restricted character sets)."""
        return " ".join(str(value or "").split())  # no line breaks or tabs inside a record

    def field(self, fld, value, digits, where):
        if fld.kind == "C":
            out = fld.value
        elif fld.kind == "D":
            out = value.strftime("%Y%m%d") if value else " " * 8
        elif fld.kind in ("N", "M"):
            number = value
            if fld.kind == "M":
                number = Decimal(str(value)).scaleb(digits)
                if number != number.to_integral_value():
                    raise FormatError(
                        f"{where}: {fld.name} {value} has more than {digits} decimals"
                    )
            number = int(number)
            if number < 0:
                raise FormatError(f"{where}: {fld.name} cannot be negative ({value})")
            out = str(number).rjust(fld.length, "0")
            if len(out) > fld.length:
                raise FormatError(f"{where}: {fld.name} {value} does not fit in {fld.length}")
        else:
            try:
                out = self.text(value)
            except FormatError as error:
                raise FormatError(f"{where}: {fld.name} {error}") from None
            if len(out) > fld.length:
                if not fld.truncate:
                    raise FormatError(
                        f"{where}: {fld.name} {out!r} is longer than {fld.length} characters"
                    )
                out = out[: fld.length]
            out = out.ljust(fld.length)
        if len(out) != fld.length:
            raise FormatError(f"{where}: {fld.name} does not fit in {fld.length} characters")
        return out

    def record(self, fields_, values, digits, where):
        return "".join(self.field(fld, values.get(fld.name), digits, where) for fld in fields_)

    def render(self, header):
        self.check_layout()
        digits = header.digits
        header_values = {
            "client_number": header.client_number,
            "seller_name": header.seller_name,
            "seller_vat": header.seller_vat,
            "reference": header.reference,
            "date": header.date,
            "currency": header.currency,
        }
        lines = [self.record(self.header_fields, header_values, digits, header.reference)]
        for sequence, receivable in enumerate(header.receivables, start=1):
            values = {
                **{name: getattr(receivable, name) for name in Receivable.__dataclass_fields__},
                "sequence": sequence,
            }
            lines.append(self.record(self.detail_fields, values, digits, receivable.invoice_number))
        trailer_values = {
            "count": len(header.receivables),
            "total_amount_total": header.total_invoiced,
            "total_amount_open": header.total_open,
        }
        lines.append(self.record(self.trailer_fields, trailer_values, digits, header.reference))
        return "".join(line + "\r\n" for line in lines).encode(self.encoding)


@register
class Fixed250Format(FixedWidthFormat):
    """Fixed width, 250 characters per record, UTF-8. Positions count characters, so names in
    Persian, Arabic, Russian or Hebrew are written as they are (in logical order)."""

    code = "fixed250"
    label = "Fixed width, 250 characters (UTF-8)"
    width = 250
    header_fields = (
        Field("record_type", 1, "C", value="H", description="`H`"),
        Field("client_number", 12, description="our client number at the factor"),
        Field("seller_name", 40, truncate=True, description="our company name"),
        Field("seller_vat", 20, description="our VAT number"),
        Field("reference", 20, description="batch reference"),
        Field("date", 8, "D", description="batch date"),
        Field("currency", 3, description="currency (ISO 4217)"),
        Field("filler", 146, "C", value=" " * 146, description="spaces"),
    )
    detail_fields = (
        Field("record_type", 1, "C", value="D", description="`D`"),
        Field("sequence", 6, "N", description="line number, from 000001"),
        Field("invoice_number", 20, description="invoice number"),
        Field("invoice_date", 8, "D", description="invoice date"),
        Field("due_date", 8, "D", description="due date (of the last instalment)"),
        Field("customer_ref", 12, description="customer reference"),
        Field("customer_name", 40, truncate=True, description="customer name"),
        Field("customer_vat", 20, description="customer VAT number"),
        Field("street", 40, truncate=True, description="street"),
        Field("zip", 10, description="postcode"),
        Field("city", 30, truncate=True, description="city"),
        Field("country", 2, description="country (ISO 3166)"),
        Field("amount_total", 15, "M", description="invoice total"),
        Field("amount_open", 15, "M", description="amount sold (still owed)"),
        Field("currency", 3, description="currency (ISO 4217)"),
        Field("payment_reference", 20, description="payment reference"),
    )
    trailer_fields = (
        Field("record_type", 1, "C", value="T", description="`T`"),
        Field("count", 6, "N", description="number of detail records"),
        Field("total_amount_total", 15, "M", description="sum of the invoice totals"),
        Field("total_amount_open", 15, "M", description="sum of the amounts sold"),
        Field("filler", 213, "C", value=" " * 213, description="spaces"),
    )


# Latin letters and punctuation that Unicode does not decompose into an ASCII letter and an
# accent (NFKD leaves them whole), written the way their languages spell them in ASCII: German
# ß as SS, Danish and Norwegian Ø as O, Æ as AE, French Œ as OE, Polish Ł as L, Croatian and
# Vietnamese Đ as D, Icelandic Þ as TH and Ð as D; typographic quotes and dashes as their
# ASCII forms. Lowercase letters map to lowercase (the layout upper-cases everything after).
ASCII_TRANSLITERATION = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "Ø": "O",
        "ø": "o",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Þ": "TH",
        "þ": "th",
        "ı": "i",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‹": "'",
        "›": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
    }
)


@register
class Fixed128AsciiFormat(FixedWidthFormat):
    """Fixed width, 128 characters per record, upper-case ASCII for factors whose systems read
    nothing else: accents are dropped (é → E) and the Latin letters without an accent to drop
    are spelled out (ß → SS, Ø → O, Æ → AE, Œ → OE, Ł → L, Đ → D, Þ → TH; ’ → ', – → -,
    « » → "); a name in another script (Cyrillic, Arabic, Hebrew, CJK...) is refused with the
    invoice, the field and the characters named, rather than written as question marks."""

    code = "fixed128"
    label = "Fixed width, 128 characters (ASCII)"
    width = 128
    encoding = "ascii"
    header_fields = (
        Field("record_type", 1, "C", value="H", description="`H`"),
        Field("client_number", 10, description="our client number at the factor"),
        Field("reference", 16, description="batch reference"),
        Field("date", 8, "D", description="batch date"),
        Field("currency", 3, description="currency (ISO 4217)"),
        Field("seller_vat", 20, description="our VAT number"),
        Field("seller_name", 70, truncate=True, description="our company name"),
    )
    detail_fields = (
        Field("record_type", 1, "C", value="D", description="`D`"),
        Field("sequence", 5, "N", description="line number, from 00001"),
        Field("invoice_number", 16, description="invoice number"),
        Field("invoice_date", 8, "D", description="invoice date"),
        Field("due_date", 8, "D", description="due date (of the last instalment)"),
        Field("customer_vat", 20, description="customer VAT number"),
        Field("customer_name", 30, truncate=True, description="customer name"),
        Field("country", 2, description="country (ISO 3166)"),
        Field("amount_open", 13, "M", description="amount sold (still owed)"),
        Field("payment_reference", 25, description="payment reference"),
    )
    trailer_fields = (
        Field("record_type", 1, "C", value="T", description="`T`"),
        Field("count", 5, "N", description="number of detail records"),
        Field("total_amount_open", 15, "M", description="sum of the amounts sold"),
        Field("filler", 107, "C", value=" " * 107, description="spaces"),
    )

    def text(self, value):
        text = super().text(value)
        plain = "".join(
            char
            for char in unicodedata.normalize("NFKD", text.translate(ASCII_TRANSLITERATION))
            if not unicodedata.combining(char)
        )
        if not plain.isascii():
            others = "".join(dict.fromkeys(char for char in plain if not char.isascii()))
            raise FormatError(
                f"{text!r} cannot be written in ASCII: {others!r} have no Latin spelling in "
                "this layout; give the name in Latin letters or choose a UTF-8 layout"
            )
        return plain.upper()
