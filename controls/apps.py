from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"

    def ready(self):
        from controls.facts_subprocessors import records_facts, subprocessor_facts
        from controls.live_facts import register
        from controls.models import Evidence
        from portal.security.registry import register_encrypted_files

        # Re-encryption and key retirement find every evidence file through this registration.
        register_encrypted_files(
            label="controls.evidence", model=Evidence, path_field="file_path",
            purpose=lambda evidence: evidence.purpose, key_id_field="key_id", sha256_field="sha256",
        )
        register("controls.subprocessors", subprocessor_facts)
        register("controls.records_of_processing", records_facts)
