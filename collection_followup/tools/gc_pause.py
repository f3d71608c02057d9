"""Pausing Python's cyclic garbage collector while a batch builds many short-lived objects."""

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Run the block with the cyclic garbage collector paused, then put it back as it was.

    A batch that builds tens of thousands of small objects kept until its end (the decision
    phase: an item per open line, a decision per customer) makes the collector scan the whole
    heap again and again, for objects that form no cycle and that reference counting frees
    anyway. Paused, those scans are not made; whatever cycle the block leaves behind is
    collected as usual afterwards. A collector paused by someone else stays paused.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
