import difflib
import io
import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools import file_open
from odoo.tools.translate import trans_export

LANGS = ("fa", "ar", "he", "ru")
# The header lines that change at every export.
VOLATILE_HEADER = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.M)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|%[sdf]|\{\{.*?\}\}|t-out=\"[^\"]*\"")


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    """Translations are a build product: the shipped template is what a fresh install exports
    (``make pot``), and every language translates all of it, with the same placeholders."""

    def _shipped(self, name):
        with file_open(f"collection_followup/i18n/{name}") as file:
            return file.read()

    def test_shipped_pot_is_a_fresh_export(self):
        buffer = io.BytesIO()
        trans_export(False, ["collection_followup"], buffer, "po", self.env.cr)
        fresh = VOLATILE_HEADER.sub("", buffer.getvalue().decode())
        shipped = VOLATILE_HEADER.sub("", self._shipped("collection_followup.pot"))
        if fresh != shipped:
            diff = difflib.unified_diff(
                shipped.splitlines(), fresh.splitlines(), "shipped", "fresh export", lineterm=""
            )
            self.fail(
                "i18n/collection_followup.pot is stale: run `make pot`, translate, commit.\n"
                + "\n".join(list(diff)[:60])
            )

    def test_every_language_translates_the_whole_template(self):
        template = {entry.msgid for entry in polib.pofile(self._shipped("collection_followup.pot"))}
        for lang in LANGS:
            with self.subTest(lang=lang):
                catalog = polib.pofile(self._shipped(f"{lang}.po"))
                entries = [entry for entry in catalog if not entry.obsolete]
                self.assertEqual({entry.msgid for entry in entries}, template)
                self.assertFalse([e.msgid for e in entries if "fuzzy" in e.flags], "fuzzy")
                self.assertFalse([e.msgid for e in entries if not e.msgstr], "untranslated")
                self.assertFalse(
                    [e.msgid for e in catalog if e.obsolete], "obsolete entries linger"
                )
                for entry in entries:
                    source = PLACEHOLDER.findall(entry.msgid)
                    translation = PLACEHOLDER.findall(entry.msgstr)
                    if ", plural," in entry.msgid:
                        # One branch per plural category of the language: the same
                        # placeholders, as many times as the language has branches
                        # (tests/test_plural_catalogues.py checks each branch).
                        source, translation = set(source), set(translation)
                    self.assertEqual(
                        sorted(source), sorted(translation), f"placeholders of {entry.msgid!r}"
                    )

    def test_one_digit_convention(self):
        """Translations write Latin digits; native digits are a rendering option
        (res.lang collection_native_digits), never mixed into the catalogues."""
        for lang in ("fa", "ar"):
            with self.subTest(lang=lang):
                catalog = polib.pofile(self._shipped(f"{lang}.po"))
                native = [
                    e.msgid
                    for e in catalog
                    if re.search("[۰-۹٠-٩]", e.msgstr) and not re.search("[۰-۹٠-٩]", e.msgid)
                ]
                self.assertFalse(native)
