"""What the API says about controls and evidence. Evidence is metadata only: files go through the audited view."""

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from controls.categories import category_by_id
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

    def get_scc_category_name(self, control: Control) -> str:
        category = category_by_id(control.scc_category)
        return category.wording if category else ""

    def get_review_overdue(self, control: Control) -> bool:
        return control.is_overdue(self.context.get("today") or timezone.localdate())

    def get_web_url(self, control: Control) -> str:
        return reverse("controls:detail", args=[control.pk])


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
