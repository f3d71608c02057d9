"""Export layouts of factoring batches, without a database.

The reference files in ``collection_followup/tests/data/`` are shared with the Odoo test
``test_factoring.py``, which exports the same three invoices through the ORM: both must give
these files byte for byte (the XLSX file cell by cell, as a zip archive is not byte-stable
across zlib versions).
"""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest

from odoo.addons.collection_followup.tools.factoring_formats import (
    COLUMNS,
    FORMATS,
    BatchHeader,
    FixedWidthFormat,
    FormatError,
    Receivable,
    get_format,
)

DATA = Path(__file__).resolve().parent.parent / "collection_followup" / "tests" / "data"

NORTHWIND = Receivable(
    invoice_number="INV/2026/00001",
    invoice_date=date(2026, 3, 1),
    due_date=date(2026, 3, 31),
    customer_ref="NW001",
    customer_name="Northwind Traders",
    customer_vat="BE0477472701",
    street="12 Harbour Road Unit 4",
    zip="1000",
    city="Brussels",
    country="BE",
    amount_total=Decimal("1000.00"),
    amount_open=Decimal("1000.00"),
    currency="USD",
    payment_reference="INV/2026/00001",
)
EMILE = Receivable(
    invoice_number="INV/2026/00002",
    invoice_date=date(2026, 3, 2),
    due_date=date(2026, 4, 1),
    customer_ref="BE002",
    customer_name="Brasserie Émile SPRL",
    customer_vat="BE0403019261",
    street="Rue de la Loi 16",
    zip="4000",
    city="Liège",
    country="BE",
    amount_total=Decimal("2500.00"),
    amount_open=Decimal("2500.00"),
    currency="USD",
    payment_reference="INV/2026/00002",
)
PARS = Receivable(
    invoice_number="INV/2026/00003",
    invoice_date=date(2026, 3, 5),
    due_date=date(2026, 4, 4),
    customer_ref="PA003",
    customer_name="شرکت پارس",
    customer_vat="",
    street="خیابان ولیعصر ۱۲",
    zip="1416753955",
    city="تهران",
    country="IR",
    amount_total=Decimal("480.50"),
    amount_open=Decimal("480.50"),
    currency="USD",
    payment_reference="INV/2026/00003",
)


def header(*receivables):
    return BatchHeader(
        reference="FACT/2026/0001",
        date=date(2026, 3, 15),
        seller_name="Acme Collections",
        seller_vat="BE0123456789",
        factor_name="Factor Bank",
        client_number="AC-4711",
        currency="USD",
        digits=2,
        receivables=receivables,
    )


def cells(content):
    """Every sheet's cells as {sheet: [[value, number format], ...]} rows."""
    workbook = openpyxl.load_workbook(BytesIO(content))
    return {
        sheet.title: [[(cell.value, cell.number_format) for cell in row] for row in sheet.rows]
        for sheet in workbook.worksheets
    }


@pytest.mark.parametrize(
    ("code", "reference", "receivables"),
    [
        ("csv", "factoring_batch.csv", (NORTHWIND, EMILE, PARS)),
        ("fixed250", "factoring_batch_fixed250.txt", (NORTHWIND, EMILE, PARS)),
        ("fixed128", "factoring_batch_fixed128.txt", (NORTHWIND, EMILE)),
    ],
)
def test_text_formats_match_the_reference_files(code, reference, receivables):
    assert get_format(code).render(header(*receivables)) == (DATA / reference).read_bytes()


def test_xlsx_matches_the_reference_file():
    content = get_format("xlsx").render(header(NORTHWIND, EMILE, PARS))
    expected = cells((DATA / "factoring_batch.xlsx").read_bytes())
    assert cells(content) == expected
    receivables = expected["Receivables"]
    # The heading row, then real dates and numbers with two decimals.
    assert [value for value, _fmt in receivables[0]] == [heading for heading, _a in COLUMNS]
    assert receivables[1][1] == (datetime(2026, 3, 1), "yyyy-mm-dd")
    assert receivables[3][4][0] == "شرکت پارس"
    assert receivables[3][11] == (480.5, "0.00")
    assert dict((row[0][0], row[1][0]) for row in expected["Batch"])["total_amount_open"] == 3980.5


def test_same_batch_same_xlsx_bytes():
    """A fixed creation date and zip timestamps: exporting twice gives the same file."""
    xlsx = get_format("xlsx")
    assert xlsx.render(header(NORTHWIND)) == xlsx.render(header(NORTHWIND))


def test_fixed_width_records_have_the_documented_width():
    content = get_format("fixed250").render(header(NORTHWIND, EMILE, PARS)).decode("utf-8")
    records = content.split("\r\n")
    assert records[-1] == ""  # every record ends with CRLF
    assert [len(record) for record in records[:-1]] == [250] * 5
    detail = records[1]
    # Positions of the documentation (1-based, inclusive): 198-212 invoice total in cents.
    assert detail[0] == "D"
    assert detail[1:7] == "000001"
    assert detail[7:27] == "INV/2026/00001      "
    assert detail[27:35] == "20260301"
    assert detail[197:212] == "000000000100000"
    assert records[3][55:95] == "شرکت پارس".ljust(40)  # characters, not bytes
    trailer = records[4]
    assert trailer[:37] == "T000003" + "000000000398050" + "000000000398050"


