"""Sense of proportion: which reminders and channels an amount is worth (pure functions).

Amounts are compared in minor units of the company currency: ``rounding`` is its smallest
unit (0.01), so 19.995 is neither above nor below 20.00 by a rounding error.
"""

from odoo.tools.float_utils import float_compare

# Channels that cost money or have legal weight: letters, letters before action, agencies.
PAPER_AND_LEGAL_CHANNELS = ("letter", "demand", "agency")


def below(amount, minimum, rounding):
    """Whether ``amount`` is below ``minimum`` (a minimum of 0 is always reached)."""
    if not minimum and amount >= 0:
        return False  # the usual case: nothing to round
    return float_compare(amount, minimum, precision_rounding=rounding) < 0


def split_channels(channels, amount, legal_minimum, rounding):
    """``(kept, dropped)``: the paper and legal channels are dropped when ``amount`` is below
    ``legal_minimum``; the others are always kept. Order is preserved."""
    paper = [channel for channel in channels if channel in PAPER_AND_LEGAL_CHANNELS]
    if not paper or not below(amount, legal_minimum, rounding):
        return list(channels), []
    kept = [channel for channel in channels if channel not in PAPER_AND_LEGAL_CHANNELS]
    return kept, paper


def level_waits(channels, amount, level_minimum, legal_minimum, rounding):
    """Whether a level on ``channels`` waits for ``amount``: below the level's minimum, or
    every channel it has is a paper or legal one below the company's minimum for them."""
    if below(amount, level_minimum, rounding):
        return True
    kept, dropped = split_channels(channels, amount, legal_minimum, rounding)
    return bool(dropped) and not any(c in kept for c in ("email", "sms", "call"))
