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


class LinkRedactingFilter(logging.Filter):
    """Redact collections links in a log record: the message is formatted with its arguments
    first, so that a secret split between the two is caught too."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record is left to the handler's report
            return True
        redacted = redact_links(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install(logger_name="werkzeug"):
    """Add the filter to ``logger_name`` once (importing the addon twice adds nothing)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, LinkRedactingFilter) for existing in logger.filters):
        logger.addFilter(LinkRedactingFilter())
    return logger
