from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"

    def ready(self):
        from controls.models import Evidence
        from portal.security.registry import register_encrypted_files

        # Re-encryption and key retirement find every evidence file through this registration.
        register_encrypted_files(
            label="controls.evidence", model=Evidence, path_field="file_path",
            purpose=lambda evidence: evidence.purpose, key_id_field="key_id", sha256_field="sha256",
        )
