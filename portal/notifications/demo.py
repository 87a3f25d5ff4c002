"""Demo notices: a few in-app notifications so the bell has something to show. Idempotent (keyed notices)."""

from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User
from portal.notifications.models import Channel
from portal.notifications.services import notice_send

DEMO_NOTICES = [
    ("security", "Welcome to Annex: your reminders about control reviews appear here.", "welcome"),
    ("dpo", "Welcome to Annex: escalations of overdue reviews reach you here and by email.", "welcome"),
    ("employee", "Welcome to Annex: training assignments and their due dates appear here.", "welcome"),
    ("security", "Set up your calendar feed to see review due dates in your calendar app.", "calendar-tip"),
]


def seed(stdout=None) -> None:
    people = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")}
    created = 0
    for local, title, moment in DEMO_NOTICES:
        if local in people:
            created += notice_send(recipient=people[local], reason="demo.notice", title=title,
                                   moment=moment, link="/notifications/preferences/",
                                   channels=(Channel.IN_APP,))
    if stdout is not None:
        stdout.write(f"notifications: {created} demo notice(s) created")
