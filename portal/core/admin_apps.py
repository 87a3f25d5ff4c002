"""django.contrib.admin with Annex's narrowed, audited site as its default (portal/core/admin_site.py)."""

from django.contrib.admin.apps import AdminConfig


class AnnexAdminConfig(AdminConfig):
    default_site = "portal.core.admin_site.AnnexAdminSite"
