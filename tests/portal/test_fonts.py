"""Every character the pages show exists in the fonts Annex bundles (static/fonts), so nothing renders as an
empty box on a machine without emoji or symbol fonts."""

from pathlib import Path

from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]


def _covered() -> set[int]:
    covered: set[int] = set()
    for font in (ROOT / "static" / "fonts").glob("DejaVuSans*.ttf"):
        covered |= set(TTFont(font).getBestCmap())
    return covered


def test_every_character_in_the_templates_is_in_the_bundled_fonts():
    covered = _covered()
    missing = {}
    for template in sorted((ROOT / "templates").rglob("*.html")):
        absent = sorted({c for c in template.read_text() if ord(c) > 127 and ord(c) not in covered})
        if absent:
            missing[str(template.relative_to(ROOT))] = [f"U+{ord(c):04X} {c}" for c in absent]
    assert not missing, f"characters the bundled fonts lack: {missing}"


def test_the_notifications_bell_draws_its_icon_without_a_font():
    base = (ROOT / "templates" / "base.html").read_text()
    bell = base[base.index('class="bell"'):]
    bell = bell[:bell.index("</a>")]
    assert "<svg" in bell and "<path" in bell
