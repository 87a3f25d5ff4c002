"""Logging filters for the request log."""

import logging


class ClientErrorsOneLine(logging.Filter):
    """An expected 4xx (a 404 for a page that is not there, a 403 for a role that may not act) is one line.

    Django logs the exception behind such a response with its traceback, which makes a refusal that works
    as designed look like a crash in the server's output. A 5xx keeps its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
