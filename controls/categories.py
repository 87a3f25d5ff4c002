"""The 17 measure categories of the standard contractual clauses (Annex II of 2021/914, Annex III of 2021/915).

Read once from the copy of the published list shipped in controls/catalogue/; controls store a category `id`.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.text import format_lazy

SCC_MEASURES_FILE = Path(__file__).resolve().parent / "catalogue" / "scc-annex-measures.json"


@dataclass(frozen=True)
class Category:
    n: int
    id: str
    wording: str
    mirrors_gdpr: str = ""

    @property
    def title(self) -> str:
        """The heading in the active language (the official wording of that language's version)."""
        from controls.scc_headings import heading

        return heading(self.id, self.wording)


@cache
def scc_categories() -> tuple[Category, ...]:
    data = json.loads(SCC_MEASURES_FILE.read_text(encoding="utf-8"))
    return tuple(
        Category(n=c["n"], id=c["id"], wording=c["wording"], mirrors_gdpr=c.get("mirrors_gdpr", ""))
        for c in sorted(data["categories"], key=lambda c: c["n"])
    )


def category_ids() -> list[str]:
    return [c.id for c in scc_categories()]


@cache
def _by_id() -> dict[str, Category]:
    return {c.id: c for c in scc_categories()}


def category_by_id(category_id: str) -> Category | None:
    return _by_id().get(category_id)


def category_choices() -> list[tuple[str, str]]:
    from controls.scc_headings import HEADINGS

    return [(c.id, format_lazy("{}. {}", c.n, HEADINGS.get(c.id, c.wording))) for c in scc_categories()]
