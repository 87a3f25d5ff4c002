"""PreparedQuery gives what the ORM gives, compiles once, and refuses queries and arguments it cannot run.

tests/integration/test_prepared_postgresql.py runs the comparisons again on PostgreSQL.
"""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from controls.models import Control, Evidence, Review
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record
from portal.core.prepared import PreparedQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    """Every loaded field value, and which fields were left deferred."""
    deferred = obj.get_deferred_fields()
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in deferred}
    return {"values": values, "deferred": deferred, "pk": obj.pk, "adding": obj._state.adding, "db": obj._state.db}


@pytest.fixture
def control():
    owner = UserFactory(full_name="Olivia Owner", email="olivia@annex.test")
    control = Control.objects.create(
        reference="PQ-001", title="Backups are encrypted", description="AES-256 at rest.", scc_category="encryption",
        owner=owner, status=Control.Status.IMPLEMENTED, next_review_due=datetime.date(2027, 1, 31),
        art32_points=["a", "b"],
    )
    reviewer = UserFactory(full_name="Rita Reviewer")
    for day in (1, 2):
        Review.objects.create(control=control, reviewer=reviewer, outcome=Review.Outcome.EFFECTIVE, notes=f"Day {day}",
                              reviewed_on=datetime.date(2026, 11, day), next_review_due=datetime.date(2027, 11, day))
    Evidence.objects.create(control=control, kind=Evidence.Kind.NOTE, title="Runbook", text="Restore test passed.",
                            uploaded_by=owner)
    Evidence.objects.create(control=control, kind=Evidence.Kind.LINK, title="Policy", url="https://annex.test/p",
                            uploaded_by=owner, removed_by=reviewer,
                            removed_at=datetime.datetime(2026, 11, 3, tzinfo=datetime.UTC))
    audit_record(action="control.updated", target=control, changes={"title": ["Old", "Backups are encrypted"]})
    audit_record(action="control.reviewed", target=control, changes={"outcome": [None, "effective"], "n": 2})
    return control


def test_a_plain_lookup_gives_the_orm_instance(control):
    by_pk = PreparedQuery(lambda pk: Control.objects.filter(pk=pk), int)
    [got] = by_pk(control.pk)
    expected = Control.objects.get(pk=control.pk)
    assert _fields(got) == _fields(expected)
    assert got.art32_points == ["a", "b"]  # a JSON column, through the database's converter
    assert by_pk(control.pk + 1000) == []


def test_select_related_only_and_ordering_give_the_orm_rows(control):
    def build(pk):
        return (Evidence.objects.filter(control_id=pk).select_related("uploaded_by", "removed_by")
                .only("title", "public_id", "control", "uploaded_by__full_name", "removed_by__email"))

    got = PreparedQuery(build, int)(control.pk)
    expected = list(build(control.pk))
    assert [_fields(e) for e in got] == [_fields(e) for e in expected]
    assert all(isinstance(e.public_id, uuid.UUID) for e in got)  # converted as the ORM converts it
    with CaptureQueriesContext(connection) as queries:
        people = [(e.uploaded_by.full_name, e.removed_by and e.removed_by.email) for e in got]
    assert len(queries) == 0
    assert people == [(e.uploaded_by.full_name, e.removed_by and e.removed_by.email) for e in expected]
    assert [_fields(e.uploaded_by) for e in got] == [_fields(e.uploaded_by) for e in expected]


def test_string_arguments_limits_and_json_match_the_orm(control):
    def build(target_type, target_id):
        return AuditEvent.objects.filter(target_type=target_type, target_id=target_id).order_by("-seq")[:1]

    [got] = PreparedQuery(build, str, str)("controls.control", str(control.pk))
    [expected] = build("controls.control", str(control.pk))
    assert _fields(got) == _fields(expected)
    assert got.changes == {"outcome": [None, "effective"], "n": 2}
    assert isinstance(got.created_at, datetime.datetime) and got.created_at.tzinfo is not None


def test_annotations_and_many_to_many_managers(control):
    other = Control.objects.create(reference="PQ-002", title="Keys rotate", description="Yearly.",
                                   scc_category="encryption")
    control.related.add(other)
    label = Concat(F("notes"), Value("!"), output_field=TextField())
    annotated = PreparedQuery(lambda pk: Review.objects.filter(control_id=pk).annotate(label=label), int)
    assert sorted(r.label for r in annotated(control.pk)) == ["Day 1!", "Day 2!"]
    related = PreparedQuery(lambda pk: Control(pk=pk).related.only("reference").order_by("reference"), int)
    assert [c.reference for c in related(control.pk)] == ["PQ-002"]
    assert [c.reference for c in related(other.pk)] == ["PQ-001"]  # symmetrical, as the manager reads it


