import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django_otp import DEVICE_ID_SESSION_KEY

from portal.accounts.mfa import STEP_UP_SESSION_KEY
from portal.accounts.models import TOTPDevice
from tests.factories import UserFactory

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def pytest_configure(config):
    """Compile the translation catalogues a test run reads, as `make test` does (once, not per xdist worker)."""
    if hasattr(config, "workerinput"):
        return
    msgfmt = shutil.which("msgfmt")
    for mo in LOCALE_DIR.glob("*/LC_MESSAGES/*.mo"):
        if not mo.with_suffix(".po").exists():
            mo.unlink()  # left from a catalogue that is gone: it would still translate
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        if msgfmt is None:
            pytest.exit("msgfmt (Debian package gettext) is needed to compile locale/*.po", returncode=4)
        subprocess.run([msgfmt, "--check", "-o", str(mo), str(po)], check=True)


def totp_device_for(user, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)


def sign_in(client, user, *, verified: bool = True, step_up: bool = False):
    """Sign a test client in; `verified` marks the session as having passed MFA, `step_up` as having passed it
    within MFA_STEP_UP_SECONDS (what sensitive actions ask for: a test of one must say so)."""
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device_for(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        if step_up:
            session[STEP_UP_SESSION_KEY] = int(time.time())
        session.save()
    return client


@pytest.fixture(autouse=True)
def _default_language_and_time_zone():
    """Each test starts in LANGUAGE_CODE and TIME_ZONE, whatever language an earlier request activated."""
    from django.conf import settings
    from django.utils import timezone, translation

    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the home page keeps its posture for a minute (portal.core.dashboard)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path_factory):
    """Audit checkpoints are files, not rows: each test gets its own directory (made only if it writes one),
    so a checkpoint of one test's trail is not held against the next test's database."""
    base = getattr(_own_audit_checkpoints, "base", None)
    if base is None:
        base = _own_audit_checkpoints.base = Path(tmp_path_factory.mktemp("audit-checkpoints"))
    settings.ANNEX_AUDIT_CHECKPOINT_DIR = base / uuid.uuid4().hex


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def signed_in(client, db):
    """signed_in(*roles, verified=True) -> (client, user)."""

    def make(*roles, verified: bool = True, step_up: bool = False, **fields):
        user = UserFactory(roles=list(roles), **fields)
        return sign_in(client, user, verified=verified, step_up=step_up), user

    return make


@pytest.fixture(autouse=True)
def _integration_needs_real_services(request):
    """A test marked integration (everything under tests/integration, and the *_postgresql modules elsewhere)
    runs on PostgreSQL and Redis: on SQLite it fails rather than pass without testing what it names."""
    if request.node.get_closest_marker("integration") is None:
        return
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("integration tests need DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... "
                    "(make test starts both)")


def pytest_collection_modifyitems(config, items):
    """Tests under tests/integration and tests/e2e carry their stage's marker automatically."""
    for item in items:
        path = str(item.path)
        if "/tests/integration/" in path:
            item.add_marker(pytest.mark.integration)
        elif "/tests/e2e/" in path:
            item.add_marker(pytest.mark.e2e)
