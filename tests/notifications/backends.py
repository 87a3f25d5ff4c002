"""Email backends for tests: one that always fails, one that fails a set number of times first."""

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FailingBackend(BaseEmailBackend):
    calls = 0

    def send_messages(self, messages):
        FailingBackend.calls += 1
        raise ConnectionRefusedError("mail server refused the connection")


class FlakyBackend(LocmemBackend):
    failures_left = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise TimeoutError("mail server timed out")
        return super().send_messages(messages)
