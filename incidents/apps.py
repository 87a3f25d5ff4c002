from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self):
        from incidents.models import Incident, IncidentEvidence, NoticeRecord, TimelineEntry
        from portal.security.registry import register_encrypted_fields, register_encrypted_files

        # Re-encryption and key retirement find every encrypted value and file of a case through these.
        register_encrypted_fields(Incident, *list(Incident.PERSONAL_FIELDS))
        register_encrypted_fields(TimelineEntry, "text")
        register_encrypted_fields(NoticeRecord, "content", "delay_reasons")
        register_encrypted_files(
            label="incidents.evidence", model=IncidentEvidence, path_field="file_path",
            purpose=lambda evidence: evidence.purpose, key_id_field="key_id",
        )
