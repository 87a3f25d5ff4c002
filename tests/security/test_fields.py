import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from portal.security.crypto import decrypt_text
from portal.security.errors import TamperedCiphertext
from portal.security.fields import EncryptedTextField, Sealed

pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = "Laptop of Max Mustermann (max@example.org) stolen from car; disk encrypted."


def raw_column(model, pk, column):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_database_holds_only_ciphertext(secret_note_model):
    note = secret_note_model.objects.create(body=DESCRIPTION, details={"people": ["Max Mustermann"]})
    stored_body = raw_column(secret_note_model, note.pk, "body")
    stored_details = raw_column(secret_note_model, note.pk, "details")
    assert "Mustermann" not in stored_body
    assert "Mustermann" not in stored_details
    purpose = f"field:security.secretnote.body:{note.public_id}"
    assert decrypt_text(stored_body, purpose=purpose) == DESCRIPTION


def test_values_read_back_as_plaintext(secret_note_model):
    note = secret_note_model.objects.create(body=DESCRIPTION, details={"people": ["Max"], "count": 1})
    loaded = secret_note_model.objects.get(pk=note.pk)
    assert loaded.body == DESCRIPTION
    assert loaded.details == {"people": ["Max"], "count": 1}


def test_null_stays_null_and_empty_text_is_encrypted(secret_note_model):
    note = secret_note_model.objects.create(body="", details=None)
    assert raw_column(secret_note_model, note.pk, "details") is None
    assert raw_column(secret_note_model, note.pk, "body") != ""
    loaded = secret_note_model.objects.get(pk=note.pk)
    assert (loaded.body, loaded.details) == ("", None)


def test_values_are_decrypted_only_when_read(secret_note_model):
    note = secret_note_model.objects.create(body=DESCRIPTION)
    loaded = secret_note_model.objects.get(pk=note.pk)
    assert isinstance(loaded.__dict__["body"], Sealed)
    assert loaded.body == DESCRIPTION
    assert loaded.__dict__["body"] == DESCRIPTION


def test_saving_other_fields_keeps_the_stored_ciphertext(secret_note_model):
    note = secret_note_model.objects.create(body=DESCRIPTION)
    before = raw_column(secret_note_model, note.pk, "body")
    loaded = secret_note_model.objects.get(pk=note.pk)
    loaded.save()
    assert raw_column(secret_note_model, note.pk, "body") == before


def test_an_assigned_value_is_encrypted_on_save(secret_note_model):
    note = secret_note_model.objects.create(body=DESCRIPTION)
    note.body = "Corrected: laptop found."
    note.save(update_fields=["body"])
    assert secret_note_model.objects.get(pk=note.pk).body == "Corrected: laptop found."


def test_deferred_fields_load_and_decrypt_on_access(secret_note_model):
    note = secret_note_model.objects.create(body=DESCRIPTION)
    loaded = secret_note_model.objects.defer("body").get(pk=note.pk)
    assert loaded.body == DESCRIPTION


def test_a_value_copied_to_another_row_does_not_decrypt(secret_note_model):
    first = secret_note_model.objects.create(body="about customer A")
    second = secret_note_model.objects.create(body="about customer B")
    table = connection.ops.quote_name(secret_note_model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET body = %s WHERE id = %s", [raw_column(secret_note_model, first.pk, "body"), second.pk]
        )
    with pytest.raises(TamperedCiphertext):
        _ = secret_note_model.objects.get(pk=second.pk).body


def test_a_value_copied_to_another_column_does_not_decrypt(secret_note_model):
    note = secret_note_model.objects.create(body="text", details={"a": 1})
    table = connection.ops.quote_name(secret_note_model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET details = body WHERE id = %s", [note.pk])
    with pytest.raises(TamperedCiphertext):
        _ = secret_note_model.objects.get(pk=note.pk).details


def test_queryset_update_with_plaintext_is_refused(secret_note_model):
    note = secret_note_model.objects.create(body=DESCRIPTION)
    with pytest.raises(TypeError, match="encrypted"):
        secret_note_model.objects.filter(pk=note.pk).update(body="plaintext")
    assert secret_note_model.objects.get(pk=note.pk).body == DESCRIPTION


def test_filtering_on_plaintext_is_refused(secret_note_model):
    with pytest.raises(TypeError, match="encrypted"):
        list(secret_note_model.objects.filter(body=DESCRIPTION))


def test_a_bound_field_needs_its_binding_before_saving(secret_note_model):
    note = secret_note_model(body="x", public_id=None)
    with pytest.raises(ImproperlyConfigured, match="public_id"):
        note.save()


def test_the_field_deconstructs_for_migrations():
    field = EncryptedTextField(bind_to="public_id", blank=True)
    _, path, _, kwargs = field.deconstruct()
    assert path == "portal.security.fields.EncryptedTextField"
    assert kwargs == {"bind_to": "public_id", "blank": True}


def test_values_stay_readable_after_rotation_and_new_saves_use_the_new_key(secret_note_model, provider):
    note = secret_note_model.objects.create(public_id=uuid.uuid4(), body="before rotation")
    provider.add_key()
    loaded = secret_note_model.objects.get(pk=note.pk)
    assert loaded.__dict__["body"].key_id == "k1"
    assert loaded.body == "before rotation"
    loaded.body = "after rotation"
    loaded.save(update_fields=["body"])
    assert secret_note_model.objects.get(pk=note.pk).__dict__["body"].key_id == "k2"
