"""Read-only JSON API over the control register and evidence metadata, scoped like the pages."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from controls import selectors
from controls.api.serializers import DOCUMENT_COLUMNS, ControlSerializer, EvidenceSerializer
from controls.categories import category_ids
from controls.models import Control


class ApiPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class CanViewControls(permissions.BasePermission):
    message = _("You may not read the control register.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("controls.view_control"))


def _flag(value: str | None, name: str) -> bool | None:
    if value in (None, ""):
        return None
    lowered = value.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValidationError({name: gettext("Use true or false.")})


CONTROL_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description=_("Search in reference, title and description.")),
    OpenApiParameter("category", OpenApiTypes.STR, description=_("SCC measure category id.")),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Control.Status.values),
    OpenApiParameter("owner", OpenApiTypes.EMAIL, description=_("Owner's email address.")),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description=_("Only controls whose review is overdue.")),
    OpenApiParameter("customer", OpenApiTypes.STR, description=_("Customer slug: the controls that apply to it.")),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.SORTS)),
]


@extend_schema_view(list=extend_schema(parameters=CONTROL_FILTERS))
class ControlViewSet(viewsets.ReadOnlyModelViewSet):
    """Controls the user may see. Filters as on the register page; up to 1000 per page with ?page_size=."""

    serializer_class = ControlSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewControls]
    pagination_class = ApiPagination
    filter_backends: list = []

    def get_queryset(self):
        user = self.request.user
        if self.action != "list":
            return selectors.controls_visible_to(user).select_related("owner").prefetch_related("services")
        params = self.request.query_params
        category, status = params.get("category", ""), params.get("status", "")
        if category and category not in category_ids():
            raise ValidationError({"category": f"{category!r} is not an SCC measure category id."})
        if status and status not in Control.Status.values:
            raise ValidationError({"status": gettext("Use one of: %(values)s.")
                                       % {"values": ", ".join(Control.Status.values)}})
        customer = None
        if params.get("customer"):
            customer = selectors.customers_visible_to(user).filter(slug=params["customer"]).first()
            if customer is None:
                raise ValidationError({"customer": gettext("No such customer.")})
        qs = selectors.control_list(
            user, search=params.get("q", ""), category=category, status=status,
            overdue=bool(_flag(params.get("overdue"), "overdue")), customer=customer,
            sort=params.get("sort", "reference"),
        )
        if params.get("owner"):
            qs = qs.filter(owner__email__iexact=params["owner"])
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
    OpenApiParameter("control", OpenApiTypes.INT, description=_("Only the evidence of this control id.")),
    OpenApiParameter("expired", OpenApiTypes.BOOL, description=_("Only expired (true) or current (false) evidence.")),
    OpenApiParameter("include_removed", OpenApiTypes.BOOL, description=_("Also list removed evidence.")),
]


@extend_schema_view(list=extend_schema(parameters=EVIDENCE_FILTERS))
class EvidenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence metadata of the controls the user may see. Files download through the audited web view."""

    serializer_class = EvidenceSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewControls]
    pagination_class = ApiPagination
    filter_backends: list = []

    def get_queryset(self):
        qs = selectors.evidence_visible_to(self.request.user).select_related("uploaded_by")
        qs = qs.order_by("-created_at", "-pk")
        if self.action != "list":
            return qs
        params = self.request.query_params
        if params.get("control"):
            if not (params["control"].isascii() and params["control"].isdigit()):
                raise ValidationError({"control": gettext("Give a control id.")})
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

