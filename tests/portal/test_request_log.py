import logging

import pytest

from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory


class _Records(logging.Handler):
    """Formats what reaches the request log as the console handler would."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def request_log():
    handler = _Records()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_page_that_is_not_there_logs_one_line(signed_in, request_log):
    client, _ = signed_in(Role.DPO)

    assert client.get("/controls/999999/").status_code == 404

    assert request_log == ["WARNING django.request Not Found: /controls/999999/"]


@pytest.mark.django_db
def test_a_forbidden_action_logs_one_line_without_a_traceback(signed_in, request_log):
    client, _ = signed_in(Role.EMPLOYEE)

    response = client.get("/audit/")

    assert response.status_code == 403
    assert len(request_log) == 1 and "\n" not in request_log[0]
    assert request_log[0].startswith("WARNING django.request Forbidden")


@pytest.mark.django_db
def test_a_server_error_keeps_its_traceback(signed_in, request_log, monkeypatch):
    from controls import views

    client, _ = signed_in(Role.DPO)
    client.raise_request_exception = False
    control = ControlFactory()
    monkeypatch.setattr(views, "render", lambda *a, **k: 1 / 0)

    assert client.get(f"/controls/{control.pk}/").status_code == 500

    assert len(request_log) == 1 and "Traceback" in request_log[0] and "ZeroDivisionError" in request_log[0]
