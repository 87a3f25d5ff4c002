"""The static files collect as `make run` and a deployment collect them: the manifest storage (whitenoise compresses
on top of it) post-processes every CSS and JS file and refuses one that names a missing file (a source map)."""

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_manifest_storage_succeeds(tmp_path, settings):
    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").is_file()
