"""The register pages: list, detail, forms, review, coverage and bulk owner change."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from controls.audit_actions import ControlAction
from controls.models import Control
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.controls.factories import ControlFactory, CustomerFactory, OverrideFactory, ServiceFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _make_controls(n: int, owner=None):
    Control.objects.bulk_create([
        Control(reference=f"BLK-CTL-{i:05d}", title=f"Measure {i}", description="Specific text.",
                scc_category="events_logging", owner=owner, status=Control.Status.IMPLEMENTED)
        for i in range(n)
    ])


# Absolute limits as well as equality across sizes: a query added to every request fails here. They count
# the test's session reads from the database (production reads sessions from Redis: one query fewer).
LIST_QUERIES = 9
DETAIL_QUERIES = 12  # with the open follow-up tasks other apps record on the control


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_runs_the_same_number_of_queries_for_10_and_1000_controls(signed_in):
    client, _ = signed_in(Role.DPO)
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    _make_controls(10, owner=owner)
    url = reverse("controls:list") + "?sort=owner"
    client.get(url)  # the first request after sign-in also writes the session
    small = _list_queries(client, url)
    Control.objects.all().delete()
    _make_controls(1000, owner=owner)
    large = _list_queries(client, url)
    assert small == large <= LIST_QUERIES, f"{large} queries"


def test_the_list_shows_50_controls_per_page(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    _make_controls(120)
    response = client.get(reverse("controls:list"), {"page": 3})
    assert len(response.context["page"].object_list) == 20
    assert "Page 3 of 3" in response.content.decode()


def test_the_list_filters_by_search_status_category_owner_and_overdue(signed_in):
    client, _ = signed_in(Role.DPO)
    officer = UserFactory(roles=[Role.SECURITY_OFFICER])
    today = timezone.localdate()
    tls = ControlFactory(reference="TOM-TRN-01", title="TLS 1.3 in transit", scc_category="protection_in_transmission",
                         owner=officer, next_review_due=today - timedelta(days=3))
    backup = ControlFactory(reference="TOM-BCK-01", title="Backups", scc_category="restore_availability",
                            status=Control.Status.PLANNED, next_review_due=today + timedelta(days=30))
    retired = ControlFactory(reference="TOM-OLD-01", title="Old", status=Control.Status.RETIRED,
                             next_review_due=today - timedelta(days=400))

    def refs(**params):
        response = client.get(reverse("controls:list"), params)
        return [c.reference for c in response.context["page"].object_list]

    assert refs(q="tls 1.3") == [tls.reference]
    assert refs(status="planned") == [backup.reference]
    assert refs(category="restore_availability") == [backup.reference]
    assert refs(owner=officer.pk) == [tls.reference]
    assert refs(overdue="on") == [tls.reference]
    assert retired.reference in refs()


def test_the_list_filters_by_customer_after_overrides(signed_in):
    client, _ = signed_in(Role.DPO)
    hosting = ServiceFactory(slug="hosting")
    everywhere = ControlFactory(reference="TOM-ALL-01")
    hosting_only = ControlFactory(reference="TOM-HST-01", applies_to_all_services=False)
    hosting_only.services.add(hosting)
    support_only = ControlFactory(reference="TOM-SUP-09", applies_to_all_services=False)
    customer = CustomerFactory()
    customer.services.add(hosting)
    OverrideFactory(customer=customer, control=everywhere, mode="exclude")
    response = client.get(reverse("controls:list"), {"customer": customer.pk})
    assert [c.reference for c in response.context["page"].object_list] == [hosting_only.reference]
    OverrideFactory(customer=customer, control=support_only, mode="include")
    response = client.get(reverse("controls:list"), {"customer": customer.pk})
    assert [c.reference for c in response.context["page"].object_list] == ["TOM-HST-01", "TOM-SUP-09"]


def test_the_list_sorts_by_a_column_and_reverses(signed_in):
    client, _ = signed_in(Role.DPO)
    ControlFactory(reference="TOM-A-01", title="Zulu")
    ControlFactory(reference="TOM-B-01", title="Alpha")
    response = client.get(reverse("controls:list"), {"sort": "title"})
    assert [c.title for c in response.context["page"].object_list] == ["Alpha", "Zulu"]
    response = client.get(reverse("controls:list"), {"sort": "-title"})
    assert [c.title for c in response.context["page"].object_list] == ["Zulu", "Alpha"]


def test_an_htmx_request_gets_only_the_table(signed_in):
    client, _ = signed_in(Role.DPO)
    ControlFactory()
    response = client.get(reverse("controls:list"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


def test_an_employee_may_not_see_the_register(signed_in):
    client, _ = signed_in(Role.EMPLOYEE)
    assert client.get(reverse("controls:list")).status_code == 403


def test_the_detail_shows_parameters_reviews_related_controls_and_history(signed_in):
    client, _ = signed_in(Role.DPO)
    control = ControlFactory(parameters={"key_store": "HSM", "tls_min_version": "1.3"})
    other = ControlFactory(reference="TOM-REL-01")
    control.related.add(other)
    client.post(reverse("controls:review", args=[control.pk]),
                {"outcome": "effective", "notes": "Checked the HSM audit log.",
                 "reviewed_on": timezone.localdate().isoformat()})
    body = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    assert "Key store" in body and "HSM" in body and "Minimum TLS version" in body
    assert "key_store" not in body and "tls_min_version" not in body
    assert "TOM-REL-01" in body
    assert "Checked the HSM audit log." in body
    assert "Control reviewed" in body


def test_a_missing_control_is_404(signed_in):
    client, _ = signed_in(Role.DPO)
    assert client.get(reverse("controls:detail", args=[999999])).status_code == 404
    assert client.get("/controls/99999999999999999999/").status_code == 404  # beyond any stored id


def test_the_control_page_selector_hides_every_control_from_someone_without_the_register():
    from django.http import Http404

    from controls.selectors import control_detail

    control = ControlFactory()
    with pytest.raises(Http404):
        control_detail(UserFactory(roles=[Role.EMPLOYEE]), control.pk)
    assert control_detail(UserFactory(roles=[Role.AUDITOR]), control.pk).control == control


def test_the_control_page_shows_exactly_the_controls_the_register_rule_lets_each_role_see():
    """The page's prepared read checks sees_controls; the register's rule is controls_visible_to: they agree."""
    from django.http import Http404

    from controls.selectors import control_detail, controls_visible_to

    control = ControlFactory()
    for role in Role:
        user = UserFactory(roles=[role])
        visible = controls_visible_to(user).filter(pk=control.pk).exists()
        try:
            shown = control_detail(user, control.pk).control == control
        except Http404:
            shown = False
        assert shown == visible, role


def _form_data(control=None, **overrides):
    data = {
        "reference": "TOM-NEW-01", "title": "Daily drift detection",
        "description": "Configuration drift against the CIS baseline is detected daily and reported.",
        "scc_category": "system_configuration", "art32_points": ["b"], "kind": "technical", "status": "planned",
        "parameters": "drift_check = daily\nbaseline = CIS", "review_cadence_months": "12", "next_review_due": "",
        "applies_to_all_services": "on", "tags": "configuration, Drift", "owner": "",
    }
    if control is not None:
        data.update(reference=control.reference, expected_version=str(control.version))
    data.update(overrides)
    return data


def test_the_dpo_creates_a_control_with_parameters_and_tags(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.post(reverse("controls:create"), _form_data())
    control = Control.objects.get(reference="TOM-NEW-01")
    assert response.status_code == 302 and response["Location"] == reverse("controls:detail", args=[control.pk])
    assert control.parameters == {"drift_check": "daily", "baseline": "CIS"}
    assert control.tags == ["configuration", "drift"]
    assert AuditEvent.objects.filter(action="control.created", target_id=str(control.pk)).count() == 1


def test_a_bad_parameter_line_is_explained_and_the_form_keeps_its_input(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.post(reverse("controls:create"), _form_data(parameters="cipher AES-256-GCM"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Line 1: write each parameter as name = value." in body
    assert "Daily drift detection" in body
    assert not Control.objects.exists()


def test_editing_a_control_saves_and_bumps_the_version(signed_in):
    client, _ = signed_in(Role.DPO)
    control = ControlFactory()
    response = client.post(reverse("controls:edit", args=[control.pk]), _form_data(control, title="Renamed"))
    assert response.status_code == 302
    control.refresh_from_db()
    assert control.title == "Renamed" and control.version == 2


def test_a_stale_edit_is_refused_with_a_clear_message_and_keeps_the_input(signed_in):
    client, _ = signed_in(Role.DPO)
    control = ControlFactory(title="Original")
    stale = _form_data(control, title="My late change")
    Control.objects.filter(pk=control.pk).update(title="Someone else's change", version=2)
    response = client.post(reverse("controls:edit", args=[control.pk]), stale)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this control after you opened it" in body
    assert "My late change" in body
    control.refresh_from_db()
    assert control.title == "Someone else's change"
    assert not AuditEvent.objects.filter(action="control.updated").exists()


def test_a_security_officer_edits_their_own_control_without_owner_or_reference_fields(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    response = client.get(reverse("controls:edit", args=[control.pk]))
    assert "owner" not in response.context["form"].fields
    data = _form_data(control, title="Mine, clarified")
    del data["reference"], data["owner"]
    assert client.post(reverse("controls:edit", args=[control.pk]), data).status_code == 302
    control.refresh_from_db()
    assert control.title == "Mine, clarified" and control.owner == officer


def test_recording_a_review_changes_the_status(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer, status=Control.Status.VERIFIED)
    response = client.post(reverse("controls:review", args=[control.pk]), {
        "outcome": "ineffective", "notes": "EDR agent missing on 3 laptops.",
        "reviewed_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 302
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION
    assert AuditEvent.objects.filter(action="control.reviewed", target_id=str(control.pk)).count() == 1


def test_a_review_without_notes_is_refused(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    response = client.post(reverse("controls:review", args=[control.pk]),
                           {"outcome": "effective", "notes": "", "reviewed_on": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert not control.reviews.exists()


def test_the_bulk_owner_change_moves_the_selected_controls(signed_in):
    client, _ = signed_in(Role.DPO)
    new_owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    a, b, c = ControlFactory(), ControlFactory(), ControlFactory()
    response = client.post(reverse("controls:bulk_owner"), {"controls": [a.pk, b.pk], "owner": new_owner.pk})
    assert response.status_code == 302
    assert set(Control.objects.filter(owner=new_owner)) == {a, b}
    c.refresh_from_db()
    assert c.owner is None
    assert AuditEvent.objects.filter(action="control.owner_changed").count() == 2


def test_the_bulk_owner_change_refuses_get(signed_in):
    client, _ = signed_in(Role.DPO)
    assert client.get(reverse("controls:bulk_owner")).status_code == 405


def test_the_bulk_owner_change_without_a_selection_says_so(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.post(reverse("controls:bulk_owner"), {"owner": UserFactory(roles=[Role.DPO]).pk}, follow=True)
    assert "Select at least one control." in response.content.decode()


def test_the_coverage_view_counts_controls_per_category_and_status(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    ControlFactory(scc_category="events_logging", status=Control.Status.VERIFIED)
    ControlFactory(scc_category="events_logging", status=Control.Status.PLANNED)
    response = client.get(reverse("controls:coverage"))
    rows = {r.category.id: r for r in response.context["rows"]}
    assert len(rows) == 17
    assert rows["events_logging"].counts == {"verified": 1, "planned": 1}
    assert [s["width"] for s in rows["events_logging"].segments] == [50.0, 50.0]
    body = response.content.decode()
    assert "<svg" in body and "style=" not in body


def test_the_review_form_prefills_today_in_the_format_a_date_input_reads(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    body = client.get(reverse("controls:review", args=[control.pk])).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in body


def test_the_bulk_owner_picker_lists_active_owners_and_loads_only_when_opened(signed_in):
    client, _dpo = signed_in(Role.DPO)
    officer = UserFactory(roles=[Role.SECURITY_OFFICER], full_name="Olga Owner")
    UserFactory(roles=[Role.SECURITY_OFFICER], full_name="Gone Owner", is_active=False)
    UserFactory(roles=[Role.EMPLOYEE], full_name="Eve Employee")
    ControlFactory(owner=officer)

    page = client.get(reverse("controls:list")).content.decode()
    # Listed twice (her control's row and the owner filter); the bulk picker is fetched when opened.
    assert page.count("Olga Owner") == 2 and reverse("controls:bulk_owner_form") in page

    picker = client.get(reverse("controls:bulk_owner_form"), HTTP_HX_REQUEST="true").content.decode()
    assert f'<option value="{officer.pk}">Olga Owner</option>' in picker
    assert "Gone Owner" not in picker and "Eve Employee" not in picker


def test_the_register_escapes_what_people_typed(signed_in):
    client, _dpo = signed_in(Role.DPO)
    owner = UserFactory(roles=[Role.SECURITY_OFFICER], full_name="<img src=x onerror=alert(1)>")
    ControlFactory(title='<script>alert("t")</script>', owner=owner)

    html = client.get(reverse("controls:list")).content.decode()

    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_unicode_digits_are_text_not_a_crash():
    """'²'.isdigit() is True but int('²') fails: parameters and filters must not turn it into a 500."""
    from controls.forms import parse_parameters

    assert parse_parameters("rounds = ²") == {"rounds": "²"}
    assert parse_parameters("rounds = 12") == {"rounds": 12}


def test_the_owner_filter_lists_the_active_people_who_own_a_control(signed_in):
    client, _dpo = signed_in(Role.DPO)
    owner = UserFactory(roles=[Role.SECURITY_OFFICER], full_name="Olga Owner")
    ControlFactory(owner=owner)
    ControlFactory(owner=owner)
    UserFactory(roles=[Role.SECURITY_OFFICER], full_name="Idle Officer")
    ControlFactory(owner=UserFactory(roles=[Role.SECURITY_OFFICER], full_name="Gone Owner", is_active=False))

    form = client.get(reverse("controls:list")).context["form"]

    assert [label for value, label in form.fields["owner"].widget.choices] == ["Any owner", "Olga Owner"]


def test_the_detail_runs_the_same_number_of_queries_for_1_and_20_reviews_evidence_items_and_related(signed_in):
    from controls.models import Review
    from portal.audit.services import audit_record
    from tests.controls.factories import EvidenceFactory

    client, dpo = signed_in(Role.DPO)
    control = ControlFactory(owner=UserFactory(roles=[Role.SECURITY_OFFICER], full_name="Olga Owner"))
    url = reverse("controls:detail", args=[control.pk])

    def grow(n: int) -> None:
        for _ in range(n):
            person = UserFactory(full_name=f"Person {Review.objects.count()}")
            control.related.add(ControlFactory())
            Review.objects.create(control=control, reviewer=person, outcome="effective", notes="Fine.",
                                  reviewed_on=timezone.localdate(), next_review_due=timezone.localdate())
            EvidenceFactory(control=control, uploaded_by=person)
            EvidenceFactory(control=control, uploaded_by=person, removed_at=timezone.now(), removed_by=dpo,
                            removal_reason="Superseded")
            audit_record(action=ControlAction.CONTROL_UPDATED, actor=person, target=control,
                         changes={"title": {"before": "Old", "after": f"Title by {person.full_name}"}})

    grow(1)
    client.get(url)  # the first request after sign-in also writes the session
    small = _list_queries(client, url)
    grow(19)
    large = _list_queries(client, url)
    body = client.get(url).content.decode()
    assert small == large <= DETAIL_QUERIES, f"{large} queries"
    assert "Olga Owner" in body and "Person 19" in body and f"by {dpo.full_name or dpo.email}" in body
    assert "Title by Person 19" in body


def test_the_detail_names_the_services_a_control_applies_to(signed_in):
    client, _ = signed_in(Role.DPO)
    scoped = ControlFactory(applies_to_all_services=False)
    scoped.services.add(ServiceFactory(name="Hosting"), ServiceFactory(name="Support desk"))
    everywhere = ControlFactory(applies_to_all_services=True)
    nowhere = ControlFactory(applies_to_all_services=False)

    def applies_to(control) -> str:
        body = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
        return body.split("<dt>Applies to</dt><dd>")[1].split("</dd>")[0]

    assert applies_to(scoped) == "Hosting, Support desk"
    assert applies_to(everywhere) == "every service" and applies_to(nowhere) == "no service"


def test_the_local_edit_check_of_a_catalogue_control_reads_nothing_the_page_has_not_read(signed_in):
    client, _ = signed_in(Role.DPO)
    hosting = ServiceFactory(slug="hosting")
    loaded = ControlFactory(applies_to_all_services=False)
    loaded.services.set([hosting])
    loaded.related.add(ControlFactory())
    own = ControlFactory(applies_to_all_services=False, catalogue_hash="")
    own.services.set([hosting])
    own.related.add(ControlFactory())
    client.get(reverse("controls:detail", args=[own.pk]))  # the first request after sign-in also writes the session
    catalogue_queries = _list_queries(client, reverse("controls:detail", args=[loaded.pk]))
    assert catalogue_queries == _list_queries(client, reverse("controls:detail", args=[own.pk]))
    body = client.get(reverse("controls:detail", args=[loaded.pk])).content.decode()
    assert "Edited locally" in body  # a service and a related control added since the catalogue load
