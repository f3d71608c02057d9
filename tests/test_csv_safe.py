"""Cells of the agency CSV that a spreadsheet would run as formulas (no database)."""

import pytest

from odoo.addons.collection_followup.tools.csv_safe import neutralise_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+98 912 345 6789", "'+98 912 345 6789"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Northwind Traders", "Northwind Traders"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_formula_triggers_get_an_apostrophe(value, expected):
    assert neutralise_cell(value) == expected
