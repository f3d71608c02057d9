"""Spreadsheet-safe CSV cells.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is run as a formula when the file is opened in a
spreadsheet. Text written by customers or employees (names, email subjects, dispute messages)
is written with a leading apostrophe instead, the usual neutralisation, so it reads as text.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """``value`` as a string that a spreadsheet reads as text, never as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text
