"""Admin for the configurable obligation templates; cases themselves are worked only through the portal pages."""

from django.contrib import admin

from incidents.models import ObligationTemplate
from portal.core.admin_site import AuditedModelAdmin


@admin.register(ObligationTemplate)
class ObligationTemplateAdmin(AuditedModelAdmin):
    list_display = ("code", "title", "regime", "recipient", "trigger", "hours", "months", "use_customer_hours",
                    "is_active")
    list_filter = ("regime", "recipient", "is_active")
    search_fields = ("code", "title", "legal_reference")
