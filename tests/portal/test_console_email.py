import io

from django.core.mail import EmailMessage, EmailMultiAlternatives

from portal.core.mail import ConsoleSummaryBackend
from portal.env import email_from_url


def _send(*messages) -> str:
    stream = io.StringIO()
    assert ConsoleSummaryBackend(stream=stream).send_messages(list(messages)) == len(messages)
    return stream.getvalue()


def test_the_embedded_default_prints_emails_with_the_summary_backend():
    assert email_from_url("console://")["EMAIL_BACKEND"] == "portal.core.mail.ConsoleSummaryBackend"


def test_an_email_with_attachments_is_one_line_naming_recipient_subject_and_attachments():
    message = EmailMultiAlternatives(subject="[Annex] TOM annex v3 for Acme", body="Please find attached.",
                                     to=["privacy@acme.example"])
    message.attach_alternative("<p>Please find attached.</p>", "text/html")
    message.attach("tom-annex-acme-v3.pdf", b"%PDF-1.7" + b"\0" * 42_000, "application/pdf")
    message.attach("SHA256SUMS", "ab" * 32 + "  tom-annex-acme-v3.pdf\n", "text/plain")

    output = _send(message)

    assert output == ('Email to privacy@acme.example: "[Annex] TOM annex v3 for Acme"'
                      " + attachments: tom-annex-acme-v3.pdf (41.0 kB), SHA256SUMS (88 B)\n")


def test_no_body_or_base64_reaches_the_console():
    message = EmailMessage(subject="Review due", body="The review of BK-01 is due in 7 days.",
                           to=["owner@demo.annex.test"], cc=["dpo@demo.annex.test"])
    message.attach("evidence.pdf", b"x" * 3000, "application/pdf")

    output = _send(message)

    assert output.count("\n") == 1
    assert "BK-01" not in output and "eHh4" not in output  # neither the body nor base64 of the file
    assert output.startswith('Email to owner@demo.annex.test, dpo@demo.annex.test: "Review due"')


def test_a_subject_with_line_breaks_stays_on_one_line():
    assert _send(EmailMessage(subject="Two\r\n lines", to=["a@example.org"])) == 'Email to a@example.org: "Two lines"\n'
