"""The purge engine: which records have passed their policy's period, the dry-run preview, and the run.

A run measures every period from one moment (`RetentionRun.as_of`) and works target by target in
batches of primary keys. Each batch is one transaction: it deletes or anonymises its rows, adds their
number to the run's counts and writes its audit event, so an interrupted run leaves every committed
batch done and counted once; starting again resumes the same run, and the records already handled
are no longer selected. Files in the encrypted store go after their rows, once the batch has committed.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.services import audit_record
from portal.retention.audit_actions import RetentionAction
from portal.retention.models import Action, LegalHold, RetentionPolicy, RetentionRun
from portal.retention.registry import RetentionTarget, targets
from portal.security.registry import encrypted_file_sets
from portal.security.storage import delete_encrypted

logger = logging.getLogger(__name__)

# A run whose heartbeat is older than this is taken to have crashed, and the next start resumes it.
STALE_AFTER = timedelta(minutes=15)


class RetentionBusy(Exception):
    """Another run is in progress."""


class RetentionStuck(Exception):
    """A target's batch handled nothing: its queryset keeps selecting records it cannot change."""


def _field(model: type[models.Model], path: str) -> models.Field:
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return field


def due_queryset(target: RetentionTarget, policy: RetentionPolicy, as_of: datetime) -> QuerySet:
    """The target's records whose period has run out at `as_of` (holds not yet applied)."""
    field = _field(target.model, target.date_field)
    if isinstance(field, models.DateTimeField):
        cutoff = policy.cutoff(as_of)
    else:  # a calendar date: due on the day the period ends, in the portal's time zone
        cutoff = policy.cutoff_date(timezone.localdate(as_of))
    return target.queryset().filter(**{f"{target.date_field}__lte": cutoff})


def active_holds() -> dict[str, set[str]]:
    """Object ids under an active legal hold, by "app_label.model"; one query."""
    held: dict[str, set[str]] = {}
    rows = LegalHold.objects.filter(released_at__isnull=True).values_list(
        "content_type__app_label", "content_type__model", "object_id")
    for app_label, model, object_id in rows:
        held.setdefault(f"{app_label}.{model}", set()).add(object_id)
    return held


def held_q(target: RetentionTarget, holds: dict[str, set[str]]) -> Q | None:
    """Matches the target's records that an active hold reaches; None when no hold reaches any."""
    q = None
    own = holds.get(target.model._meta.label_lower)
    if own:
        q = Q(pk__in=sorted(own))
    for path in target.holds:
        ids = holds.get(path.model.lower())
        if ids:
            q = (q | Q(**{f"{path.lookup}__in": sorted(ids)})) if q is not None else Q(
                **{f"{path.lookup}__in": sorted(ids)})
    return q


def effective_action(target: RetentionTarget, policy: RetentionPolicy) -> str:
    """The policy decides: a target acts only when its policy names its action; otherwise it is only counted."""
    return target.action if policy.action == target.action else Action.REVIEW


@dataclass
class TargetPreview:
    target: RetentionTarget
    policy: RetentionPolicy | None
    action: str
    due: int
    held: int

    @property
    def to_handle(self) -> int:
        return self.due - self.held


def preview(*, as_of: datetime | None = None) -> list[TargetPreview]:
    """What a run would do now: per target, how many records are due and how many a hold keeps. Changes nothing."""
    as_of = as_of or timezone.now()
    policies = RetentionPolicy.objects.in_bulk(field_name="key")
    holds = active_holds()
    rows = []
    for target in targets():
        policy = policies.get(target.policy)
        if policy is None:
            rows.append(TargetPreview(target, None, Action.REVIEW, 0, 0))
            continue
        due = due_queryset(target, policy, as_of)
        q = held_q(target, holds)
        if q is not None:
            counts = due.aggregate(due=models.Count("pk"), held=models.Count("pk", filter=q))
        else:
            counts = {"due": due.count(), "held": 0}
        rows.append(TargetPreview(target, policy, effective_action(target, policy), counts["due"], counts["held"]))
    return rows


def preview_by_policy(rows: list[TargetPreview]) -> list[dict]:
    """The preview grouped per policy, in the register's order."""
    grouped: dict[str, dict] = {}
    for row in rows:
        key = row.policy.key if row.policy else ""
        entry = grouped.setdefault(key, {"policy": row.policy, "targets": [], "to_handle": 0, "held": 0})
        entry["targets"].append(row)
        entry["to_handle"] += row.to_handle if row.action != Action.REVIEW else 0
        entry["held"] += row.held
    return sorted(grouped.values(), key=lambda e: (e["policy"] is None, str(e["policy"] or "")))


