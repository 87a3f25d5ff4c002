"""Deterministic benchmark data, written with bulk inserts (COPY on PostgreSQL).

Counts per scale are in SCALES; `--scale small` is a tenth of the default. Each generator is
idempotent in the sense that it refuses to run twice on the same database (bench/make_dataset.py checks).
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

SCALES = {
    "default": {"users": 50_000, "controls": 5_000, "customers": 50, "reminder_items": 250_000,
                "audit_events": 1_000_000, "notifications": 250_000, "incidents": 2_000, "obligations": 5_000},
    "small": {"users": 5_000, "controls": 500, "customers": 5, "reminder_items": 25_000,
              "audit_events": 100_000, "notifications": 25_000, "incidents": 200, "obligations": 500},
    "tiny": {"users": 200, "controls": 60, "customers": 3, "reminder_items": 500, "audit_events": 2_000,
             "notifications": 1_000, "incidents": 20, "obligations": 50},
}


@dataclass
class Context:
    scale: dict
    rng: random.Random
    log: Callable[[str], None]
    owner_ids: list[int] | None = None


def _copy_rows(table: str, columns: list[str], rows: Iterator[tuple], batch: int = 20_000) -> int:
    """COPY rows into a table on PostgreSQL; executemany on SQLite. Returns the count."""
    count = 0
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", chunk)
            count += len(chunk)
    return count


def make_users(ctx: Context) -> None:
    from django.contrib.auth.hashers import make_password

    from portal.accounts.models import User

    unusable = make_password(None)
    start = User.objects.count()
    n = ctx.scale["users"]
    departments = ["Operations", "Engineering", "Support", "Sales", "Finance", "Security", "Legal"]
    now = datetime.now(UTC)

    def rows():
        for i in range(n):
            yield (unusable, None, False, f"bench{i:06d}@bench.annex.test", f"Bench User {i:06d}",
                   departments[i % len(departments)], None, f"B{i:06d}", None, True, False, now,
                   ("de", "en", "")[i % 3], "")

    with transaction.atomic():
        _copy_rows(
            "accounts_user",
            ["password", "last_login", "is_superuser", "email", "full_name", "department", "manager_id",
             "employee_id", "hire_date", "is_active", "is_staff", "date_joined", "language", "time_zone"],
            rows(),
        )
    ctx.log(f"users: {User.objects.count() - start} created")


def make_audit_events(ctx: Context) -> None:
    """A valid keyed chain of N events continuing from the current chain head (as audit_record links them)."""
    from portal.audit.keys import keyed_link, link_key, writing_key_id
    from portal.audit.models import AuditAction, AuditChainHead, AuditEvent, canonical_bytes
    from portal.audit.services import audit_record

    n = ctx.scale["audit_events"]
    actions = ["auth.login", "control.updated", "export.downloaded", "mfa.verified", "control.reviewed"]
    key_id = writing_key_id()
    key = link_key(key_id, create=True)
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        if head.keyed_from_seq is None and head.last_seq == 0:
            # An empty trail is keyed from its first event, as audit_record keys it. Not through an event written
            # now: retention seals only the oldest unbroken run of events, and a recent first one would stop it.
            head.keyed_from_seq = 1
            head.save(update_fields=["keyed_from_seq"])
        elif head.keyed_from_seq is None:  # an older trail: let the service re-anchor it first
            audit_record(action=AuditAction.DEMO_SEEDED, target_label="bench dataset")
            head.refresh_from_db()
        seq, prev = head.last_seq, head.last_hash
        base = datetime.now(UTC) - timedelta(days=365)
        state = {"seq": seq, "prev": prev}

        def rows():
            for i in range(n):
                state["seq"] += 1
                created = base + timedelta(seconds=i * 30)
                event = {
                    "seq": state["seq"], "created_at": created, "actor_id": None,
                    "actor_label": f"bench{i % 5000:06d}@bench.annex.test", "action": actions[i % len(actions)],
                    "target_type": "bench.item", "target_id": str(i), "target_label": f"Item {i}",
                    "changes": {}, "ip": "192.0.2.10", "user_agent": "bench", "request_id": f"bench{i:010d}",
                }
                digest = keyed_link(key, state["prev"], canonical_bytes(**event))
                yield (event["seq"], created, None, event["actor_label"], event["action"], event["target_type"],
                       event["target_id"], event["target_label"], "{}", event["ip"], event["user_agent"],
                       event["request_id"], state["prev"], digest, key_id)
                state["prev"] = digest

        _copy_rows(
            AuditEvent._meta.db_table,
            ["seq", "created_at", "actor_id", "actor_label", "action", "target_type", "target_id", "target_label",
             "changes", "ip", "user_agent", "request_id", "prev_hash", "hash", "mac_key_id"],
            rows(),
        )
        head.last_seq, head.last_hash = state["seq"], state["prev"]
        head.save(update_fields=["last_seq", "last_hash"])
    ctx.log(f"audit events: {n} appended (chain head #{state['seq']})")


def make_notifications(ctx: Context, *, count: int, old_share: float = 0.5, old_days: int = 400) -> int:
    """`count` in-app notices to the bench users: the first `old_share` of them `old_days` old, the rest new."""
    from portal.accounts.models import User
    from portal.notifications.models import Notification

    recipients = list(User.objects.filter(email__endswith="@bench.annex.test").values_list("pk", flat=True)[:5000])
    now = datetime.now(UTC)
    old = int(count * old_share)

    def rows():
        for i in range(count):
            created = now - timedelta(days=old_days if i < old else 1, seconds=i)
            yield (f"bench-notice-{i:08d}", recipients[i % len(recipients)], "in_app", "bench.retention", "", "",
                   f"Bench notice {i}", "", "", False, False, "sent", 0, "", created)

    with transaction.atomic():
        _copy_rows(Notification._meta.db_table,
                   ["key", "recipient_id", "channel", "reason", "subject_type", "subject_id", "title", "body", "link",
                    "critical", "escalation", "status", "attempts", "last_error", "created_at"], rows())
    ctx.log(f"notifications: {count} added, {old} of them {old_days} days old")
    return count


BENCH_SERVICES = 10  # controls are spread over these, so each bench customer has controls/10 applicable
OWNERS = 200


def make_roles(ctx: Context) -> None:
    """A DPO and OWNERS security officers among the bench users (they own the controls)."""
    from django.contrib.auth.models import Group

    from portal.accounts.models import User
    from portal.accounts.roles import Role, roles_sync

    roles_sync()
    officer = Group.objects.get(name=Role.SECURITY_OFFICER)
    ids = list(User.objects.filter(email__endswith="@bench.annex.test").order_by("pk").values_list("pk", flat=True)
               [:OWNERS])
    User.groups.through.objects.bulk_create([User.groups.through(user_id=pk, group_id=officer.pk) for pk in ids],
                                            ignore_conflicts=True)
    ctx.owner_ids = ids
    ctx.log(f"roles: {len(ids)} security officers")


def make_controls(ctx: Context, *, count: int | None = None, prefix: str = "BENCH", due_in_days=None) -> int:
    """Controls spread over categories, services, owners and review dates; returns how many were made."""
    from controls.catalogue_loader import MANAGED_FIELDS, fingerprint
    from controls.categories import category_ids
    from controls.models import Control, Evidence, Service

    count = ctx.scale["controls"] if count is None else count
    services = [Service.objects.get_or_create(slug=f"bench-svc-{i}", defaults={"name": f"Bench service {i}"})[0]
                for i in range(BENCH_SERVICES)]
    categories = category_ids()
    statuses = [Control.Status.IMPLEMENTED, Control.Status.VERIFIED, Control.Status.PLANNED,
                Control.Status.NEEDS_ATTENTION]
    owner_ids = getattr(ctx, "owner_ids", None) or [None]
    today = datetime.now(UTC).date()
    rng = ctx.rng
    made = 0
    batch = 5_000
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(start + batch, count)):
            due = today + timedelta(days=due_in_days if due_in_days is not None else rng.randint(-60, 300))
            rows.append(control := Control(
                reference=f"{prefix}-{i:06d}", title=f"Measure {i}: encrypted transport for service {i % 97}",
                description=("TLS 1.3 with AES-256-GCM on every external endpoint; certificates from the "
                             "internal CA rotate every 90 days; HSTS preloaded. ") * 2,
                scc_category=categories[i % len(categories)], art32_points=["a", "b"][: 1 + i % 2],
                kind=Control.Kind.TECHNICAL if i % 3 else Control.Kind.ORGANISATIONAL,
                owner_id=owner_ids[i % len(owner_ids)], status=statuses[i % len(statuses)],
                parameters={"tls_min_version": "1.3", "cipher": "AES-256-GCM"}, review_cadence_months=12,
                last_reviewed_on=due - timedelta(days=365), next_review_due=due, applies_to_all_services=False,
                tags=["bench"],
            ))
            # As the catalogue loader leaves a control it loaded (every real control is one): the fingerprint
            # of its managed fields, its service and no related controls, so its page checks for local edits.
            control.catalogue_hash = fingerprint({
                **{name: getattr(control, name) for name in MANAGED_FIELDS},
                "services": [services[i % BENCH_SERVICES].slug], "related": [],
            })
        created = Control.objects.bulk_create(rows, batch_size=1_000)
        through = Control.services.through
        through.objects.bulk_create(
            [through(control_id=c.pk, service_id=services[(start + j) % BENCH_SERVICES].pk)
             for j, c in enumerate(created)], batch_size=5_000)
        # Implemented and verified controls carry evidence in date, as the TOM annex requires of a measure it
        # states: the annex of a bench customer then states half its controls and lists the rest as planned.
        Evidence.objects.bulk_create(
            [Evidence(control_id=c.pk, kind=Evidence.Kind.NOTE, title=f"Configuration review {c.reference}",
                      text="TLS scan of every external endpoint: TLS 1.3 only, HSTS preloaded.",
                      valid_from=today - timedelta(days=30), valid_until=today + timedelta(days=400))
             for c in created if c.status in (Control.Status.IMPLEMENTED, Control.Status.VERIFIED)],
            batch_size=5_000)
        made += len(created)
    return made


def make_control_register(ctx: Context) -> None:
    ctx.log(f"controls: {make_controls(ctx)} created over {BENCH_SERVICES} services")


def make_customers(ctx: Context) -> None:
    from controls.models import Customer, Service

    services = list(Service.objects.filter(slug__startswith="bench-svc-").order_by("slug"))
    for i in range(ctx.scale["customers"]):
        customer, _ = Customer.objects.get_or_create(
            slug=f"bench-customer-{i:03d}",
            defaults={"name": f"Bench Customer {i:03d} GmbH", "contract_reference": f"DPA-B-{i:04d}",
                      "notice_contact_name": "Privacy Office", "notice_contact_email": f"privacy{i}@customer.test",
                      "breach_notice_hours": 24},
        )
        customer.services.set([services[i % len(services)]])
    ctx.log(f"customers: {ctx.scale['customers']} (each with {ctx.scale['controls'] // BENCH_SERVICES} controls)")


TRAINING_COURSES = 5


def make_training(ctx: Context) -> None:
    """Five published courses for everyone, the sweep's assignments for every bench user, 60 % completed."""
    from django.utils import timezone

    from training.models import OPEN_STATUSES, Assignment, AudienceRule, Course
    from training.sweep import assignments_sweep

    for i in range(TRAINING_COURSES):
        course, _ = Course.objects.get_or_create(title=f"Bench course {i + 1}", defaults={"is_published": True})
        AudienceRule.objects.get_or_create(course=course, kind=AudienceRule.Kind.EVERYONE)
    created = assignments_sweep(today=timezone.localdate() - timedelta(days=60)).created
    done = timezone.now() - timedelta(days=30)
    open_ids = Assignment.objects.filter(status__in=OPEN_STATUSES).order_by("pk").values_list("pk", flat=True)
    completed = [pk for pk in open_ids if ctx.rng.random() < 0.6]
    for start in range(0, len(completed), 20_000):
        Assignment.objects.filter(pk__in=completed[start:start + 20_000]).update(
            status=Assignment.Status.COMPLETED, completed_at=done, score_percent=100)
    ctx.log(f"training: {TRAINING_COURSES} courses, {created} assignments, {len(completed)} completed")


