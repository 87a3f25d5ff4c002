"""Model fields whose values are stored as AES-256-GCM envelopes (base64 text).

The purpose bound into each value is "field:<app_label>.<model>.<field>", plus the value of the
`bind_to` field when one is named (a field set before the row is inserted, such as a UUID), so a
value copied into another column, or with bind_to into another row, no longer decrypts.

Values are decrypted lazily, on first attribute access, and re-encrypted on save only when they
were assigned. Write them through Model.save() (update_fields welcome): QuerySet.update() and
bulk_update() cannot encrypt and raise; filtering on the plaintext is impossible by design.
"""

from __future__ import annotations

import json

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from portal.security.crypto import decrypt_text, encrypt_text, envelope_key_id, text_envelope


class Sealed(str):
    """Ciphertext as read from the database, not yet decrypted."""

    __slots__ = ()

    @property
    def key_id(self) -> str:
        return envelope_key_id(text_envelope(self))


class _EncryptedAttribute(DeferredAttribute):
    """Keeps the sealed value on the instance and decrypts it the first time it is read."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = self.field.unseal(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class EncryptedFieldMixin:
    descriptor_class = _EncryptedAttribute

    def __init__(self, *args, bind_to: str | None = None, **kwargs):
        self.bind_to = bind_to
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.bind_to:
            kwargs["bind_to"] = self.bind_to
        return name, path, args, kwargs

    # Subclasses turn the Python value into text and back.
    def encode(self, value) -> str:
        raise NotImplementedError

    def decode(self, text: str):
        raise NotImplementedError

    def purpose_for(self, instance) -> str:
        meta = self.model._meta
        purpose = f"field:{meta.app_label}.{meta.model_name}.{self.name}"
        if self.bind_to:
            bound = getattr(instance, self.bind_to)
            if bound in (None, ""):
                raise ImproperlyConfigured(
                    f"{meta.label}.{self.name} is bound to {self.bind_to!r}, which must be set before saving"
                )
            purpose += f":{bound}"
        return purpose

    def seal(self, instance, value) -> Sealed | None:
        if value is None:
            return None
        return Sealed(encrypt_text(self.encode(value), purpose=self.purpose_for(instance)))

    def unseal(self, instance, sealed: str):
        return self.decode(decrypt_text(sealed, purpose=self.purpose_for(instance)))

    def stored_value(self, instance) -> Sealed | None:
        """The ciphertext as it is in the database for this instance, if it has not been replaced."""
        value = instance.__dict__.get(self.attname)
        return value if isinstance(value, Sealed) else None

    def from_db_value(self, value, expression, connection):
        return None if value is None else Sealed(value)

    def pre_save(self, model_instance, add):
        raw = model_instance.__dict__.get(self.attname)
        if raw is None or isinstance(raw, Sealed):
            return raw  # unchanged since loading: keep the stored ciphertext as it is
        return self.seal(model_instance, raw)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or isinstance(value, Sealed):
            return None if value is None else str(value)
        raise TypeError(
            f"{self.model._meta.label}.{self.name} is encrypted: write it through Model.save(), "
            "not QuerySet.update() or a lookup on its plaintext"
        )

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return None if value is None else self.encode(value)


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Text stored encrypted (personal data in incidents, free-text notes)."""

    def encode(self, value) -> str:
        return str(value)

    def decode(self, text: str) -> str:
        return text


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    """A JSON-serialisable value stored encrypted; the database sees only text."""

    def encode(self, value) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    def decode(self, text: str):
        return json.loads(text)

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})
