"""The two starter courses every processor's staff need: data protection principles, and recognising and
reporting a breach. `starter_courses_load()` creates them once (by title) and leaves edited copies alone."""

from django.db import transaction

from training.models import AudienceRule, Choice, Course, CoursePage, Question

DATA_PROTECTION = {
    "title": "Data protection principles",
    "description": "What the GDPR asks of everyone who handles our customers' personal data, as a processor.",
    "estimated_minutes": 25,
    "validity_months": 12,
    "pass_mark_percent": 80,
    "pool_size": 0,
    "pages": [
        ("We are a processor", """
Our customers (the **controllers**) decide why and how personal data is processed. We process it
**only on their documented instructions**, as set out in each customer's data processing agreement
(GDPR Art. 28(3)(a)).

What this means for you:

- Use customer data only for the service the customer bought, never for our own purposes.
- If an instruction seems to break data protection law, tell the DPO: we must inform the customer (Art. 28(3)).
- Everyone with access to customer data is bound to confidentiality (Art. 28(3)(b) and Art. 29).
"""),
        ("The principles", """
Article 5 GDPR lists the principles every processing must respect:

| principle | in practice |
|---|---|
| lawfulness, fairness, transparency | we follow the controller's instructions; no hidden processing |
| purpose limitation | data collected for support is not reused for marketing |
| data minimisation | export only the fields a task needs; mask the rest |
| accuracy | correct data when the customer asks us to |
| storage limitation | delete when the contract or the retention period ends |
| integrity and confidentiality | encryption, access control, MFA, locked screens |
| accountability | we can prove all of the above: that is what Annex is for |
"""),
        ("Everyday rules", """
- **Need to know**: request access only to the systems your work needs; give it back when you change role.
- **No copies**: never copy customer data to personal devices, private cloud storage or chat tools.
- **Sub-processors**: only the sub-processors the customers were told about may receive their data
  (Art. 28(2) and (4)). Ask the DPO before trying a new tool with real data.
- **Requests from data subjects**: forward them to the customer the same day; we do not answer them ourselves.
- **Lock** your screen when you leave it; report a lost laptop or phone at once.
"""),
    ],
    "questions": [
        ("single", "Who decides why customer personal data is processed?",
         ["*The customer, as the controller", "We do, as the processor", "The sub-processor"],
         "As a processor we act only on the controller's documented instructions (Art. 28(3)(a))."),
        ("multiple", "Which of these are GDPR principles (Art. 5)?",
         ["*Data minimisation", "*Storage limitation", "Maximum retention", "*Accountability"],
         "Art. 5 lists lawfulness, purpose limitation, minimisation, accuracy, storage limitation, integrity and "
         "confidentiality, and accountability."),
        ("single", "A data subject emails you asking for a copy of their data held by our customer. What do you do?",
         ["Send the data yourself", "*Forward the request to the customer the same day", "Ignore it"],
         "The controller answers data subject requests; we help them, and we pass requests on without delay."),
        ("multiple", "Which actions keep customer data confidential?",
         ["*Locking your screen when you step away", "Copying data to a personal USB stick for home work",
          "*Asking only for the access your work needs", "Pasting customer records into a public chatbot"],
         "Need to know, no private copies and locked screens protect confidentiality (Art. 32)."),
        ("single", "You want to try a new online tool with real customer data. What first?",
         ["Try it, it is only a test", "*Ask the DPO: only notified sub-processors may receive customer data",
          "Ask a colleague"],
         "A new sub-processor needs the customers' prior information and the chance to object (Art. 28(2))."),
    ],
}

