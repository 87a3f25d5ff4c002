from datetime import UTC, date, datetime

from portal.notifications.ical import calendar, escape_text, fold


def test_text_values_escape_backslashes_separators_and_newlines():
    assert escape_text("a\\b; c, d\ne") == "a\\\\b\\; c\\, d\\ne"


def test_short_lines_are_not_folded():
    assert fold("SUMMARY:short") == "SUMMARY:short"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "ü" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line


def test_a_calendar_holds_one_all_day_event_per_due_date():
    text = calendar(
        name="Due dates", domain="annex.test", stamp=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        events=[{"uid": "controls.review_due-7", "date": date(2026, 3, 20), "summary": "Review due: BK-01",
                 "url": "https://annex.test/controls/7/"}],
    )
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "UID:controls.review_due-7@annex.test" in lines
    assert "DTSTAMP:20260301T080000Z" in lines
    assert "DTSTART;VALUE=DATE:20260320" in lines and "DTEND;VALUE=DATE:20260321" in lines
    assert "URL:https://annex.test/controls/7/" in lines
