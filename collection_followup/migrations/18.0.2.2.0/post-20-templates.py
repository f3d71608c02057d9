"""18.0.2.2: the customer templates shipped with new wording reach existing databases.

Mail and SMS templates are ``noupdate`` data: an upgrade never rewrites them, so the wording
fixed in this version (the loyalty email counts its invoices in every plural form; one greeting
paragraph as in the source, companies addressed as companies; Persian صورتحساب) would never
reach a database installed before. A template field still exactly as the previous version
shipped it, in English and in every language stored (compared through the digests of
previous_templates.json), gets the new text in English and in every installed language the
module translates. A field a user edited is kept as it is, and the log names it.
"""

import hashlib
import json
import logging
from pathlib import Path

import polib

from odoo.tools import SQL

_logger = logging.getLogger("odoo.addons.collection_followup.migrations")

MODULE = "collection_followup"
HERE = Path(__file__).resolve().parent
I18N = HERE.parent.parent / "i18n"
TABLES = {"mail.template": "mail_template", "sms.template": "sms_template"}


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _shipped():
    """``{xmlid: {field: {"en_US" or language prefix: text}}}`` of this version's catalogues:
    English is the template's msgid, each language its translation."""
    shipped = {}

    def read(path, key):
        for entry in polib.pofile(str(path)):
            if entry.obsolete or "fuzzy" in entry.flags:
                continue
            for occurrence, _line in entry.occurrences:
                if not occurrence.startswith("model:"):
                    continue
                model_field, xmlid = occurrence[len("model:") :].split(":", 1)
                model, field = model_field.split(",")
                if model not in TABLES:
                    continue
                text = entry.msgid if key == "en_US" else entry.msgstr
                if text:
                    shipped.setdefault(xmlid, {}).setdefault(field, {})[key] = text

    read(I18N / f"{MODULE}.pot", "en_US")
    for po in sorted(I18N.glob("*.po")):
        read(po, po.stem)
    return shipped


def _untouched(values, previous):
    """Whether every language of ``values`` (a translated field's jsonb) holds the text the
    previous version shipped for it."""
    for lang, text in values.items():
        key = "en_US" if lang == "en_US" else lang.split("_")[0]
        expected = previous.get(key) or previous["en_US"]
        if _digest(text or "") != expected:
            return False
    return bool(values)


def refresh_templates(cr, previous):
    """Give the templates left as ``previous`` shipped them this version's text; return the
    xmlids (with field) refreshed and those kept because a user edited them."""
    shipped = _shipped()
    cr.execute(SQL("SELECT code FROM res_lang WHERE active"))
    installed = [row[0] for row in cr.fetchall()]
    refreshed, kept = [], []
    for xmlid, spec in sorted(previous.items()):
        table = TABLES[spec["model"]]
        name = xmlid.split(".", 1)[1]
        for field, old in sorted(spec["fields"].items()):
            new = shipped.get(xmlid, {}).get(field)
            if not new or "en_US" not in new:
                continue
            cr.execute(
                SQL(
                    "SELECT t.id, t.%s FROM %s t JOIN ir_model_data d ON d.res_id = t.id "
                    "WHERE d.module = %s AND d.name = %s AND d.model = %s",
                    SQL.identifier(field),
                    SQL.identifier(table),
                    MODULE,
                    name,
                    spec["model"],
                )
            )
            row = cr.fetchone()
            if not row or not row[1]:
                continue
            record_id, values = row
            wanted = {"en_US": new["en_US"]}
            for lang in installed:
                if lang != "en_US" and lang.split("_")[0] in new:
                    wanted[lang] = new[lang.split("_")[0]]
            if values == wanted:
                continue
            if not _untouched(values, old):
                kept.append(f"{xmlid}.{field}")
                _logger.warning(
                    "%s: the %s of template %s was edited in this database: kept as it is "
                    "(this version's wording is not applied to it).",
                    MODULE,
                    field,
                    xmlid,
                )
                continue
            cr.execute(
                SQL(
                    "UPDATE %s SET %s = %s::jsonb WHERE id = %s",
                    SQL.identifier(table),
                    SQL.identifier(field),
                    json.dumps(wanted),
                    record_id,
                )
            )
            refreshed.append(f"{xmlid}.{field}")
    if refreshed:
        _logger.info("%s: templates given this version's wording: %s", MODULE, refreshed)
    return refreshed, kept


def migrate(cr, version):
    if not version:
        return
    previous = json.loads((HERE / "previous_templates.json").read_text())
    refresh_templates(cr, previous)
