"""Test settings: the real settings, read from a test environment, plus speed-ups."""

import os

os.environ.setdefault("ANNEX_TESTING", "1")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_URL", "locmem://")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("CACHE_URL", "locmem://")  # each test process its own cache, emptied before every test
os.environ.setdefault("ANNEX_VAR_DIR", os.path.join(os.environ.get("ANNEX_TEST_ARTIFACTS", "/tmp/annex-test"), "var"))
os.makedirs(os.path.join(os.environ["ANNEX_VAR_DIR"], "staticfiles"), exist_ok=True)

from portal.settings import *  # noqa: E402, F403

# Fast hashing in tests; tests/portal/test_deploy_check.py checks production uses Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if CELERY_BROKER_URL == "memory://":  # noqa: F405
    CELERY_RESULT_BACKEND = "cache+memory://"

# Test-only management commands (a `flush` that lets the test database be emptied on PostgreSQL); first, so
# they take precedence over Django's own.
INSTALLED_APPS = ["tests.testdb", *INSTALLED_APPS]  # noqa: F405
