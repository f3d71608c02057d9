"""Failed channels: when to try again, when to stop (pure functions).

A channel of a level (the email of the firm reminder...) that failed is tried again after a
back-off that doubles: 1 day after the first failure, 2 after the second, 4 after the third...
After ``max_failures`` failures in a row it stops and a person takes over.
"""

from datetime import timedelta

RETRY = "retry"
REST = "rest"
GIVE_UP = "give_up"


def trailing_failures(states):
    """How many attempts failed in a row at the end of ``states`` (oldest first)."""
    count = 0
    for state in reversed(states):
        if state != "failed":
            break
        count += 1
    return count


def next_try(failures, last_failure, max_failures):
    """The day of the next attempt after ``failures`` failures in a row, the last on
    ``last_failure``; None when the channel stops (``max_failures`` reached)."""
    if failures >= max_failures:
        return None
    return last_failure + timedelta(days=2 ** (failures - 1))


def retry_state(failures, last_failure, max_failures, today):
    """RETRY (try again today), REST (not yet) or GIVE_UP (stop, a person takes over)."""
    if not failures:
        return REST
    day = next_try(failures, last_failure, max_failures)
    if day is None:
        return GIVE_UP
    return RETRY if today >= day else REST


def substitute(channels, has_email, has_mobile, fallback):
    """The channels of a level for a customer without an email address (``has_email``) or a
    valid mobile number (``has_mobile``): the email and SMS it cannot get are replaced by
    ``fallback`` ("letter", "call" or None: kept, to fail and say why), once, in place."""
    if not fallback:
        return list(channels)
    result = []
    for channel in channels:
        missing = (channel == "email" and not has_email) or (channel == "sms" and not has_mobile)
        replacement = fallback if missing else channel
        if replacement not in result and (replacement == channel or fallback not in channels):
            result.append(replacement)
    return result