@transaction.atomic
def retention_run_start(*, trigger: str, actor=None) -> RetentionRun:
    """Start a run, or resume the last one if it was interrupted. Refuses while another is in progress."""
    now = timezone.now()
    last = RetentionRun.objects.select_for_update().order_by("-started_at", "-pk").first()
    if last is not None and last.status != RetentionRun.Status.DONE:
        if last.status == RetentionRun.Status.RUNNING and now - last.heartbeat_at < STALE_AFTER:
            raise RetentionBusy(_("A retention run is already in progress (run %(id)s).") % {"id": last.pk})
        last.status, last.heartbeat_at, last.attempts, last.error = RetentionRun.Status.RUNNING, now, \
            last.attempts + 1, ""
        last.save(update_fields=["status", "heartbeat_at", "attempts", "error"])
        audit_record(action=RetentionAction.RUN_RESUMED, actor=actor, target=last,
                     changes={"attempt": last.attempts, "as_of": last.as_of.isoformat()})
        return last
    try:
        with transaction.atomic():
            run = RetentionRun.objects.create(
                trigger=trigger, started_by=actor if actor is not None and actor.is_authenticated else None,
                started_at=now, as_of=now, heartbeat_at=now)
    except IntegrityError:  # another start created its run at the same moment (one running run at a time)
        raise RetentionBusy(_("A retention run is already in progress.")) from None
    audit_record(action=RetentionAction.RUN_STARTED, actor=actor, target=run,
                 changes={"trigger": trigger, "as_of": now.isoformat()})
    return run


def _file_paths(model: type[models.Model], pks: list) -> list[str]:
    paths = []
    for file_set in encrypted_file_sets():
        if file_set.model is model:
            paths += [p for p in model.objects.filter(pk__in=pks).values_list(file_set.path_field, flat=True) if p]
    return paths


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        try:
            delete_encrypted(path)
        except OSError:  # the row is gone; an unremovable file is logged for the operator, not retried forever
            logger.exception("retention: could not remove the stored file %s", path)


def _apply(target: RetentionTarget, action: str, pks: list) -> int:
    model = target.model
    if action == Action.DELETE:
        paths = _file_paths(model, pks)
        if target.delete is not None:
            done = target.delete(pks)
        else:
            done = model.objects.filter(pk__in=pks).delete()[1].get(model._meta.label, 0)
        if paths:
            transaction.on_commit(lambda: _delete_files(paths))
        return done
    if target.anonymise is not None:
        return target.anonymise(pks)
    return model.objects.filter(pk__in=pks).update(**target.anonymise_fields)


def _run_target(run: RetentionRun, target: RetentionTarget, policy: RetentionPolicy, holds) -> None:
    action = effective_action(target, policy)
    due = due_queryset(target, policy, run.as_of)
    q = held_q(target, holds)
    pending = due.exclude(q) if q is not None else due
    held = due.filter(q).count() if q is not None else 0
    with transaction.atomic():
        locked = RetentionRun.objects.select_for_update().get(pk=run.pk)
        entry = locked.counts.setdefault(target.name, {"policy": policy.key, "action": action, "done": 0,
                                                       "batches": 0})
        entry.update(held=held, action=action)
        if action == Action.REVIEW:
            entry["due"] = pending.count()
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["counts", "heartbeat_at"])
        run.counts = locked.counts
    if action == Action.REVIEW:
        return
    previous: list | None = None
    while pks := target.next_batch(pending):
        if pks == previous:
            raise RetentionStuck(f"{target.name}: the last batch changed nothing, the same records are selected again")
        previous = pks
        with transaction.atomic():
            locked = RetentionRun.objects.select_for_update().get(pk=run.pk)
            # A hold set since the holds were read: legal_hold_set takes this run's lock before it writes, so
            # under the lock every hold committed so far is seen, and the batch is chosen again without its records.
            current = active_holds()
            if current != holds:
                holds, q = current, held_q(target, current)
                pending = due.exclude(q) if q is not None else due
                locked.counts[target.name]["held"] = due.filter(q).count() if q is not None else 0
                locked.save(update_fields=["counts"])
                run.counts, previous = locked.counts, None
                continue
            done = _apply(target, action, pks)
            entry = locked.counts[target.name]
            entry["done"] += done
            entry["batches"] += 1
            locked.heartbeat_at = timezone.now()
            locked.save(update_fields=["counts", "heartbeat_at"])
            audit_record(action=RetentionAction.BATCH_APPLIED, actor=None, target=locked,
                         changes={"target": target.name, "policy": policy.key, "action": action, "records": done})
            run.counts = locked.counts


def retention_run_execute(*, run_id: int) -> RetentionRun:
    """Apply every target's policy for a started run; an exception marks the run interrupted and is raised."""
    run = RetentionRun.objects.get(pk=run_id)
    if run.status != RetentionRun.Status.RUNNING:
        return run
    policies = RetentionPolicy.objects.in_bulk(field_name="key")
    holds = active_holds()
    try:
        for target in targets():
            policy = policies.get(target.policy)
            if policy is not None:
                _run_target(run, target, policy, holds)
    except Exception as exc:
        with transaction.atomic():
            locked = RetentionRun.objects.select_for_update().get(pk=run.pk)
            locked.status, locked.error = RetentionRun.Status.FAILED, f"{type(exc).__name__}: {exc}"[:300]
            locked.save(update_fields=["status", "error"])
            audit_record(action=RetentionAction.RUN_FAILED, actor=None, target=locked,
                         changes={"error": locked.error})
        raise
    with transaction.atomic():
        locked = RetentionRun.objects.select_for_update().get(pk=run.pk)
        locked.status, locked.finished_at = RetentionRun.Status.DONE, timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        audit_record(action=RetentionAction.RUN_COMPLETED, actor=None, target=locked,
                     changes={"records": locked.total_done,
                              "targets": {name: entry.get("done", 0) for name, entry in locked.counts.items()}})
    return locked

