from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_templates(sender, **kwargs):
    if sender.name == "incidents":
        from incidents.obligation_templates import templates_sync

        templates_sync()


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self):
        from controls.follow_ups import register as register_follow_ups
        from incidents.follow_ups import open_follow_ups
        from incidents.models import Incident, IncidentEvidence, NoticeRecord, TimelineEntry
        from portal.security.registry import register_encrypted_fields, register_encrypted_files

        # The built-in obligation templates exist after every migrate and every flush of a test database.
        post_migrate.connect(_sync_templates, dispatch_uid="annex.incidents.sync_templates")
        # A lesson learned on a case is a task on a control: the control's page lists it.
        register_follow_ups("incidents.tasks", open_follow_ups)
        # Re-encryption and key retirement find every encrypted value and file of a case through these.
        register_encrypted_fields(Incident, *Incident.PERSONAL_FIELDS)
        register_encrypted_fields(TimelineEntry, "text", "message")
        register_encrypted_fields(NoticeRecord, "content", "delay_reasons")
        register_encrypted_files(
            label="incidents.evidence", model=IncidentEvidence, path_field="file_path",
            purpose=lambda evidence: evidence.purpose, key_id_field="key_id", sha256_field="sha256",
        )
