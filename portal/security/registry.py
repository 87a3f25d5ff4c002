"""What is stored encrypted, so that re-encryption and key retirement can find all of it.

Domain apps register from AppConfig.ready():

    register_encrypted_fields(Incident, "description", "affected_people")
    register_encrypted_files(
        label="documents.attachment", model=Attachment, path_field="file_path",
        purpose=lambda attachment: f"attachment:{attachment.pk}", key_id_field="key_id", sha256_field="sha256",
    )

A system check (security.E002) reports any model with an encrypted field that is not registered,
so nothing encrypted can be forgotten by `reencrypt` or overlooked by `retire_key`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from portal.security.fields import EncryptedFieldMixin


@dataclass(frozen=True)
class EncryptedFieldSet:
    model: type[models.Model]
    fields: tuple[EncryptedFieldMixin, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class EncryptedFileSet:
    label: str
    model: type[models.Model]
    path_field: str  # holds the relative path that store_encrypted() returned
    purpose: Callable[[models.Model], str]  # the purpose the file was stored under
    key_id_field: str | None = None  # kept up to date by reencrypt, if the model records it
    sha256_field: str | None = None  # the plaintext's SHA-256 as recorded; a restored backup is checked against it


_field_sets: dict[str, EncryptedFieldSet] = {}
_file_sets: dict[str, EncryptedFileSet] = {}


def register_encrypted_fields(model: type[models.Model], *field_names: str) -> EncryptedFieldSet:
    if not field_names:
        raise ValueError("name at least one encrypted field")
    fields = []
    for name in field_names:
        field = model._meta.get_field(name)
        if not isinstance(field, EncryptedFieldMixin):
            raise TypeError(f"{model._meta.label}.{name} is not an encrypted field")
        fields.append(field)
    field_set = EncryptedFieldSet(model=model, fields=tuple(fields))
    _field_sets[field_set.label] = field_set
    return field_set


def register_encrypted_files(
    *,
    label: str,
    model: type[models.Model],
    path_field: str,
    purpose: Callable[[models.Model], str],
    key_id_field: str | None = None,
    sha256_field: str | None = None,
) -> EncryptedFileSet:
    for name in (path_field, key_id_field, sha256_field):
        if name:
            model._meta.get_field(name)
    file_set = EncryptedFileSet(
        label=label, model=model, path_field=path_field, purpose=purpose, key_id_field=key_id_field,
        sha256_field=sha256_field,
    )
    _file_sets[label] = file_set
    return file_set


def unregister(label: str) -> None:
    """Remove a registration (tests that build throwaway models)."""
    _field_sets.pop(label, None)
    _file_sets.pop(label, None)


def encrypted_field_sets() -> list[EncryptedFieldSet]:
    return list(_field_sets.values())


def encrypted_file_sets() -> list[EncryptedFileSet]:
    return list(_file_sets.values())


def unregistered_encrypted_fields(all_models) -> list[str]:
    """'app.Model.field' for every encrypted field that no registration covers."""
    covered = {(fs.model, field.name) for fs in _field_sets.values() for field in fs.fields}
    missing = []
    for model in all_models:
        if model._meta.proxy or model._meta.abstract:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedFieldMixin) and (model, field.name) not in covered:
                missing.append(f"{model._meta.label}.{field.name}")
    return missing
