"""Evidence writes: add (a file stored encrypted, a link or a note), remove and restore, and the audited
download. Whoever may change a control may add and remove its evidence; whoever may see it may download.
"""

import uuid
from datetime import date
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from controls.audit_actions import ControlAction
from controls.filetypes import RejectedFile, detect_content_type, sanitise_filename
from controls.models import Control, Evidence
from controls.services import can_change_control
from controls.services_status import control_refresh_status
from portal.audit.services import audit_record, masked_changes
from portal.security.errors import FileTooLarge
from portal.security.storage import delete_encrypted, open_decrypted, store_encrypted


def _check_common(title: str, valid_from: date | None, valid_until: date | None) -> None:
    if not title.strip():
        raise ValidationError({"title": _("Give the evidence a title.")})
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The validity end cannot be before its start.")})


def _check_record(record: str, facts: dict, valid_from: date | None, valid_until: date | None) -> None:
    """A certificate names its standard, issuer, number and expiry; a test report its day and the next one's."""
    errors = {}
    if record == Evidence.Record.CERTIFICATE:
        for name, message in (
            ("certificate_standard", _("Name the certified standard, e.g. ISO/IEC 27001:2022.")),
            ("certificate_issuer", _("Name who issued the certificate.")),
            ("certificate_number", _("Give the certificate's number.")),
        ):
            if not facts[name]:
                errors[name] = message
        if valid_until is None:
            errors["valid_until"] = _("A certificate is valid until a date: give it.")
    elif record == Evidence.Record.TEST:
        if valid_from is None:
            errors["valid_from"] = _("Give the day the test was performed.")
        if valid_until is None:
            errors["valid_until"] = _("Give the day the next test is due.")
    if errors:
        raise ValidationError(errors)


def _locked_control_for_change(control: Control, actor) -> Control:
    locked = Control.objects.select_for_update().get(pk=control.pk)
    if not can_change_control(actor, locked):
        raise PermissionDenied(_("You may add and remove evidence only on the controls you own."))
    return locked


def _audit(action, actor, control: Control, evidence: Evidence, extra: dict | None = None) -> None:
    changes = {"evidence": (None, f"#{evidence.pk} {evidence.title}"), "kind": (None, evidence.kind)}
    if evidence.kind == Evidence.Kind.FILE:
        changes["sha256"] = (None, evidence.sha256)
    changes.update(extra or {})
    audit_record(action=action, actor=actor, target=control, changes=masked_changes(changes))


@transaction.atomic
def evidence_add(
    *,
    control: Control,
    actor,
    kind: str,
    title: str,
    description: str = "",
    upload: BinaryIO | None = None,
    filename: str = "",
    url: str = "",
    text: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    record: str = "",
    certificate_standard: str = "",
    certificate_scope: str = "",
    certificate_issuer: str = "",
    certificate_number: str = "",
) -> Evidence:
    """Attach evidence to a control; a file is checked by its content, encrypted and hashed on the way in.

    Evidence that records a certificate or a periodic test carries its facts, which the TOM annex prints.
    """
    locked = _locked_control_for_change(control, actor)
    kind = Evidence.Kind(kind)
    record = Evidence.Record(record or "")
    _check_common(title, valid_from, valid_until)
    facts = {"certificate_standard": certificate_standard.strip(), "certificate_scope": certificate_scope.strip(),
             "certificate_issuer": certificate_issuer.strip(), "certificate_number": certificate_number.strip()}
    _check_record(record, facts, valid_from, valid_until)
    if record != Evidence.Record.CERTIFICATE:
        facts = dict.fromkeys(facts, "")
    evidence = Evidence(
        public_id=uuid.uuid4(), control=locked, kind=kind, title=title.strip(), description=description.strip(),
        valid_from=valid_from, valid_until=valid_until, uploaded_by=actor, record=record, **facts,
    )
    if kind == Evidence.Kind.LINK:
        if not url.strip():
            raise ValidationError({"url": _("Give the address of the evidence.")})
        evidence.url = url.strip()
    elif kind == Evidence.Kind.NOTE:
        if not text.strip():
            raise ValidationError({"text": _("Write the note.")})
        evidence.text = text.strip()
    stored_path = ""
    if kind == Evidence.Kind.FILE:
        stored_path = _store_file(evidence, upload, filename)
    try:
        evidence.full_clean()
        evidence.save(force_insert=True)
        _audit(ControlAction.EVIDENCE_ADDED, actor, locked, evidence, {
            "valid_until": (None, valid_until.isoformat() if valid_until else None),
        })
        control_refresh_status(control=locked, actor=actor)
    except BaseException:
        if stored_path:
            delete_encrypted(stored_path)
        raise
    return evidence


