"""Production settings (DEBUG off, a real secret) pass `check --deploy` with zero warnings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(extra_env: dict) -> subprocess.CompletedProcess:
    # A clean environment: only what a production host would set.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT)}, **extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = _check_deploy(
        {"SECRET_KEY": "x" * 30 + "a-real-production-secret-with-entropy-9f8e7d6c5b4a",
         "ALLOWED_HOSTS": "annex.example.org", "ANNEX_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_fresh_clone_checks_its_migrations_without_any_configuration(tmp_path):
    """No secret, no DEBUG, no var/: makemigrations reads only the code. Without a secret the settings did not load,
    and Django reported it as "Models aren't loaded yet"."""
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    env.update({"PYTHONPATH": str(ROOT), "ANNEX_VAR_DIR": str(tmp_path / "var")})
    result = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    # Every other command still refuses to start without a secret.
    served = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert served.returncode != 0 and "SECRET_KEY must be set" in served.stderr


def test_production_settings_refuse_to_start_without_a_secret(tmp_path):
    result = _check_deploy({"ALLOWED_HOSTS": "annex.example.org", "ANNEX_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _run(code: str, extra_env: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT), "ANNEX_VAR_DIR": str(tmp_path),
                "SECRET_KEY": "x" * 50}, **extra_env)
    return subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_sessions_are_read_from_the_cache_only_when_it_is_shared(tmp_path):
    shown = "from django.conf import settings as s; print(s.SESSION_ENGINE, s.CACHES['default']['BACKEND'])"
    assert _run(shown, {}, tmp_path).stdout.strip() == (
        "django.contrib.sessions.backends.db django.core.cache.backends.filebased.FileBasedCache")
    assert _run(shown, {"CACHE_URL": "locmem://"}, tmp_path).stdout.strip() == (
        "django.contrib.sessions.backends.db django.core.cache.backends.locmem.LocMemCache")
    assert _run(shown, {"CACHE_URL": "redis://cache.internal:6379/2"}, tmp_path).stdout.strip() == (
        "django.contrib.sessions.backends.cached_db django_redis.cache.RedisCache")


def test_without_redis_the_processes_share_one_cache_under_var(tmp_path):
    """What a web worker drops from the cache (a user's kept task inbox) is dropped for the other workers too."""
    assert _run("from django.core.cache import cache; cache.set('shared', 'written by one process', 60)",
                {}, tmp_path).returncode == 0
    read = _run("from django.core.cache import cache; print(cache.get('shared'))", {}, tmp_path)
    assert read.stdout.strip() == "written by one process", read.stderr
    assert any((tmp_path / "cache").iterdir())


def test_a_cache_url_of_another_kind_stops_start_up(tmp_path):
    result = _run("pass", {"CACHE_URL": "memcached://cache:11211"}, tmp_path)
    assert result.returncode != 0 and "CACHE_URL must use one of the schemes" in result.stderr


def test_the_filesystem_broker_keeps_every_folder_under_var(tmp_path):
    shown = ("from django.conf import settings as s; "
             "print(*sorted(v for k, v in s.CELERY_BROKER_TRANSPORT_OPTIONS.items() if k.endswith('_folder') "
             "or k.startswith('data_folder')))")
    folders = _run(shown, {"CELERY_BROKER_URL": "filesystem://"}, tmp_path).stdout.split()
    assert len(folders) == 4 and all(folder.startswith(f"{tmp_path}/broker/") for folder in folders), folders
    assert f"{tmp_path}/broker/control" in folders


def test_production_hashes_passwords_with_argon2(tmp_path):
    shown = "from django.conf import settings as s; print(s.PASSWORD_HASHERS[0])"
    assert _run(shown, {}, tmp_path).stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"
