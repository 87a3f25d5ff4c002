import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import env


def test_env_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be a boolean"):
        env.env_bool("X_FLAG")


@pytest.mark.parametrize("raw,expected", [("true", True), ("1", True), ("off", False), ("", False)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env.env_bool("X_FLAG") is expected


def test_env_int_rejects_non_numbers_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be an integer"):
        env.env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("X_NUM", 5, minimum=1)


def test_env_secret_prefers_the_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    monkeypatch.setenv("X_SECRET", "from-env")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env.env_secret("X_SECRET") == "from-file"


def test_env_secret_file_that_cannot_be_read_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="X_SECRET_FILE"):
        env.env_secret("X_SECRET")


def test_missing_required_value_names_the_variable(monkeypatch):
    monkeypatch.delenv("X_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_REQUIRED must be set"):
        env.env_str("X_REQUIRED")


def test_database_url_accepts_postgres_unix_socket(tmp_path):
    config = env.database_from_url("postgres://annex@%2Ftmp%2Fpg/annexdb", base_dir=tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["HOST"] == "/tmp/pg"
    assert config["NAME"] == "annexdb"


def test_database_url_rejects_unknown_schemes(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.database_from_url("mysql://u@h/db", base_dir=tmp_path)


def test_email_url_smtp_submission_uses_starttls():
    config = env.email_from_url("submission://mailer:p%40ss@smtp.example.org")
    assert config["EMAIL_HOST"] == "smtp.example.org"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_HOST_PASSWORD"] == "p@ss"


def test_email_url_rejects_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        env.email_from_url("carrier-pigeon://coop")
