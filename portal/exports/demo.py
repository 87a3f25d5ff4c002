"""Demo data: version 1 of each versioned document (the TOM annex, ...) for the first demo customer whose annex may
be published now, and for the first such customer whose contract is in each other language (a German, a bilingual
annex), published by the demo DPO. Idempotent."""

from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User
from portal.exports.models import AnnexVersion
from portal.exports.registry import ALL_SUBJECTS
from portal.exports.rendering import document_languages
from portal.exports.selectors import versioned_kinds
from portal.exports.services import annex_publish


def seed(stdout=None) -> list[AnnexVersion]:
    publisher = User.objects.filter(email=f"dpo@{DEMO_DOMAIN}").first()
    if publisher is None:
        return []
    published = []
    for kind in versioned_kinds():
        customers = [key for key, _ in kind.subject_choices() if key != ALL_SUBJECTS]
        if not customers:
            if stdout:
                stdout.write(f"Exports: no customers yet, so no {kind.label} was published (run seed_demo again).")
            continue
        # Only customers whose annex may be published now (no measure waits for the DPO's decision).
        customers = [key for key in customers if not (kind.publish_blockers and kind.publish_blockers(key))]
        if not customers:
            continue
        chosen: dict[tuple[str, ...], str] = {}
        for subject in customers if kind.language_snapshot else []:
            chosen.setdefault(tuple(document_languages(kind.snapshot(subject))), subject)
        for subject in dict.fromkeys([customers[0], *chosen.values()]):
            if AnnexVersion.objects.filter(kind=kind.name, subject_key=subject).exists():
                continue
            if not kind.snapshot(subject).get("measure_count"):
                continue
            version = annex_publish(kind_name=kind.name, subject_key=subject, actor=publisher)
            published.append(version)
            if stdout:
                stdout.write(f"Exports: published {version}.")
    return published
