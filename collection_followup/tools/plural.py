"""Counts in whole sentences, worded for every plural form of a language.

Odoo's ``_()`` has no plural forms. A counted sentence is written as one translatable message
in the ICU MessageFormat manner, e.g.::

    {count, plural, one {# day late} other {# days late}}

and translators write one branch per category their language needs (CLDR plural rules, through
Babel): Russian ``one few many other``, Arabic ``zero one two few many other``, Hebrew
``one two other``, Persian ``one other``. ``=N`` branches match an exact count. ``#`` in a
branch is the count, written as the caller gives it (native digits...). Text outside the
``{count, plural, ...}`` block is kept, so a whole sentence carries its count where the
language puts it.

Pure logic on top of Babel; no Odoo import.
"""

import re

from babel import Locale, UnknownLocaleError

_HEAD = re.compile(r"\{\s*([A-Za-z_]\w*)\s*,\s*plural\s*,")
_SELECTOR = re.compile(r"\s*(=\d+|zero|one|two|few|many|other)\s*\{")
CATEGORIES = ("zero", "one", "two", "few", "many", "other")


class PluralSyntaxError(ValueError):
    """The message is not a well-formed plural message."""


def _matching_brace(text, start):
    """Index of the ``}`` closing the ``{`` at ``start``."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    raise PluralSyntaxError(f"unbalanced braces in {text!r}")


def parse(message):
    """``[text, (variable, {selector: branch}), text, ...]``: the message cut into its plain
    texts and its plural blocks; PluralSyntaxError when it is malformed (no ``other`` branch,
    unbalanced braces, unknown selector)."""
    parts, position = [], 0
    while True:
        head = _HEAD.search(message, position)
        if not head:
            rest = message[position:]
            if "{" in rest or "}" in rest:
                raise PluralSyntaxError(f"stray brace in {message!r}")
            parts.append(rest)
            return parts
        before = message[position : head.start()]
        if "{" in before or "}" in before:
            raise PluralSyntaxError(f"stray brace in {message!r}")
        parts.append(before)
        end = _matching_brace(message, head.start())
        body, cursor, branches = message[head.end() : end], 0, {}
        while body[cursor:].strip():
            selector = _SELECTOR.match(body, cursor)
            if not selector:
                raise PluralSyntaxError(f"bad selector at {body[cursor:]!r} in {message!r}")
            open_at = selector.end() - 1
            close_at = _matching_brace(body, open_at)
            branch = body[open_at + 1 : close_at]
            if "{" in branch or "}" in branch:
                raise PluralSyntaxError(f"nested braces in a branch of {message!r}")
            branches[selector.group(1)] = branch
            cursor = close_at + 1
        if "other" not in branches:
            raise PluralSyntaxError(f"no 'other' branch in {message!r}")
        parts.append((head.group(1), branches))
        position = end + 1


def category(count, lang):
    """The CLDR plural category of ``count`` in ``lang`` (``en_US``, ``ar_001``...):
    ``zero one two few many other``; ``other`` for a language Babel does not know."""
    try:
        locale = Locale.parse(lang or "en", sep="_")
    except (UnknownLocaleError, ValueError, TypeError):
        return "other"
    return locale.plural_form(abs(count))


def categories(lang):
    """The plural categories ``lang`` distinguishes (what its translators must write)."""
    try:
        locale = Locale.parse(lang or "en", sep="_")
    except (UnknownLocaleError, ValueError, TypeError):
        return {"other"}
    return set(locale.plural_form.tags) | {"other"}


def select(message, count, lang, number=None):
    """``message`` with each plural block replaced by the branch for ``count`` in ``lang``
    (an exact ``=N`` branch first, then the CLDR category, else ``other``), ``#`` in it
    written as ``number`` (default: ``str(count)``). Raises PluralSyntaxError when
    ``message`` is malformed."""
    number = str(count) if number is None else number
    kind = category(count, lang)
    out = []
    for part in parse(message):
        if isinstance(part, str):
            out.append(part)
            continue
        _variable, branches = part
        branch = branches.get(f"={count}") or branches.get(kind) or branches["other"]
        out.append(branch.replace("#", number))
    return "".join(out)


def render(translated, source, count, lang, number=None):
    """The translated plural message for ``count``; the source (English) message when the
    translation is malformed, so that a translator's slip never breaks a document."""
    try:
        return select(translated, count, lang, number)
    except PluralSyntaxError:
        return select(source, count, "en", number)