def _store_file(evidence: Evidence, upload: BinaryIO | None, filename: str) -> str:
    """Check and encrypt the upload into the store; nothing is kept when it is refused."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file to upload.")})
    limit = settings.EVIDENCE_MAX_BYTES
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise ValidationError({"file": _("The file is too large (%(size)s); the limit is %(limit)s.")
                               % {"size": filesizeformat(declared), "limit": filesizeformat(limit)}})
    try:
        content_type = detect_content_type(upload, filename)
    except RejectedFile as exc:
        raise ValidationError({"file": str(exc)}) from exc
    try:
        stored = store_encrypted(upload, purpose=evidence.purpose, max_bytes=limit)
    except FileTooLarge as exc:
        raise ValidationError({"file": _("The file is too large; the limit is %(limit)s.")
                               % {"limit": filesizeformat(limit)}}) from exc
    evidence.file_path, evidence.sha256, evidence.size, evidence.key_id = (
        stored.path, stored.sha256, stored.size, stored.key_id
    )
    evidence.content_type = content_type
    evidence.original_filename = sanitise_filename(filename)
    return stored.path


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor, reason: str) -> Evidence:
    """Withdraw evidence (a soft delete: the record and file stay, and can be restored)."""
    locked_control = _locked_control_for_change(evidence.control, actor)
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if locked.removed_at is not None:
        raise ValidationError(_("This evidence was already removed."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the evidence is removed.")})
    locked.removed_at, locked.removed_by, locked.removal_reason = timezone.now(), actor, reason
    locked.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    _audit(ControlAction.EVIDENCE_REMOVED, actor, locked_control, locked, {"reason": (None, reason)})
    control_refresh_status(control=locked_control, actor=actor)
    return locked


@transaction.atomic
def evidence_restore(*, evidence: Evidence, actor) -> Evidence:
    """Bring removed evidence back."""
    locked_control = _locked_control_for_change(evidence.control, actor)
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if locked.removed_at is None:
        raise ValidationError(_("This evidence is not removed."))
    before = locked.removal_reason
    locked.removed_at, locked.removed_by, locked.removal_reason = None, None, ""
    locked.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    _audit(ControlAction.EVIDENCE_RESTORED, actor, locked_control, locked, {"removal_reason": (before, None)})
    control_refresh_status(control=locked_control, actor=actor)
    return locked


def evidence_open_for_download(*, evidence: Evidence, actor):
    """The decrypted chunks of an evidence file, after writing the download to the audit trail.

    The caller has loaded `evidence` through the scoped selector. The file is opened first (its header
    and key are checked), so a missing or unreadable file fails before anything is recorded.
    """
    if evidence.kind != Evidence.Kind.FILE:
        raise ValidationError(_("Only file evidence can be downloaded."))
    stream = open_decrypted(evidence.file_path, purpose=evidence.purpose)
    try:
        with transaction.atomic():
            _audit(ControlAction.EVIDENCE_DOWNLOADED, actor, evidence.control, evidence)
    except BaseException:
        stream.close()
        raise
    return stream
