"""Every plural message of the shipped catalogues is well formed and written for every plural
category of its language (tools/plural.py reads it)."""

import re
from pathlib import Path

import polib
import pytest

from odoo.addons.collection_followup.tools import plural

I18N = Path(__file__).resolve().parent.parent / "collection_followup" / "i18n"
LANGS = {"fa": "fa_IR", "ar": "ar_001", "he": "he_IL", "ru": "ru_RU"}
NAMED = re.compile(r"%\([a-z_]+\)s")


def plural_entries(name):
    return [
        entry
        for entry in polib.pofile(str(I18N / name))
        if not entry.obsolete and ", plural," in entry.msgid
    ]


def test_the_template_has_plural_messages():
    entries = plural_entries("collection_followup.pot")
    assert len(entries) >= 10
    for entry in entries:
        plural.parse(entry.msgid)  # well formed in English


@pytest.mark.parametrize("short, lang", sorted(LANGS.items()))
def test_each_language_writes_every_category(short, lang):
    needed = plural.categories(lang)
    for entry in plural_entries(f"{short}.po"):
        blocks = [part for part in plural.parse(entry.msgstr) if isinstance(part, tuple)]
        assert blocks, entry.msgid
        for _variable, branches in blocks:
            written = {key for key in branches if not key.startswith("=")}
            assert needed <= written, (entry.msgid, needed - written)
            for branch in branches.values():
                # Each branch is a whole sentence: the placeholders of the English one.
                english = plural.select(entry.msgid, 5, "en")
                assert sorted(NAMED.findall(branch)) == sorted(NAMED.findall(english)) or (
                    not NAMED.findall(english)
                ), (entry.msgid, branch)
        for count in (0, 1, 2, 3, 5, 11, 21, 22, 100):
            text = plural.select(entry.msgstr, count, lang)
            assert "{" not in text and "}" not in text, (entry.msgid, text)
