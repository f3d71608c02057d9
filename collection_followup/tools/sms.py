"""Text messages: what they cost (segments) and where they can go (mobile numbers only).

Pure logic on top of ``phonenumbers``; no Odoo import.
"""

import phonenumbers

# GSM 03.38 default alphabet and its extension table (an extension character takes two septets).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"

# Characters per message: one segment, and each segment of a concatenated message (the user
# data header takes the rest).
GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def is_gsm7(text):
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def segments(text):
    """``(encoding, count)`` of the SMS ``text``: ``"gsm7"`` when every character is in the
    GSM-7 alphabet (160 characters in one message, 153 per part beyond), else ``"ucs2"`` (70,
    then 67 UTF-16 units per part)."""
    if is_gsm7(text):
        length = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        single, multi, encoding = GSM7_SINGLE, GSM7_MULTI, "gsm7"
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "ucs2"
    if length <= single:
        return encoding, 1 if length else 0
    return encoding, -(-length // multi)


def number_type(e164):
    """``"mobile"`` for a number that can receive text messages (a mobile number, or one of a
    country whose plan does not tell mobile and fixed lines apart), else ``"landline"``,
    ``"toll_free"``, ``"premium_rate"``, ``"voip"``, ``"other"`` or ``"invalid"``."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "invalid"
    kind = phonenumbers.number_type(number)
    if kind in MOBILE_TYPES:
        return "mobile"
    return {
        phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
        phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
        phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
        phonenumbers.PhoneNumberType.VOIP: "voip",
        phonenumbers.PhoneNumberType.UNKNOWN: "invalid",
    }.get(kind, "other")
