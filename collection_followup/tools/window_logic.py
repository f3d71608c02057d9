"""Sending windows: when a message of the run may go (pure functions)."""


def next_window(intervals, now):
    """The moment a message may go: ``now`` when it falls in one of ``intervals`` (``(start,
    stop)`` pairs, sorted, in one time zone, ``now`` too), else the start of the next one;
    None when there is none."""
    for start, stop in intervals:
        if start <= now < stop:
            return now
        if start > now:
            return start
    return None