INCIDENT_RESPONSE = {
    "title": "Incident response: recognising and reporting a breach",
    "description": "How to recognise a personal data breach and report it in Annex at once, so our customers "
                   "can meet their 72-hour deadline.",
    "estimated_minutes": 20,
    "validity_months": 12,
    "pass_mark_percent": 80,
    "pool_size": 0,
    "pages": [
        ("What is a personal data breach?", """
A **personal data breach** is a breach of security leading to the accidental or unlawful destruction, loss,
alteration, unauthorised disclosure of, or access to, personal data (GDPR Art. 4(12)). Examples:

- an email with customer data sent to the wrong recipient;
- a lost or stolen laptop or phone;
- ransomware, or a server that is unreachable and whose backups fail (loss of availability counts too);
- an account used by someone who should not have it.

You do **not** need to be sure. A *suspected* breach must be reported.
"""),
        ("Why minutes matter", """
As a processor we must tell each affected customer **without undue delay** after becoming aware of a breach
(Art. 33(2)). Our customers then have **72 hours** to notify their supervisory authority (Art. 33(1)).
Every hour you wait is an hour our customers lose.

Do not investigate on your own, do not delete evidence, and do not contact the customer or the people
affected yourself: the incident response team does that, with the right information.
"""),
        ("How to report it in Annex", """
1. Sign in to Annex and choose **Report a breach** in the main menu (it is there for everyone).
2. Describe what happened in your own words: what you saw, when, which systems or customers may be affected.
   Partial information is fine; the team completes it.
3. Send the report. The incident response team and the DPO are alerted at once and the deadline clocks start.
   You see the case's reference; the case itself stays with the team.
4. Stay reachable and keep anything that may be evidence (emails, devices, screenshots) as it is.

If you cannot reach Annex (for example because it is the system affected), call the security officer directly.
"""),
    ],
    "questions": [
        ("single", "You notice an email with a customer's data went to the wrong address. Is it a breach?",
         ["*Yes: an unauthorised disclosure is a personal data breach", "No, because it was an accident",
          "Only if the recipient complains"],
         "Accidental disclosure is a breach (Art. 4(12)); report it."),
        ("single", "When do you report a suspected breach?",
         ["After you have confirmed it", "*Immediately, even if you are not sure", "At the end of the week"],
         "Our customers have 72 hours from awareness; a suspicion is enough to report."),
        ("multiple", "Which of these are personal data breaches?",
         ["*A stolen laptop with customer exports", "*Ransomware encrypting a customer database",
          "A colleague asking you for the wiki URL", "*Someone else using your account"],
         "Loss of confidentiality, integrity or availability of personal data is a breach."),
        ("single", "Where do you report it?",
         ["By telling the customer yourself", "*On Annex's “Report a breach” page",
          "In the company-wide chat channel"],
         "Annex's “Report a breach” page alerts the response team and starts the deadline clocks."),
        ("multiple", "After reporting, what should you do?",
         ["*Stay reachable for the response team", "Delete the wrong email to limit damage",
          "*Keep devices and messages as they are", "Contact the affected people yourself"],
         "Preserve evidence and let the team handle notices to customers and data subjects."),
    ],
}

STARTER_COURSES = (DATA_PROTECTION, INCIDENT_RESPONSE)


@transaction.atomic
def starter_courses_load() -> list[Course]:
    """Create the starter courses (published, for everyone) unless a course of the same title exists."""
    loaded = []
    for spec in STARTER_COURSES:
        if Course.objects.filter(title=spec["title"]).exists():
            continue
        course = Course.objects.create(
            is_published=True,
            **{key: spec[key] for key in ("title", "description", "estimated_minutes", "validity_months",
                                          "pass_mark_percent", "pool_size")})
        CoursePage.objects.bulk_create([CoursePage(course=course, position=i, title=title, body=body.strip())
                                        for i, (title, body) in enumerate(spec["pages"], start=1)])
        for position, (kind, text, answers, explanation) in enumerate(spec["questions"], start=1):
            question = Question.objects.create(course=course, position=position, kind=kind, text=text,
                                               explanation=explanation)
            Choice.objects.bulk_create([
                Choice(question=question, position=i, text=answer.lstrip("*"), is_correct=answer.startswith("*"))
                for i, answer in enumerate(answers, start=1)])
        AudienceRule.objects.create(course=course, kind=AudienceRule.Kind.EVERYONE)
        loaded.append(course)
    return loaded
