"""Reads made on every request or on the most-read page, compiled to SQL once per process.

Building and compiling an ORM query costs about 0.6 ms of Python before the database sees it, more than
PostgreSQL then takes to answer a lookup by key. A page that makes eight such reads spends a third of its
time there. `PreparedQuery` compiles a query once per database alias, with marker arguments in place of
the real ones, and then runs that SQL with each call's arguments, building the model instances the way
Django's own iterator does (converters, deferred fields, `select_related`, annotations).

    control_by_pk = PreparedQuery(lambda pk: Control.objects.filter(pk=pk), int)
    control_by_pk(7)  # -> [<Control 7>] or []

A `values_list()` query gives tuples (or single values with flat=True), as the ORM does.

Only queries whose SQL does not depend on the argument values qualify: scalar arguments compared for
equality as they are (`pk=x`, `target_id=x`), never `__in` lists, `None`, patterns (`__icontains`) or values
that a field converts. Preparing any other query fails loudly, because each query is compiled twice with
different markers and must differ in exactly the marked parameters. Arguments are checked against their
declared type at every call, since they reach the database without the field's conversion; an integer
beyond 64 bits matches nothing, as it does through the ORM. A query with a date, time or datetime constant
(`due__lt=timezone.localdate()` in the builder) is refused when it is compiled: the SQL is compiled once, so
the constant would stay the day the process started.

Where it is used: the reads every signed-in request makes, the session's user (portal/accounts/backends.py)
and its OTP device (portal/accounts/middleware.py), about 0.6 ms of CPU saved per read; and the control page,
20 of every 23 requests of the benchmark's load, whose reads (the control, its services, related controls,
reviews, evidence and history in controls/selectors.py, open follow-up tasks in incidents/follow_ups.py)
cost 21.6 ms of CPU per page through the ORM and 12.0 ms prepared, which took the load from 57-62 to 74-94
requests/s (docs/performance.md). The history read also serves the customer page. Other pages use the ORM.
Every instance registers itself (`prepared_queries()`), so tests/portal/test_prepared_uses.py compares each
one the application holds with its ORM query.

It depends on these parts of Django that are not public API (checked by `private_api_problems()`, which
tests/portal/test_prepared.py runs, so a Django upgrade that changes them fails that test by name):
- `QuerySet._db`, `QuerySet._iterable_class`, `QuerySet._prefetch_related_lookups`;
- `django.db.models.query.ModelIterable`, `ValuesListIterable`, `FlatValuesListIterable`, and
  `get_related_populators(klass_info, select, db)` with `RelatedPopulator.populate(row, from_obj)`;
- after `SQLCompiler.as_sql()`: `compiler.select`, `compiler.klass_info` (with "model" and "select_fields"),
  `compiler.col_count`, `compiler.annotation_col_map` and `compiler.get_converters(expressions)`.
"""

import datetime
import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

# Markers within the range of the narrowest integer column (PositiveSmallIntegerField, 0 to 32,767):
# Django answers an out-of-range integer lookup with an empty result instead of SQL, which would hide
# the parameter. A constant of the query equal to a marker is harmless: it is the same in both rounds.
_INT_MARKERS = (30_011, 30_029)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_STR_MARKERS = ("\x1eannex-prepared-a-{}", "\x1eannex-prepared-b-{}")


def _marker(kind: type, argument: int, round_: int):
    if kind is int:
        return _INT_MARKERS[round_] + 100 * argument
    if kind is str:
        return _STR_MARKERS[round_].format(argument)
    raise TypeError(f"a prepared query takes int or str arguments, not {kind.__name__}")


_SHAPES = {ModelIterable: "model", ValuesListIterable: "tuple", FlatValuesListIterable: "flat"}

_INSTANCES: "weakref.WeakSet[PreparedQuery]" = weakref.WeakSet()


