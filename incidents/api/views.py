"""Intake API for detection tools: POST /api/incidents/ opens a triage case, once per external id."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from controls.models import Customer
from incidents import services
from incidents.models import Severity
from portal.accounts.authentication import HashedTokenAuthentication


class IntakeThrottle(UserRateThrottle):
    """Per token (user): a runaway detector cannot flood the responders."""

    scope = "incident_intake"

    def get_rate(self):
        return settings.INCIDENT_INTAKE_RATE


class CanLogIncidents(permissions.BasePermission):
    message = _("This token may not log incidents.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("incidents.add_incident"))


class IntakeSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=80, help_text=_("The detection tool, e.g. 'wazuh' or 'suricata'."))
    external_id = serializers.CharField(max_length=200, help_text=_("The tool's id of the alert: a retry with the "
                                                                    "same source and id returns the same case."))
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    detected_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))
    severity = serializers.ChoiceField(choices=Severity.values, default=Severity.MEDIUM)
    affected_systems = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    customers = serializers.ListField(child=serializers.SlugField(), required=False, default=list,
                                      help_text=_("Slugs of the affected customers, if known."))
    is_exercise = serializers.BooleanField(required=False, default=False)

    def validate_customers(self, slugs):
        found = {c.slug: c for c in Customer.objects.filter(slug__in=slugs, is_active=True)}
        unknown = sorted(set(slugs) - set(found))
        if unknown:
            raise serializers.ValidationError(
                gettext("Unknown customer(s): %(slugs)s.") % {"slugs": ", ".join(unknown)})
        return [found[s] for s in dict.fromkeys(slugs)]


class IntakeResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    url = serializers.CharField()
    created = serializers.BooleanField(help_text=_("False when the external id was seen before."))


class IncidentIntakeView(APIView):
    """Open a triage case from a detection tool; notifies the on-call responders. Idempotent on external_id."""

    authentication_classes = [HashedTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated, CanLogIncidents]
    throttle_classes = [IntakeThrottle]

    @extend_schema(request=IntakeSerializer, responses={
        201: IntakeResultSerializer, 200: IntakeResultSerializer,
        400: OpenApiResponse(description=_("Invalid input; the message names the field.")),
        429: OpenApiResponse(description=_("Too many requests for this token."))})
    def post(self, request):
        serializer = IntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        source, external_id = data.pop("source"), data.pop("external_id")
        try:
            incident, created = services.intake_open_from_api(
                actor=request.user, source=source, external_id=external_id, reported_by=f"{source} (API)", **data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        body = {"id": incident.pk, "reference": incident.reference,
                "url": request.build_absolute_uri(services.incident_url(incident.pk)), "created": created}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