def test_the_query_is_compiled_once_and_each_call_is_one_query(control):
    builds = []

    def build(pk):
        builds.append(pk)
        return Review.objects.filter(control_id=pk)

    reviews = PreparedQuery(build, int)
    reviews(control.pk)
    built = len(builds)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert len(reviews(control.pk)) == 2
    assert len(builds) == built
    assert len(queries) == 5


def test_a_small_integer_column_can_be_prepared(control):
    by_cadence = PreparedQuery(lambda months: Control.objects.filter(review_cadence_months=months), int)
    assert [c.pk for c in by_cadence(control.review_cadence_months)] == [control.pk]
    assert by_cadence(control.review_cadence_months + 1) == []


def test_first_gives_the_row_or_none(control):
    by_reference = PreparedQuery(lambda ref: Control.objects.filter(reference=ref), str)
    assert by_reference.first("PQ-001").pk == control.pk
    assert by_reference.first("PQ-404") is None


@pytest.mark.parametrize("args", [(True,), ("7",), (None,), (7.0,), ([7],), (), (7, 8)])
def test_arguments_of_another_type_or_number_are_refused(args):
    by_pk = PreparedQuery(lambda pk: Control.objects.filter(pk=pk), int)
    with pytest.raises(TypeError):
        by_pk(*args)


@pytest.mark.parametrize("build, reason", [
    (lambda text: Control.objects.filter(title__icontains=text), "converted argument"),
    (lambda text: Control.objects.filter(title__startswith=text), "converted argument"),
    (lambda text: Control.objects.all(), "unchanged"),
    (lambda text: Control.objects.filter(title=text).values("pk"), "model instances"),
    (lambda text: Control.objects.filter(title=text).prefetch_related("reviews"), "prefetches nothing"),
])
def test_queries_that_cannot_be_prepared_fail_loudly(build, reason):
    with pytest.raises(ValueError, match=reason):
        PreparedQuery(build, str)("x")


def test_an_argument_type_other_than_int_or_str_is_refused_at_first_call():
    with pytest.raises(TypeError, match="int or str"):
        PreparedQuery(lambda day: Control.objects.filter(next_review_due=day), datetime.date)(datetime.date.today())


def test_values_list_rows_and_flat_values_match_the_orm(control):
    def rows(pk):
        return Evidence.objects.filter(control_id=pk).order_by("title").values_list("public_id", "title", "created_at")

    def flat(pk):
        return Evidence.objects.filter(control_id=pk).order_by("title").values_list("public_id", flat=True)

    assert PreparedQuery(rows, int)(control.pk) == list(rows(control.pk))
    assert PreparedQuery(flat, int)(control.pk) == list(flat(control.pk))
    assert all(isinstance(value, uuid.UUID) for value in PreparedQuery(flat, int)(control.pk))
    owners = PreparedQuery(lambda: Control.objects.order_by().values_list("owner__full_name", flat=True).distinct())
    assert owners() == ["Olivia Owner"]


def test_named_rows_are_refused():
    with pytest.raises(ValueError, match="values_list rows"):
        PreparedQuery(lambda pk: Control.objects.filter(pk=pk).values_list("pk", named=True), int)(1)


@pytest.mark.parametrize("constant", [datetime.date(2026, 11, 28),
                                      datetime.datetime(2026, 11, 28, 9, 0, tzinfo=datetime.UTC)])
def test_a_date_or_datetime_constant_computed_when_the_query_is_built_is_refused(constant):
    field = "next_review_due" if type(constant) is datetime.date else "updated_at"
    build = PreparedQuery(lambda pk: Control.objects.filter(pk=pk, **{f"{field}__lt": constant}), int)
    with pytest.raises(ValueError, match="date or time constant"):
        build(1)
    with pytest.raises(ValueError, match="date or time constant"):  # also inside OR and NOT
        PreparedQuery(lambda pk: Control.objects.filter(pk=pk).exclude(
            Q(status="x") | Q(**{f"{field}__lte": constant})), int)(1)


def test_every_instance_registers_itself_and_leaves_with_its_owner():
    import gc

    from portal.core.prepared import prepared_queries

    by_pk = PreparedQuery(lambda pk: Control.objects.filter(pk=pk), int)
    assert by_pk in prepared_queries()
    identity = id(by_pk)
    del by_pk
    gc.collect()
    assert identity not in {id(query) for query in prepared_queries()}


def test_the_private_django_api_it_depends_on_is_still_there():
    from portal.core.prepared import private_api_problems

    problems = private_api_problems()
    assert not problems, (
        "portal/core/prepared.py depends on Django internals that this Django version changed: "
        + "; ".join(problems) + ". Adapt PreparedQuery or remove it (the ORM gives the same rows)."
    )
