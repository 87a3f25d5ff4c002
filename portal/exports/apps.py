from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "portal.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from portal.exports import storage
        from portal.exports.models import AnnexVersion, ExportJob
        from portal.security.registry import register_encrypted_files

        # Domain apps register their export kinds in `<app>/exports.py`.
        autodiscover_modules("exports")
        # Key rotation (`reencrypt`, `retire_key`) finds every stored export and published annex through these.
        register_encrypted_files(label="exports.exportjob", model=ExportJob, path_field="file_path",
                                 purpose=storage.job_purpose, key_id_field="file_key_id",
                                 sha256_field="file_sha256")
        register_encrypted_files(label="exports.annexversion", model=AnnexVersion, path_field="file_path",
                                 purpose=storage.version_purpose, key_id_field="file_key_id",
                                 sha256_field="file_sha256")
