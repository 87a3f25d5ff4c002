"""Read-only JSON API over the control register and evidence metadata, scoped like the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import permissions, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer

from controls import selectors
from controls.api.serializers import DOCUMENT_COLUMNS, ControlSerializer, EvidenceSerializer
from controls.categories import category_ids
from controls.models import Control

# Ids are 64-bit: a larger number names nothing, and the database would refuse to compare with it.
MAX_ID = 2**63 - 1
# Path ids longer than this do not match the URL at all (a 404), instead of reaching the database.
ID_PATTERN = r"[0-9]{1,18}"


class ApiPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        """As DRF's (a larger page_size gets 1000), except that one that is not a whole number from 1 is refused,
        not silently ignored."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and raw.strip("0")):
            raise ValidationError(
                {self.page_size_query_param: gettext("Give a whole number from 1 (at most 1000 are sent).")})
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        """As DRF's, except that an empty `page=` is refused (DRF would read it as page 1), as the schema says."""
        if request.query_params.get(self.page_query_param) == "":
            raise ValidationError({self.page_query_param: gettext("Give a page number from 1.")})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_size_query_param, self.page_query_param):
                parameter["schema"].update(minimum=1)
        return parameters


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, for signed-in users; its errors are JSON like every other error of the API."""

    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response


class CanViewControls(permissions.BasePermission):
    message = _("You may not read the control register.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("controls.view_control"))


def _refuse_empty_values(params, names) -> None:
    """A parameter with a type, format or fixed values is left out, or given a value: `?category=` is refused."""
    for name in names:
        if params.get(name, None) == "":
            raise ValidationError({name: gettext("Give a value, or leave the parameter out.")})


def _flag(value: str | None, name: str) -> bool | None:
    if value in (None, ""):
        return None
    lowered = value.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValidationError({name: gettext("Use true or false.")})


# Every answer other than 200 is JSON: {"detail": "..."}, or for 400 {"<parameter>": "..." or ["..."]}.
ERROR = OpenApiResponse(
    response={"type": "object", "additionalProperties": True},
    description=_("An error, as JSON: `detail` or the refused parameter with its message."),
)
ERROR_RESPONSES = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR}
READ_ERROR_RESPONSES = {401: ERROR, 403: ERROR, 404: ERROR}

CONTROL_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description=_("Search in reference, title and description.")),
    OpenApiParameter("category", OpenApiTypes.STR, enum=category_ids(), description=_("SCC measure category id.")),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Control.Status.values),
    OpenApiParameter("owner", OpenApiTypes.EMAIL, description=_("Owner's email address.")),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description=_("Only controls whose review is overdue.")),
    OpenApiParameter("customer", OpenApiTypes.STR,
                     description=_("Customer slug: the controls that apply to it; 404 if there is no such customer.")),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.SORTS)),
]


@extend_schema_view(
    list=extend_schema(parameters=CONTROL_FILTERS, responses={200: ControlSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: ControlSerializer, **READ_ERROR_RESPONSES}),
)
class ControlViewSet(viewsets.ReadOnlyModelViewSet):
    """Controls the user may see. Filters as on the register page; up to 1000 per page with ?page_size=."""

    serializer_class = ControlSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewControls]
    pagination_class = ApiPagination
    filter_backends: list = []
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        user = self.request.user
        if self.action != "list":
            return selectors.controls_visible_to(user).select_related("owner").prefetch_related("services")
        params = self.request.query_params
        _refuse_empty_values(params, ("category", "status", "owner", "overdue", "sort", "page_size"))
        category, status = params.get("category", ""), params.get("status", "")
        if params.get("sort", "reference") not in selectors.SORTS:
            raise ValidationError({"sort": gettext("Use one of: %(values)s.") % {"values": ", ".join(selectors.SORTS)}})
        if params.get("owner"):
            try:
                validate_email(params["owner"])
            except DjangoValidationError:
                raise ValidationError({"owner": gettext("Give the owner's email address.")}) from None
        if category and category not in category_ids():
            raise ValidationError({"category": gettext("“%(value)s” is not an SCC measure category id.")
                                   % {"value": category}})
        if status and status not in Control.Status.values:
            raise ValidationError({"status": gettext("Use one of: %(values)s.")
                                       % {"values": ", ".join(Control.Status.values)}})
        customer = None
        # No text in Annex holds a NUL character (and PostgreSQL refuses to compare with one): such a search
        # or slug matches nothing.
        if "\x00" in params.get("customer", ""):
            raise NotFound(gettext("No such customer."))
        if params.get("customer"):
            customer = selectors.customers_visible_to(user).filter(slug=params["customer"]).first()
            if customer is None:  # none by that slug, or one the user may not see: as for any record, a 404
                raise NotFound(gettext("No such customer."))
        qs = selectors.control_list(
            user, search=params.get("q", "").replace("\x00", ""), category=category, status=status,
            overdue=bool(_flag(params.get("overdue"), "overdue")), customer=customer,
            sort=params.get("sort", "reference"),
        )
        if params.get("owner"):
            qs = qs.filter(owner__email__iexact=params["owner"])
        if "\x00" in params.get("q", ""):
            qs = qs.none()
        return qs.prefetch_related("services")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def list(self, request, *args, **kwargs):
        """Plain rows instead of model instances: three queries and no per-field work, however large the page."""
        rows = self.paginate_queryset(self.get_queryset().values(*DOCUMENT_COLUMNS))
        services: dict[int, list[str]] = {}
        for control_id, slug in Control.services.through.objects.filter(
            control_id__in=[row["id"] for row in rows]
        ).order_by("service__name").values_list("control_id", "service__slug"):
            services.setdefault(control_id, []).append(slug)
        serializer = self.get_serializer()
        return self.get_paginated_response([serializer.document(row, services.get(row["id"], [])) for row in rows])


EVIDENCE_FILTERS = [
    OpenApiParameter("control", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                     description=_("Only the evidence of this control id.")),
    OpenApiParameter("expired", OpenApiTypes.BOOL, description=_("Only expired (true) or current (false) evidence.")),
    OpenApiParameter("include_removed", OpenApiTypes.BOOL, description=_("Also list removed evidence.")),
]


@extend_schema_view(
    list=extend_schema(parameters=EVIDENCE_FILTERS, responses={200: EvidenceSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: EvidenceSerializer, **READ_ERROR_RESPONSES}),
)
class EvidenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence metadata of the controls the user may see. Files download through the audited web view."""

    serializer_class = EvidenceSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewControls]
    pagination_class = ApiPagination
    filter_backends: list = []
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        qs = selectors.evidence_visible_to(self.request.user).select_related("uploaded_by")
        qs = qs.order_by("-created_at", "-pk")
        if self.action != "list":
            return qs
        params = self.request.query_params
        _refuse_empty_values(params, ("control", "expired", "include_removed", "page_size"))
        if params.get("control"):
            control = params["control"]
            if not (control.isascii() and control.isdigit() and 1 <= int(control) <= MAX_ID):
                raise ValidationError({"control": gettext("Give a control id (a whole number from 1).")})
            qs = qs.filter(control_id=int(params["control"]))
        if not _flag(params.get("include_removed"), "include_removed"):
            qs = qs.filter(removed_at__isnull=True)
        expired = _flag(params.get("expired"), "expired")
        if expired is not None:
            today = timezone.localdate()
            is_expired = Q(valid_until__lt=today)
            qs = qs.filter(is_expired) if expired else qs.exclude(is_expired)
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

