"""Sense of proportion: which reminders and channels an amount is worth (pure functions).

Amounts are compared as whole numbers of minor units of the company currency: ``rounding`` is
its smallest unit (0.01), so 19.99 is below 20.00 and 20.00 is not, whatever the last bit of
their floats (see :func:`minor_units`).
"""

# Channels that cost money or have legal weight: letters, letters before action, agencies.
PAPER_AND_LEGAL_CHANNELS = ("letter", "demand", "agency")


def below(amount, minimum, rounding):
    """Whether ``amount`` is below ``minimum`` (a minimum of 0 is always reached)."""
    if not minimum and amount >= 0:
        return False  # the usual case: nothing to round
    return minor_units(amount, rounding) < minor_units(minimum, rounding)


def minor_units(amount, rounding):
    """``amount`` as a whole number of the currency's smallest unit ``rounding`` (0.01: cents).

    An amount at the currency's precision, as the run computes them, is a whole number of units
    give or take the last bit of the float (19.99 / 0.01 is 1998.9999999999998): the nearest
    whole number is exact; a finer amount goes to the nearest unit (19.996 is 2000 cents).
    """
    return round(amount / rounding)


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
