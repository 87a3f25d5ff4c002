"""What the API says about controls and evidence. Evidence is metadata only: files go through the audited view."""

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from controls.categories import category_by_id
from controls.links import control_url
from controls.models import Control, Evidence


class ControlSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True)
    services = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    scc_category_name = serializers.SerializerMethodField()
    review_overdue = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Control
        fields = [
            "id", "reference", "title", "description", "scc_category", "scc_category_name", "art32_points", "kind",
            "status", "attention_reason", "owner", "parameters", "review_cadence_months", "last_reviewed_on",
            "next_review_due", "review_overdue", "applies_to_all_services", "services", "tags", "version",
            "updated_at", "web_url",
        ]
        read_only_fields = fields

    def to_representation(self, control: Control) -> dict:
        """The same document as the generic ModelSerializer path, built directly.

        A list of 1,000 controls spent most of its time in DRF's per-field machinery; the declared
        fields above still describe the schema, and tests/controls/api compares both paths.
        """
        fields = self.fields
        date_field, datetime_field = fields["next_review_due"], fields["updated_at"]
        owner = control.owner
        return {
            "id": control.pk,
            "reference": control.reference,
            "title": control.title,
            "description": control.description,
            "scc_category": control.scc_category,
            "scc_category_name": self.get_scc_category_name(control),
            "art32_points": control.art32_points,
            "kind": control.kind,
            "status": control.status,
            "attention_reason": control.attention_reason,
            "owner": owner.email if owner is not None else None,
            "parameters": control.parameters,
            "review_cadence_months": control.review_cadence_months,
            "last_reviewed_on": date_field.to_representation(control.last_reviewed_on)
            if control.last_reviewed_on else None,
            "next_review_due": date_field.to_representation(control.next_review_due)
            if control.next_review_due else None,
            "review_overdue": self.get_review_overdue(control),
            "applies_to_all_services": control.applies_to_all_services,
            "services": [service.slug for service in control.services.all()],
            "tags": control.tags,
            "version": control.version,
            "updated_at": datetime_field.to_representation(control.updated_at),
            "web_url": self.get_web_url(control),
        }

    def get_scc_category_name(self, control: Control) -> str:
        category = category_by_id(control.scc_category)
        return category.wording if category else ""

    def get_review_overdue(self, control: Control) -> bool:
        return control.is_overdue(self.context.get("today") or timezone.localdate())

    def get_web_url(self, control: Control) -> str:
        return control_url(control.pk)


class EvidenceSerializer(serializers.ModelSerializer):
    control_reference = serializers.CharField(source="control.reference", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    expired = serializers.SerializerMethodField()
    removed = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id", "public_id", "control", "control_reference", "kind", "title", "description", "original_filename",
            "size", "content_type", "sha256", "url", "valid_from", "valid_until", "expired", "uploaded_by",
            "created_at", "removed", "removed_at", "download_url",
        ]
        read_only_fields = fields

    def get_expired(self, evidence: Evidence) -> bool:
        return evidence.is_expired(self.context.get("today"))

    def get_removed(self, evidence: Evidence) -> bool:
        return evidence.removed_at is not None

    def get_download_url(self, evidence: Evidence) -> str | None:
        if evidence.kind != Evidence.Kind.FILE:
            return None
        return reverse("controls:evidence_download", args=[evidence.pk])
