"""Notices about a case: recording what was sent (the first notice files its obligation), and sending the
email ones from Annex; an exercise's email goes to the person recording it, never to the real recipient."""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidents.audit_actions import IncidentAction
from incidents.models import Art34Exemption, Incident, NoticeRecord, Obligation, Recipient
from incidents.rules import _locked, _require_work, _system_entry
from incidents.services_obligations import _english, _file, _start_dependent_clocks
from incidents.timeline_text import label, sentence
from portal.audit.services import audit_record


@transaction.atomic
def notice_record(
    *,
    incident: Incident,
    actor,
    channel: str,
    content: str,
    obligation: Obligation | None = None,
    customer=None,
    recipient: str = "",
    recipient_label: str = "",
    stage: str = NoticeRecord.Stage.INITIAL,
    sent_at: datetime | None = None,
    attachments: Iterable[str] = (),
    delay_reasons: str = "",
    art34_exemption: str = "",
) -> NoticeRecord:
    """Record a notice; the first one for an obligation files it. Channel "email" sends it from Annex,
    except on an exercise, where it goes to the person recording it and never to the real recipient."""
    locked = _locked(incident)
    _require_work(actor, locked)
    now = timezone.now()
    sent_at = sent_at or now
    channel = NoticeRecord.Channel(channel)
    stage = NoticeRecord.Stage(stage)
    content = content.strip()
    errors = {}
    if not content:
        errors["content"] = _("Record what the notice said.")
    if sent_at > now:
        errors["sent_at"] = _("A notice cannot be recorded as sent in the future.")
    if obligation is not None:
        obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
        if obligation.incident_id != locked.pk:
            errors["obligation"] = _("That obligation belongs to another case.")
        elif obligation.status in (Obligation.Status.NOT_REQUIRED, Obligation.Status.WITHDRAWN):
            errors["obligation"] = _("That obligation is not open.")
        recipient, customer = obligation.recipient, obligation.customer
        recipient_label = obligation.recipient_label
    else:
        if customer is not None:
            recipient, recipient_label = Recipient.CUSTOMER, customer.name
        if recipient not in Recipient.values:
            errors["recipient"] = _("Choose who the notice went to.")
        if not recipient_label and recipient in Recipient.values:
            recipient_label = _english(Recipient(recipient).label)
    late = (obligation is not None and obligation.filed_at is None and obligation.deadline_at is not None
            and sent_at > obligation.deadline_at)
    if (late and obligation.recipient == Recipient.AUTHORITY and stage == NoticeRecord.Stage.INITIAL
            and not delay_reasons.strip()):
        errors["delay_reasons"] = _("This notification is later than 72 hours: give the reasons for the delay "
                                    "(Art. 33(1)).")
    exemption = Art34Exemption(art34_exemption)
    if exemption and recipient != Recipient.DATA_SUBJECTS:
        errors["art34_exemption"] = _("An Art. 34(3) exemption belongs to the communication to data subjects.")
    email_to = ""
    if channel == NoticeRecord.Channel.EMAIL:
        if locked.is_exercise:
            email_to = actor.email
        elif customer is not None:
            email_to = customer.notice_contact_email
        else:
            errors["channel"] = _("Annex can email only an affected customer's notice contact.")
    if errors:
        raise ValidationError(errors)
    notice = NoticeRecord.objects.create(
        incident=locked, obligation=obligation, recipient=recipient, customer=customer,
        recipient_label=recipient_label, sent_at=sent_at, sent_by=actor, channel=channel, stage=stage,
        content=content, attachments=[a.strip() for a in attachments if a.strip()],
        delay_reasons=delay_reasons.strip(), art34_exemption=exemption.value, delivered_to=email_to,
        is_exercise=locked.is_exercise,
    )
    if obligation is not None and obligation.filed_at is None:
        _file(obligation, actor, sent_at)
        _start_dependent_clocks(locked, obligation.template.code, sent_at)
    to = recipient_label if customer is not None else label(recipient_label)
    _system_entry(locked, [sentence(gettext_noop("%(stage)s recorded to %(to)s (%(channel)s)."),
                                    stage=label(stage.label), to=to, channel=label(channel.label))], actor)
    audit_record(action=IncidentAction.NOTICE_RECORDED, actor=actor, target=locked, changes={
        "recipient": recipient_label, "stage": stage.value, "channel": channel.value,
        "sent_at": sent_at.isoformat(), "obligation": obligation.pk if obligation else None,
        "filed_late": obligation.filed_late if obligation else None, "delivered_to": email_to or None,
        "exercise": locked.is_exercise})
    if email_to:
        transaction.on_commit(lambda: _send_notice_email(notice.pk))
    return notice


def _send_notice_email(notice_id: int) -> None:
    from incidents.tasks import notice_email_task

    notice_email_task.delay(notice_id)


def notice_email_send(*, notice_id: int) -> bool:
    """Send a recorded email notice to the address fixed when it was recorded; once per notice."""
    from django.core.mail import EmailMessage

    with transaction.atomic():
        notice = NoticeRecord.objects.select_for_update().select_related("incident").get(pk=notice_id)
        if not notice.delivered_to or notice.emailed_at is not None:
            return False
        # The subject in the customer's contract language (both, for a bilingual contract); the body is the
        # notice as the responder wrote it.
        subjects = []
        for language in notice.customer.languages if notice.customer_id else [settings.LANGUAGE_CODE]:
            with translation.override(language):
                subject = _("Personal data breach notice: %(ref)s") % {"ref": notice.incident.reference}
                subjects.append(_("[EXERCISE] ") + subject if notice.is_exercise else subject)
        subject = " / ".join(dict.fromkeys(subjects))
        EmailMessage(subject=subject, body=notice.content, to=[notice.delivered_to]).send()
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
    return True
