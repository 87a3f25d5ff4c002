"""What the API says about controls and evidence. Evidence is metadata only: files go through the audited view."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from controls.attention_text import reason_text
from controls.categories import category_by_id
from controls.models import Control, Evidence
from portal.core.links import cached_reverse, cached_reverser

# The columns a control document is built from (control_document); owner__email follows the foreign key.
DOCUMENT_COLUMNS = (
    "id", "reference", "title", "description", "scc_category", "art32_points", "kind", "status", "attention_reason",
    "owner__email", "parameters", "review_cadence_months", "last_reviewed_on", "next_review_due",
    "applies_to_all_services", "tags", "version", "updated_at",
)


def _parameters_schema() -> dict:
    """The parameters object in the OpenAPI schema: each known parameter with its label and unit as a reader
    reads them in the annex (controls.parameters); property names are the keys the API uses."""
    from django.utils.translation import gettext_lazy as gettext

    from controls.parameters import PARAMETERS, Unit

    units = {
        Unit.SECONDS: gettext("Seconds."), Unit.MINUTES: gettext("Minutes."), Unit.HOURS: gettext("Hours."),
        Unit.DAYS: gettext("Days."), Unit.WORKING_DAYS: gettext("Working days."), Unit.MONTHS: gettext("Months."),
        Unit.PERCENT: gettext("Per cent."), Unit.YES_NO: gettext("Yes or no."),
        Unit.VERSION: gettext("A version number."),
        Unit.CADENCE: gettext("How often: daily, weekly, monthly, quarterly, half-yearly or yearly."),
    }
    types = {Unit.YES_NO: "boolean", Unit.TEXT: "string", Unit.VERSION: "string", Unit.CADENCE: "string",
             Unit.PERCENT: "number"}
    return {
        "type": "object",
        "description": gettext("The measure's parameters, each with its label and unit; a measure may carry "
                               "others, shown with their name spelled out."),
        "properties": {
            key: {"type": types.get(p.unit, "integer"), "title": p.label, **(
                {"description": units[p.unit]} if p.unit in units else {})}
            for key, p in sorted(PARAMETERS.items())
        },
        "additionalProperties": {"type": ["string", "integer", "number", "boolean"]},
    }


class ParametersField(serializers.JSONField):
    pass


class ControlSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True)
    parameters = extend_schema_field(_parameters_schema())(ParametersField)(read_only=True)
    services = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    scc_category_name = serializers.SerializerMethodField()
    attention_reason_text = serializers.SerializerMethodField()
    review_overdue = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Control
        fields = [
            "id", "reference", "title", "description", "scc_category", "scc_category_name", "art32_points", "kind",
            "status", "attention_reason", "attention_reason_text", "owner", "parameters", "review_cadence_months",
            "last_reviewed_on", "next_review_due", "review_overdue", "applies_to_all_services", "services", "tags",
            "version", "updated_at", "web_url",
        ]
        read_only_fields = fields

    def to_representation(self, control: Control) -> dict:
        """The same document as the generic ModelSerializer path, built directly (see control_document)."""
        row = {name: getattr(control, name) for name in DOCUMENT_COLUMNS if "__" not in name}
        row["owner__email"] = control.owner.email if control.owner_id else None
        return self.document(row, [service.slug for service in control.services.all()])

    def document(self, row: dict, services: list[str]) -> dict:
        """One control as the API shows it, from a row of DOCUMENT_COLUMNS values.

        A list of 1,000 controls spent most of its time in DRF's per-field machinery and in building
        model instances; the list reads plain rows and comes here. The declared fields above still
        describe the schema, and tests/controls/api compares this with the generic path.
        """
        fields = self.fields
        date_field, datetime_field = fields["next_review_due"], fields["updated_at"]
        today = self.context.get("today") or timezone.localdate()
        web_url = getattr(self, "_web_url", None)
        if web_url is None:  # once per response: the rows' links, and their time zone pinned as the field's own
            web_url = self._web_url = cached_reverser("controls:detail")
            datetime_field.timezone = datetime_field.default_timezone()  # what DRF's default_timezone= sets
        category = category_by_id(row["scc_category"])
        due = row["next_review_due"]
        return {
            "id": row["id"],
            "reference": row["reference"],
            "title": row["title"],
            "description": row["description"],
            "scc_category": row["scc_category"],
            "scc_category_name": category.wording if category else "",
            "art32_points": row["art32_points"],
            "kind": row["kind"],
            "status": row["status"],
            "attention_reason": row["attention_reason"],
            "attention_reason_text": reason_text(row["attention_reason"]),
            "owner": row["owner__email"],
            "parameters": row["parameters"],
            "review_cadence_months": row["review_cadence_months"],
            "last_reviewed_on": date_field.to_representation(row["last_reviewed_on"])
            if row["last_reviewed_on"] else None,
            "next_review_due": date_field.to_representation(due) if due else None,
            "review_overdue": row["status"] != Control.Status.RETIRED and due is not None and due < today,
            "applies_to_all_services": row["applies_to_all_services"],
            "services": services,
            "tags": row["tags"],
            "version": row["version"],
            "updated_at": datetime_field.to_representation(row["updated_at"]),
            "web_url": web_url(row["id"]),
        }

    def get_scc_category_name(self, control: Control) -> str:
        category = category_by_id(control.scc_category)
        return category.wording if category else ""

    def get_attention_reason_text(self, control: Control) -> str:
        """The reason as the reader's language says it (`attention_reason` keeps the stored English)."""
        return reason_text(control.attention_reason)

    def get_review_overdue(self, control: Control) -> bool:
        return control.is_overdue(self.context.get("today") or timezone.localdate())

    def get_web_url(self, control: Control) -> str:
        return cached_reverse("controls:detail", args=[control.pk])


class EvidenceSerializer(serializers.ModelSerializer):
    control_reference = serializers.CharField(source="control.reference", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    expired = serializers.SerializerMethodField()
    removed = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    # A file has no link: null, not "" (which is no URI).
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id", "public_id", "control", "control_reference", "kind", "title", "description", "original_filename",
            "size", "content_type", "sha256", "url", "valid_from", "valid_until", "expired", "uploaded_by",
            "created_at", "removed", "removed_at", "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, evidence: Evidence) -> str | None:
        return evidence.url or None

    def get_expired(self, evidence: Evidence) -> bool:
        return evidence.is_expired(self.context.get("today"))

    def get_removed(self, evidence: Evidence) -> bool:
        return evidence.removed_at is not None

    def get_download_url(self, evidence: Evidence) -> str | None:
        if evidence.kind != Evidence.Kind.FILE:
            return None
        return reverse("controls:evidence_download", args=[evidence.pk])
