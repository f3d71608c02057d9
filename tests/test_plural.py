"""Plural-aware counts (tools/plural.py): the CLDR category of each count picks its branch."""

import pytest

from odoo.addons.collection_followup.tools import plural

RU = (
    "{count, plural, one {# день просрочки} few {# дня просрочки} "
    "many {# дней просрочки} other {# дня просрочки}}"
)
AR = (
    "{count, plural, zero {لا أيام} one {يوم واحد} two {يومان} few {# أيام} "
    "many {# يومًا} other {# يوم}}"
)
HE = "{count, plural, one {יום אחד} two {יומיים} other {# ימים}}"
FA = "{count, plural, one {# روز} other {# روز}}"
EN = "{count, plural, one {# day late} other {# days late}}"


@pytest.mark.parametrize(
    "count, expected",
    [
        (1, "1 день просрочки"),
        (2, "2 дня просрочки"),
        (5, "5 дней просрочки"),
        (11, "11 дней просрочки"),
        (21, "21 день просрочки"),
        (22, "22 дня просрочки"),
        (25, "25 дней просрочки"),
        (111, "111 дней просрочки"),
        (0, "0 дней просрочки"),
    ],
)
def test_russian(count, expected):
    assert plural.select(RU, count, "ru_RU") == expected


@pytest.mark.parametrize(
    "count, expected",
    [
        (0, "لا أيام"),
        (1, "يوم واحد"),
        (2, "يومان"),
        (3, "3 أيام"),
        (10, "10 أيام"),
        (11, "11 يومًا"),
        (99, "99 يومًا"),
        (100, "100 يوم"),
    ],
)
def test_arabic(count, expected):
    assert plural.select(AR, count, "ar_001") == expected


@pytest.mark.parametrize(
    "count, expected",
    [(1, "יום אחד"), (2, "יומיים"), (3, "3 ימים"), (20, "20 ימים"), (100, "100 ימים")],
)
def test_hebrew_many_falls_back_to_other(count, expected):
    # Babel's CLDR gives Hebrew a "many" category (20, 30...): unwritten, it reads "other".
    assert plural.select(HE, count, "he_IL") == expected


def test_persian_and_english():
    assert plural.select(FA, 1, "fa_IR") == "1 روز"
    assert plural.select(FA, 7, "fa_IR") == "7 روز"
    assert plural.select(EN, 1, "en_US") == "1 day late"
    assert plural.select(EN, 0, "en_US") == "0 days late"
    assert plural.select(EN, 2, "en_US") == "2 days late"


def test_text_around_the_block_and_native_digits():
    message = "Pay in {n, plural, one {# instalment} other {# instalments}} of %(amount)s."
    assert plural.select(message, 3, "en_US") == "Pay in 3 instalments of %(amount)s."
    assert plural.select(FA, 12, "fa_IR", number="۱۲") == "۱۲ روز"


def test_exact_branch_wins():
    message = "{count, plural, =0 {due today} one {# day} other {# days}}"
    assert plural.select(message, 0, "en_US") == "due today"
    assert plural.select(message, 1, "en_US") == "1 day"


def test_unknown_language_reads_other():
    assert plural.select(EN, 1, "xx_YY") == "1 days late"
    assert plural.categories("xx_YY") == {"other"}


def test_categories_a_translator_writes():
    assert plural.categories("ru_RU") == {"one", "few", "many", "other"}
    assert plural.categories("ar_001") == {"zero", "one", "two", "few", "many", "other"}
    assert plural.categories("fa_IR") == {"one", "other"}
    assert {"one", "two", "other"} <= plural.categories("he_IL")


@pytest.mark.parametrize(
    "broken",
    [
        "{count, plural, one {# день}",  # unbalanced
        "{count, plural, one {# день}}",  # no other
        "{count, plural, single {# день} other {# дней}}",  # unknown selector
        "# дней}",  # stray brace
        "{count, plural, one {# {x}} other {# дней}}",  # nested
    ],
)
def test_malformed_translation_falls_back_to_the_source(broken):
    with pytest.raises(plural.PluralSyntaxError):
        plural.parse(broken)
    assert plural.render(broken, EN, 5, "ru_RU") == "5 days late"
    assert plural.render(RU, EN, 5, "ru_RU") == "5 дней просрочки"