def _date_constants(node) -> list:
    """The date, time and datetime values a query's WHERE tree compares with (lookups' right-hand sides)."""
    found = []
    for child in getattr(node, "children", ()):
        found += _date_constants(child)
    rhs = getattr(node, "rhs", None)
    values = rhs if isinstance(rhs, list | tuple) else [getattr(rhs, "value", rhs)]
    found += [value for value in values if isinstance(value, datetime.date | datetime.time)]
    return found


def prepared_queries() -> list["PreparedQuery"]:
    """Every PreparedQuery alive in this process, in no particular order."""
    return list(_INSTANCES)


def private_api_problems() -> list[str]:
    """What of Django's non-public API (listed in the module's docstring) is missing or changed shape."""
    from django.db.models.query import RelatedPopulator
    from django.db.models.sql.compiler import SQLCompiler

    problems = []
    queryset = QuerySet()
    for name in ("_db", "_iterable_class", "_prefetch_related_lookups"):
        if not hasattr(queryset, name):
            problems.append(f"QuerySet.{name} is gone")
    checks = [
        (get_related_populators, ["klass_info", "select", "db"]),
        (RelatedPopulator.populate, ["self", "row", "from_obj"]),
        (SQLCompiler.get_converters, ["self", "expressions"]),
    ]
    for function, expected in checks:
        found = list(inspect.signature(function).parameters)
        if found != expected:
            problems.append(f"{function.__qualname__} takes {found}, not {expected}")
    from django.contrib.contenttypes.models import ContentType

    compiler = ContentType.objects.filter(pk=1).query.get_compiler(using="default")
    compiler.as_sql()
    for name in ("select", "klass_info", "col_count", "annotation_col_map"):
        if not hasattr(compiler, name):
            problems.append(f"SQLCompiler.as_sql() no longer sets compiler.{name}")
    klass_info = getattr(compiler, "klass_info", None) or {}
    if not {"model", "select_fields"} <= set(klass_info):
        problems.append(f"compiler.klass_info holds {sorted(klass_info)}, not model and select_fields")
    return problems


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # constants, with None where an argument goes
    slots: tuple[tuple[int, int], ...]  # (parameter position, argument index)
    shape: str  # what a row becomes: "model", "tuple" (values_list) or "flat" (values_list(flat=True))
    col_count: int
    # (column position, converter functions, expression). Each call passes its own thread's connection; a
    # converter bound to the compiling connection's operations (SQLite's dates) reads only settings from it.
    converters: tuple
    model: type[Model] | None = None
    init_list: tuple[str, ...] = ()
    model_slice: slice | None = None
    related_populators: tuple = ()
    annotations: tuple[tuple[str, int], ...] = ()


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], *arg_types: type):
        self.build = build
        self.arg_types = arg_types
        self._compiled: dict[str, _Compiled] = {}
        self._route: tuple[str | None, type[Model]] | None = None  # (.using() alias, model)
        _INSTANCES.add(self)

    def __call__(self, *args) -> list:
        if len(args) != len(self.arg_types):
            raise TypeError(f"expected {len(self.arg_types)} arguments, got {len(args)}")
        for arg, kind in zip(args, self.arg_types, strict=True):
            # type(), not isinstance(): True is an int, and a str subclass may be a lazy or safe string.
            if type(arg) is not kind:
                raise TypeError(f"prepared query argument {arg!r} is not {kind.__name__}")
            # Nothing is stored beyond a signed 64-bit integer (SQLite refuses to compare one): the ORM
            # answers such a lookup with an empty result, and so does this.
            if kind is int and not _INT64_MIN <= arg <= _INT64_MAX:
                return []
        alias = self._alias()
        compiled = self._compiled.get(alias) or self._compile(alias)
        params = list(compiled.params)
        for position, index in compiled.slots:
            params[position] = args[index]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [self._converted(compiled, connection, row) for row in rows]
        if compiled.shape == "flat":
            return [row[0] for row in rows]
        if compiled.shape == "tuple":
            return [tuple(row[: compiled.col_count]) for row in rows]
        return [self._instance(compiled, alias, row) for row in rows]

    def first(self, *args):
        rows = self(*args)
        return rows[0] if rows else None

    def _alias(self) -> str:
        # Routed as QuerySet.db routes a read, without the instance hints of a related manager.
        if self._route is None:
            queryset = self.build(*(_marker(kind, i, 0) for i, kind in enumerate(self.arg_types)))
            self._route = (queryset._db, queryset.model)
        using, model = self._route
        return using or router.db_for_read(model)

    def _compile(self, alias: str) -> _Compiled:
        rounds = []
        for round_ in (0, 1):
            queryset = self.build(*(_marker(kind, i, round_) for i, kind in enumerate(self.arg_types)))
            if queryset._iterable_class not in _SHAPES or queryset._prefetch_related_lookups:
                raise ValueError("a prepared query returns model instances or values_list rows and prefetches nothing")
            compiler = queryset.query.get_compiler(using=alias)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet as empty:
                raise ValueError("a prepared query must compile to SQL: an argument's marker is out of the "
                                 "field's range, or the query is empty whatever its arguments") from empty
            frozen = _date_constants(queryset.query.where)
            if frozen:
                raise ValueError(f"the prepared query compares with a date or time constant ({frozen[0]!r}): compiled "
                                 "once, it would keep that value for the life of the process; use the ORM for a query "
                                 "that depends on the date")
            rounds.append((compiler, sql, tuple(params)))
        (compiler, sql, params), (_, sql_b, params_b) = rounds
        if sql != sql_b or len(params) != len(params_b):
            raise ValueError("a prepared query's SQL must not depend on its arguments")
        markers = {_marker(kind, i, r): i for r in (0, 1) for i, kind in enumerate(self.arg_types)}
        slots, constants = [], []
        for position, (a, b) in enumerate(zip(params, params_b, strict=True)):
            if a == b:
                constants.append(a)
                continue
            if not isinstance(a, int | str) or a not in markers or markers.get(b) != markers[a]:
                raise ValueError(f"parameter {position} of the prepared query is a converted argument")
            slots.append((position, markers[a]))
            constants.append(None)
        if {index for _, index in slots} != set(range(len(self.arg_types))):
            raise ValueError("every argument of a prepared query must reach its SQL unchanged")

        select, klass_info = compiler.select, compiler.klass_info
        columns = [column for column, _, _ in select[: compiler.col_count]]
        common = {
            "sql": sql,
            "params": tuple(constants),
            "slots": tuple(slots),
            "shape": _SHAPES[queryset._iterable_class],
            "col_count": compiler.col_count,
            "converters": tuple(
                (position, tuple(functions), expression)
                for position, (functions, expression) in compiler.get_converters(columns).items()
            ),
        }
        if common["shape"] == "model":
            fields = klass_info["select_fields"]
            model_slice = slice(fields[0], fields[-1] + 1)
            compiled = _Compiled(
                **common,
                model=klass_info["model"],
                init_list=tuple(column.target.attname for column, _, _ in select[model_slice]),
                model_slice=model_slice,
                related_populators=tuple(get_related_populators(klass_info, select, alias)),
                annotations=tuple(compiler.annotation_col_map.items()),
            )
        else:
            compiled = _Compiled(**common)
        self._compiled[alias] = compiled
        return compiled

    @staticmethod
    def _converted(compiled: _Compiled, connection, row: tuple) -> list:
        row = list(row)
        for position, functions, expression in compiled.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        return row

    @staticmethod
    def _instance(compiled: _Compiled, alias: str, row) -> Model:
        obj = compiled.model.from_db(alias, compiled.init_list, row[compiled.model_slice])
        for populator in compiled.related_populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations:
            setattr(obj, name, row[position])
        return obj
