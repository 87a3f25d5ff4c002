from datetime import UTC, date, datetime

from icalendar import Calendar

from portal.notifications.ical import calendar

STAMP = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _feed(**event) -> str:
    return calendar(name="Due dates", domain="annex.test", stamp=STAMP,
                    events=[{"uid": "controls.review_due-7", "date": date(2026, 3, 20), "summary": "Review due",
                             **event}])


def test_a_calendar_holds_one_all_day_event_per_due_date():
    text = _feed(url="https://annex.test/controls/7/")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "UID:controls.review_due-7@annex.test" in lines
    assert "DTSTAMP:20260301T080000Z" in lines
    assert "DTSTART;VALUE=DATE:20260320" in lines and "DTEND;VALUE=DATE:20260321" in lines
    assert "URL:https://annex.test/controls/7/" in lines
    assert "VERSION:2.0" in lines and "X-WR-CALNAME:Due dates" in lines


def test_text_is_escaped_and_long_lines_are_folded_and_both_read_back_unchanged():
    summary = "Review due: BK-01; backups, restore\\test " + "ü" * 100
    text = _feed(summary=summary, description="line 1\nline 2")
    assert "SUMMARY:Review due: BK-01\\; backups\\, restore\\\\test" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    event = Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == summary and str(event["DESCRIPTION"]) == "line 1\nline 2"
    assert event.decoded("DTSTART") == date(2026, 3, 20)
