"""The due-date feed as an RFC 5545 calendar of all-day events, written by the icalendar library
(TEXT escaping, 75-octet line folding and CRLF line ends are its own)."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event


def calendar(*, name: str, events: Iterable[dict], stamp: datetime, domain: str) -> str:
    """events: dicts with uid, date, summary, and optional description and url."""
    feed = Calendar()
    feed.add("prodid", "-//Annex//Due dates//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", name)
    stamp = stamp.astimezone(UTC)
    for item in events:
        event = Event()
        event.add("uid", f"{item['uid']}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item["date"])
        event.add("dtend", item["date"] + timedelta(days=1))
        event.add("summary", item["summary"])
        if item.get("description"):
            event.add("description", item["description"])
        if item.get("url"):
            event.add("url", item["url"])
        event.add("transp", "TRANSPARENT")
        feed.add_component(event)
    return feed.to_ical().decode()
