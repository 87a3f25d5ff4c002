"""The retention-target registry that each app fills from its own `retention.py`.

A target names the records of one kind that a retention policy covers: which ones are still to be
handled, the date their period counts from, what happens at the end (delete, anonymise, review),
which fields anonymising clears (or a callable that anonymises them), and through which relations a
legal hold reaches them. The period itself is the policy's, set by the DPO in the register; the
target names the policy by its key. The backbone never imports a domain app: RetentionConfig.ready()
autodiscovers the `retention` modules, and each registers its targets here.

Purges run in batches of primary keys: each batch is one transaction that deletes or anonymises the
rows and adds to the run's counts, so a crash leaves every committed batch done and nothing counted twice.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet

from portal.retention.models import Action, CountsFrom


@dataclass(frozen=True)
class HoldPath:
    """A legal hold on a `model` ("app_label.model") object stops every record whose `lookup` is its pk."""

    model: str
    lookup: str


@dataclass(frozen=True)
class PolicyDefault:
    """What the register starts with for a target's policy, until the DPO changes it."""

    data_category: str
    system: str
    purpose: str
    legal_basis: str
    period_months: int
    counts_from: str
    action: str
    control_reference: str = ""
    covers_customer_data: bool = False


@dataclass(frozen=True)
class RetentionTarget:
    """One kind of record that a retention policy applies to."""

    name: str  # "<app>.<what>"
    label: str
    policy: str  # RetentionPolicy.key
    queryset: Callable[[], QuerySet]  # records still to be handled (anonymised ones are excluded here)
    date_field: str  # lookup path of the date the period counts from
    counts_from: str  # a CountsFrom value, shown next to the policy
    action: str  # an Action value
    # Anonymise: field -> value written; or a callable(pks) -> number anonymised (e.g. a domain service).
    anonymise_fields: dict[str, Any] = field(default_factory=dict)
    anonymise: Callable[[Sequence], int] | None = None
    # Delete with a callable(pks) -> number deleted, instead of QuerySet.delete() (e.g. sealing the audit trail).
    delete: Callable[[Sequence], int] | None = None
    # The next batch of pks from the records due and not held; default: the lowest pks first.
    select: Callable[[QuerySet, int], list] | None = None
    # A hold on the record itself always applies; these reach it through its relations too.
    holds: tuple[HoldPath, ...] = ()
    batch_size: int = 2000
    default: PolicyDefault | None = None
    description: str = ""

    def __post_init__(self):
        if self.action not in Action.values:
            raise ValueError(f"retention target {self.name}: unknown action {self.action!r}")
        if self.counts_from not in CountsFrom.values:
            raise ValueError(f"retention target {self.name}: unknown starting event {self.counts_from!r}")
        if self.action == Action.ANONYMISE and not (self.anonymise_fields or self.anonymise):
            raise ValueError(f"retention target {self.name}: name the fields anonymising clears, or a callable")
        if self.batch_size < 1:
            raise ValueError(f"retention target {self.name}: batch_size must be 1 or more")

    def next_batch(self, pending: QuerySet) -> list:
        if self.select is not None:
            return self.select(pending, self.batch_size)
        return list(pending.order_by("pk").values_list("pk", flat=True)[: self.batch_size])

    @property
    def model(self) -> type[Model]:
        return self.queryset().model


_TARGETS: dict[str, RetentionTarget] = {}


def register(target: RetentionTarget) -> RetentionTarget:
    if target.name in _TARGETS and _TARGETS[target.name] is not target:
        raise ValueError(f"a retention target named {target.name!r} is already registered")
    _TARGETS[target.name] = target
    return target


def unregister(name: str) -> None:
    _TARGETS.pop(name, None)


def targets() -> list[RetentionTarget]:
    return [_TARGETS[name] for name in sorted(_TARGETS)]


def get_target(name: str) -> RetentionTarget:
    return _TARGETS[name]


def targets_for_policy(key: str) -> list[RetentionTarget]:
    return [target for target in targets() if target.policy == key]


@dataclass(frozen=True)
class Holdable:
    """A kind of record a legal hold can be set on from the holds page, found by `lookup` (e.g. email, slug)."""

    model: str  # "app_label.model"
    label: str
    lookup: str
    queryset: Callable[[], QuerySet]
    hint: str = ""


_HOLDABLES: dict[str, Holdable] = {}


def register_holdable(holdable: Holdable) -> Holdable:
    _HOLDABLES[holdable.model] = holdable
    return holdable


def holdables() -> list[Holdable]:
    return [_HOLDABLES[name] for name in sorted(_HOLDABLES)]


def get_holdable(model: str) -> Holdable:
    return _HOLDABLES[model]
