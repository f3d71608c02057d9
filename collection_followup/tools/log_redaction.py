"""Keep the secret of collections links out of the server's access log (no Odoo import).

A link is ``/c/<secret>``. Werkzeug logs every request line at INFO on the ``werkzeug`` logger
(``"GET /c/<secret> HTTP/1.1" 303 -``), and Odoo writes that logger to its log file. The filter
below rewrites the secret before any handler sees the record.
"""

import logging
import re

LINK_PATH = re.compile(r"/c/[A-Za-z0-9_-]{8,}")
REDACTED = "/c/[redacted]"


def redact_links(text):
    """``text`` with the secret of every collections link replaced."""
    return LINK_PATH.sub(REDACTED, text)


def _redact(value):
    return redact_links(value) if isinstance(value, str) else value


class LinkRedactingFilter(logging.Filter):
    """Redact collections links in a log record's message and arguments."""

    def filter(self, record):
        record.msg = _redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redact(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_redact(value) for value in record.args)
        return True


def install(logger_name="werkzeug"):
    """Add the filter to ``logger_name`` once (importing the addon twice adds nothing)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, LinkRedactingFilter) for existing in logger.filters):
        logger.addFilter(LinkRedactingFilter())
    return logger
