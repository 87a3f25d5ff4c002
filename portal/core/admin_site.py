"""The Django admin as Annex allows it: off unless ANNEX_ADMIN_ENABLED, and then narrow and audited.

Third-party apps register their models with the default site (django-otp its devices with their keys and
QR codes, DRF its tokens, django-axes its attempts, django.contrib.auth the groups). This site takes only
models whose ModelAdmin is an `AuditedModelAdmin`, so none of those pages exists: devices, tokens, roles and
lockouts are managed on Annex's own pages, with step-up and audit events. What is registered
(incidents' obligation templates) is reached only by verified staff after a fresh second factor, shows no
secret field, and every add, change and delete is an audit event written in the same transaction.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from portal.accounts.mfa import require_recent_mfa
from portal.audit.models import AuditAction
from portal.audit.services import audit_record


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are audit events; the only kind the Annex admin site accepts."""

    # Only the bulk delete, which goes through delete_queryset() below; any other bulk action could write unaudited.
    actions = ["delete_selected"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            self._audit_saved(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if formsets:
            raise NotImplementedError("inlines are not audited; edit related rows on their own admin page")
        super().save_related(request, form, formsets, change)

    def _audit_saved(self, request, obj, form, change):
        fields = form.changed_data if change else list(form.fields)
        after = model_to_dict(obj, fields=fields)
        changes = {name: (form.initial.get(name) if change else None, after.get(name)) for name in fields}
        changes = {name: pair for name, pair in changes.items() if pair[0] != pair[1]}
        audit_record(
            action=AuditAction.ADMIN_CHANGED if change else AuditAction.ADMIN_ADDED,
            actor=request.user, target=obj, changes=changes,
        )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(action=AuditAction.ADMIN_DELETED, actor=request.user, target=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(action=AuditAction.ADMIN_DELETED, actor=request.user, target=obj)
            super().delete_queryset(request, queryset)


class AnnexAdminSite(admin.AdminSite):
    """Admits audited ModelAdmins only; every page needs a verified session with a fresh second factor."""

    def register(self, model_or_iterable, admin_class=None, **options):
        if admin_class is None or not issubclass(admin_class, AuditedModelAdmin):
            return  # a third-party registration (devices, tokens, groups, lockouts): not offered here
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request):
        user = request.user
        return super().has_permission(request) and getattr(user, "is_verified", lambda: False)()

    def admin_view(self, view, cacheable=False):
        return super().admin_view(require_recent_mfa(view), cacheable)

    def login(self, request, extra_context=None):
        # One sign-in for the whole portal: Annex's own, with its lockout and second factor.
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("accounts:login"))