ON_CALL = 20  # incident responders: each case is assigned to two of them


def make_incidents(ctx: Context) -> None:
    """Cases, a quarter of them open, with their obligations: open ones with running clocks at every stage
    (some at 50-90 % of their time, some overdue), the closed ones filed. Two responders per case."""
    from django.contrib.auth.models import Group, Permission

    from controls.models import Customer
    from incidents.models import Incident, IncidentUserObjectPermission, Obligation, ObligationTemplate, Phase
    from incidents.obligation_templates import templates_sync
    from incidents.services_obligations import next_deadline_refresh
    from portal.accounts.models import User
    from portal.accounts.roles import Role

    templates_sync()
    template = ObligationTemplate.objects.get(code="customer-notice")
    customers = list(Customer.objects.filter(slug__startswith="bench-customer-").order_by("slug"))
    responders = list(User.objects.filter(email__endswith="@bench.annex.test").order_by("-pk")
                      .values_list("pk", flat=True)[:ON_CALL])
    group = Group.objects.get(name=Role.INCIDENT_RESPONDER)
    User.groups.through.objects.bulk_create([User.groups.through(user_id=pk, group_id=group.pk) for pk in responders],
                                            ignore_conflicts=True)
    now = datetime.now(UTC)
    count, per_case = ctx.scale["incidents"], ctx.scale["obligations"] / ctx.scale["incidents"]
    cases = []
    for i in range(count):
        is_open = i % 4 == 0
        ago = timedelta(hours=ctx.rng.uniform(1, 30)) if is_open else timedelta(days=ctx.rng.uniform(5, 700))
        aware = now - ago
        assigned = [responders[i % len(responders)], responders[(i + 7) % len(responders)]]
        cases.append(Incident(
            reference=f"INC-2025-{i + 1:05d}", title=f"Bench incident {i + 1}", detected_at=aware, aware_at=aware,
            phase=Phase.TRIAGE if is_open else Phase.CLOSED, closed_at=None if is_open else aware + timedelta(days=3),
            severity=ctx.rng.choice(["low", "medium", "high", "critical"]), assignee_ids=sorted(set(assigned)),
            breach_types=["confidentiality"], approx_subjects=ctx.rng.randint(1, 5000),
        ))
    Incident.objects.bulk_create(cases, batch_size=500)
    cases = list(Incident.objects.filter(reference__startswith="INC-2025-").order_by("pk"))
    view = Permission.objects.get(content_type__app_label="incidents", codename="view_incident")
    IncidentUserObjectPermission.objects.bulk_create([
        IncidentUserObjectPermission(content_object=case, user_id=pk, permission=view)
        for case in cases for pk in case.assignee_ids], batch_size=2000)
    Incident.assignees.through.objects.bulk_create([
        Incident.assignees.through(incident_id=case.pk, user_id=pk) for case in cases for pk in case.assignee_ids],
        batch_size=2000)
    obligations, made = [], 0
    for n, case in enumerate(cases):
        wanted = int((n + 1) * per_case) - made
        for k in range(wanted):
            customer = customers[(n + k) % len(customers)]
            is_open = case.phase == Phase.TRIAGE
            deadline = case.aware_at + timedelta(hours=customer.breach_notice_hours)
            obligations.append(Obligation(
                incident=case, template=template, customer=customer, key=f"customer-notice:{customer.pk}:{k}",
                regime=template.regime, recipient=template.recipient, title=template.title,
                recipient_label=customer.name, legal_reference=template.legal_reference,
                checklist=template.checklist, clock_start_kind=template.clock_start, hours=customer.breach_notice_hours,
                clock_start=case.aware_at, deadline_at=deadline,
                status=Obligation.Status.OPEN if is_open else Obligation.Status.FILED,
                filed_at=None if is_open else case.aware_at + timedelta(hours=6),
                deadline_at_filing=None if is_open else deadline, filed_late=None if is_open else False,
            ))
        made += wanted
    Obligation.objects.bulk_create(obligations, batch_size=2000)
    next_deadline_refresh([case.pk for case in cases])  # as the obligation services keep it
    ctx.log(f"incidents: {len(cases)} cases ({len(cases) // 4} open), {len(obligations)} obligations, "
            f"{len(responders)} responders on call")


# Domain generators run in this order. The reminder-sweep items are added by the benchmark itself
# (bench/scenarios.py), after the page measurements, so pages are measured at the register's size.
def make_programme(ctx: Context) -> None:
    from bench.dataset_programme import make_programme as programme

    programme(ctx)


GENERATORS: list[Callable[[Context], None]] = [
    make_users, make_roles, make_control_register, make_customers, make_incidents, make_audit_events,
    make_training, make_programme,
]


def generate(scale_name: str, *, log: Callable[[str], None] = print, seed: int = 20261127,
             skip: set[str] = frozenset()) -> None:
    ctx = Context(scale=SCALES[scale_name], rng=random.Random(seed), log=log)
    for generator in GENERATORS:
        if generator.__name__ in skip:
            log(f"{generator.__name__}: skipped")
            continue
        started = datetime.now(UTC)
        generator(ctx)
        log(f"  ({(datetime.now(UTC) - started).total_seconds():.1f} s)")
    if connection.vendor == "postgresql":
        # A bulk load leaves the planner without statistics, and index-only scans without a visibility map,
        # until autovacuum gets round to the tables; a database that grew in use has both.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log("planner statistics and visibility map: VACUUM ANALYZE done")