def test_ascii_layout_drops_accents_and_refuses_other_scripts():
    content = get_format("fixed128").render(header(EMILE)).decode("ascii")
    assert "BRASSERIE EMILE SPRL" in content
    with pytest.raises(FormatError, match="INV/2026/00003: customer_name"):
        get_format("fixed128").render(header(NORTHWIND, PARS))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Großhandel Müller GmbH", "GROSSHANDEL MULLER GMBH"),
        ("STRASSE ẞ", "STRASSE SS"),
        ("Ørsted A/S", "ORSTED A/S"),
        ("Søren Kierkegaard", "SOREN KIERKEGAARD"),
        ("Æbeltoft Træ", "AEBELTOFT TRAE"),
        ("Œuvres cœur", "OEUVRES COEUR"),
        ("Łódź Spółka", "LODZ SPOLKA"),
        ("Đakovo đak", "DAKOVO DAK"),
        ("Þórshöfn þorp", "THORSHOFN THORP"),
        ("Guðrún Ðorð", "GUDRUN DORD"),
        ("L’Oréal", "L'OREAL"),
        ("«Le Café» – Paris", '"LE CAFE" - PARIS'),
        ("„Müller“ — Köln", '"MULLER" - KOLN'),
    ],
)
def test_ascii_layout_spells_out_the_common_latin_letters(name, expected):
    assert get_format("fixed128").text(name) == expected


def test_ascii_layout_writes_a_latin_name_in_its_record():
    """ "Großhandel Ørsted Łódź" takes 23 characters of the 30 of the customer name (positions
    59-88 of the detail record); the file is ASCII, 128 characters a record."""
    customer = Receivable(**{**EMILE.__dict__, "customer_name": "Großhandel Ørsted Łódź"})
    content = get_format("fixed128").render(header(customer)).decode("ascii")
    records = content.split("\r\n")[:-1]
    assert [len(record) for record in records] == [128] * 3
    assert records[1][58:88] == "GROSSHANDEL ORSTED LODZ".ljust(30)


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("ООО Ромашка", "'ОРомашк'"),  # Cyrillic
        ("شرکت پارس", "'شرکتپاس'"),  # Persian (Arabic script)
        ("שלום בע״מ", "'שלוםבע״מ'"),  # Hebrew
        ("株式会社", "'株式会社'"),  # Japanese
    ],
)
def test_ascii_layout_refuses_other_scripts_naming_the_characters(name, named):
    customer = Receivable(**{**EMILE.__dict__, "customer_name": name})
    with pytest.raises(FormatError) as error:
        get_format("fixed128").render(header(customer))
    assert str(error.value) == (
        f"INV/2026/00002: customer_name {name!r} cannot be written in ASCII: {named} have no "
        "Latin spelling in this layout; give the name in Latin letters or choose a UTF-8 layout"
    )


def test_identifiers_are_never_cut():
    long_number = Receivable(**{**NORTHWIND.__dict__, "invoice_number": "INV/2026/" + "9" * 20})
    with pytest.raises(FormatError, match="invoice_number .* longer than 20"):
        get_format("fixed250").render(header(long_number))


def test_names_are_cut_to_the_field():
    long_name = Receivable(**{**NORTHWIND.__dict__, "customer_name": "N" * 60})
    detail = get_format("fixed250").render(header(long_name)).decode().split("\r\n")[1]
    assert detail[55:95] == "N" * 40
    assert len(detail) == 250


def test_amounts_with_more_decimals_than_the_currency_are_refused():
    odd = Receivable(**{**NORTHWIND.__dict__, "amount_open": Decimal("10.005")})
    with pytest.raises(FormatError, match="more than 2 decimals"):
        get_format("fixed250").render(header(odd))


def test_csv_quotes_separators_and_keeps_non_latin_text():
    comma = Receivable(**{**NORTHWIND.__dict__, "customer_name": 'Northwind, "the" Traders'})
    rows = get_format("csv").render(header(comma, PARS)).decode("utf-8").split("\r\n")
    assert '"Northwind, ""the"" Traders"' in rows[1]
    assert "شرکت پارس" in rows[2]


def test_registry():
    assert set(FORMATS) == {"csv", "xlsx", "fixed250", "fixed128"}
    for code, cls in FORMATS.items():
        fmt = get_format(code)
        assert fmt.code == code and fmt.label and fmt.extension
        if isinstance(fmt, FixedWidthFormat):
            fmt.check_layout()
            assert cls.describe(fmt)[0][:4] == ("header", 1, 1, 1)
    with pytest.raises(FormatError, match="unknown export format"):
        get_format("mt940")
    assert get_format("csv").filename(header()) == "FACT-2026-0001.csv"
