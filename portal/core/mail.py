"""The console email backend of the embedded default: one line per message, not the raw MIME.

Django's own console backend prints every message in full, attachments as base64, which buries the
demo's output (the account table `make run` prints) under pages of encoded PDF. This one prints who
gets what: recipients, subject, and each attachment's name and size.
"""

import sys
import threading

from django.core.mail.backends.base import BaseEmailBackend


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n / (1024 * 1024):.1f} MB"


def _attachments(message) -> list[str]:
    parts = []
    for attachment in message.attachments:
        # An attachment is a (filename, content, mimetype) triple or a prepared MIME part.
        if isinstance(attachment, tuple):
            filename, content = attachment[0], attachment[1]
        else:
            filename = attachment.get_filename()
            content = attachment.get_payload(decode=True) or b""
        if isinstance(content, str):
            content = content.encode()
        parts.append(f"{filename or 'unnamed'} ({_size(len(content))})")
    return parts


def summary(message) -> str:
    """`Email to a@x, b@y: "Subject" (+ attachments: annex.pdf (41.2 kB))` in one line."""
    recipients = ", ".join(message.recipients()) or "(no recipients)"
    subject = " ".join(str(message.subject).split())
    line = f'Email to {recipients}: "{subject}"'
    attached = _attachments(message)
    if attached:
        line += f" + attachments: {', '.join(attached)}"
    return line


class ConsoleSummaryBackend(BaseEmailBackend):
    """Writes one summary line per message to stdout (or `stream=`)."""

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        sent = 0
        with self._lock:
            for message in email_messages:
                self.stream.write(summary(message) + "\n")
                sent += 1
            self.stream.flush()
        return sent
