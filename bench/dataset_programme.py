"""The rest of the programme, so every card of the home page has its data: sub-processors with an announced change
and objections, the retention register with a finished run, a published TOM annex for every customer, and 90
days of daily figures for the trend charts. Runs after the other generators (bench/dataset.py)."""

import hashlib
from datetime import timedelta

SUBPROCESSORS = 10
OBJECTING_SHARE = 10  # every tenth customer objects to the announced change


def _subprocessors(ctx, dpo) -> str:
    from django.utils import timezone

    from controls.models import Customer, Service
    from controls.models_subprocessors import ChangeNotice, SubProcessor, SubProcessorChange, SubProcessorTerms

    today = timezone.localdate()
    made = SubProcessor.objects.bulk_create([SubProcessor(
        slug=f"bench-sub-{i:02d}", legal_name=f"Bench Sub-processor {i:02d} GmbH", address="Hauptstraße 1, Berlin",
        contact_name="Privacy", contact_email=f"privacy{i}@sub.test", service_performed="Hosting of the services.",
        locations=[{"country": "DE", "region": "Frankfurt"}], measures="ISO 27001; encrypted at rest.",
        dpa_reference=f"SUB-DPA-{i:03d}", next_assessment_due=today + timedelta(days=30 * i - 60),
    ) for i in range(SUBPROCESSORS)])
    change = SubProcessorChange.objects.create(kind=SubProcessorChange.Kind.ADDITION, subprocessor=made[0],
                                               reason="Second data centre.", planned_from=today + timedelta(days=10),
                                               created_by=dpo)
    change.services.set(Service.objects.filter(slug__startswith="bench-svc-"))
    notices = []
    for n, customer in enumerate(Customer.objects.filter(slug__startswith="bench-customer-").order_by("pk")):
        objected = n % OBJECTING_SHARE == 0
        notices.append(ChangeNotice(
            change=change, customer=customer, authorisation=SubProcessorTerms.Authorisation.GENERAL, notice_days=30,
            takes_effect_on=today + timedelta(days=30 - n % 40), recipient_name="Privacy Office",
            recipient_email=f"privacy{n}@customer.test", sent_at=timezone.now(),
            token_sha256=hashlib.sha256(f"bench-notice-{n}".encode()).hexdigest(),
            response=ChangeNotice.Response.OBJECTED if objected else "",
            response_note="No new data centre." if objected else ""))
    ChangeNotice.objects.bulk_create(notices)
    return f"{len(made)} sub-processors, 1 change announced to {len(notices)} customers"


def _retention(ctx, dpo) -> str:
    from django.utils import timezone

    from portal.retention.demo import seed_register
    from portal.retention.models import RetentionPolicy, RetentionRun

    policies = seed_register(dpo)
    today = timezone.localdate()
    for n, pk in enumerate(RetentionPolicy.objects.order_by("pk").values_list("pk", flat=True)):
        RetentionPolicy.objects.filter(pk=pk).update(next_review_due=today + timedelta(days=n * 20 - 30))
    RetentionRun.objects.create(status=RetentionRun.Status.DONE, trigger=RetentionRun.Trigger.NIGHTLY,
                                started_at=timezone.now() - timedelta(days=1), finished_at=timezone.now(),
                                counts={"notifications": {"policy": "notifications", "done": 1200}})
    return f"{policies} retention policies, 1 run"


def _annexes(ctx, dpo) -> str:
    """Version 1 of every customer's annex, as publishing would store it (without rendering 50 PDFs)."""
    from controls.exports import TOM_ANNEX, tom_annex_snapshots
    from controls.models import Customer
    from portal.exports.models import AnnexVersion
    from portal.exports.rendering import content_sha256

    keys = list(Customer.objects.filter(slug__startswith="bench-customer-").order_by("slug")
                .values_list("slug", flat=True))
    versions = []
    for key, content in tom_annex_snapshots(keys).items():
        digest = content_sha256(content)
        versions.append(AnnexVersion(
            kind=TOM_ANNEX, subject_key=key, subject_label=content["subject_label"], number=1,
            title=content["title"], snapshot=content, content_sha256=digest,
            snapshot_sha256=hashlib.sha256(f"bench-{key}".encode()).hexdigest(), file_name=f"{key}.pdf",
            file_path=f"bench/{key}.pdf", file_sha256=hashlib.sha256(key.encode()).hexdigest(), file_size=1,
            published_by=dpo))
    AnnexVersion.objects.bulk_create(versions, batch_size=10)
    return f"{len(versions)} published annexes"


def _trends() -> str:
    import io

    from portal.core.demo import seed

    out = io.StringIO()
    seed(out)  # today's figures, and 89 earlier days leading up to them
    return "90 days of figures"


def make_programme(ctx) -> None:
    from django.contrib.auth.models import Group

    from portal.accounts.models import User
    from portal.accounts.roles import Role

    dpo, _ = User.objects.get_or_create(email="bench-programme-dpo@bench.annex.test",
                                        defaults={"full_name": "Bench Programme DPO"})
    dpo.groups.add(Group.objects.get(name=Role.DPO))
    parts = [_subprocessors(ctx, dpo), _retention(ctx, dpo), _annexes(ctx, dpo), _trends()]
    ctx.log("programme: " + "; ".join(parts))
