"""The sub-processor register, changes with their notice periods, objections and specific authorisation."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from controls import services_subprocessors as services
from controls.models_subprocessors import ChangeNotice, NoticeState, SubProcessor, SubProcessorTerms
from controls.selectors_subprocessors import customer_subprocessor_lists, customer_subprocessors, subprocessors_in_use
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.controls.factories import CustomerFactory, ServiceFactory
from tests.controls.factories_subprocessors import SubProcessorFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def _dpo():
    return UserFactory(roles=[Role.DPO])


def _register_fields(**overrides):
    fields = {
        "slug": "mailer", "legal_name": "Mailer Inc.", "address": "1 Market St, San Francisco, USA",
        "contact_name": "Privacy team", "contact_email": "privacy@mailer.example",
        "service_performed": "Delivers the portal's transactional emails.",
        "locations": [{"country": "US", "region": "us-east-1"}], "measures": "SOC 2 Type II; TLS 1.3 in transit.",
        "dpa_reference": "MAILER-DPA-2025",
    }
    fields.update(overrides)
    return fields


def test_a_sub_processor_leaving_the_eea_without_a_transfer_mechanism_is_refused():
    dpo = _dpo()
    with pytest.raises(ValidationError) as exc:
        services.subprocessor_create(actor=dpo, **_register_fields())
    assert "transfer_mechanism" in exc.value.error_dict
    assert "US" in str(exc.value.error_dict["transfer_mechanism"])
    assert not SubProcessor.objects.exists()
    assert not AuditEvent.objects.filter(action="subprocessor.created").exists()


def test_an_scc_transfer_needs_its_module_and_then_is_registered_with_one_audit_event():
    dpo = _dpo()
    with pytest.raises(ValidationError) as exc:
        services.subprocessor_create(actor=dpo, **_register_fields(transfer_mechanism="scc"))
    assert "scc_module" in exc.value.error_dict
    sp = services.subprocessor_create(actor=dpo, **_register_fields(transfer_mechanism="scc", scc_module="module_3"))
    assert sp.countries_outside_eea() == ["US"]
    assert AuditEvent.objects.filter(action="subprocessor.created", target_id=str(sp.pk)).count() == 1


def test_a_location_in_the_eea_needs_no_transfer_mechanism():
    sp = services.subprocessor_create(
        actor=_dpo(), **_register_fields(slug="host", locations=[{"country": "DE", "region": "Frankfurt"},
                                                                 {"country": "NO", "region": "Oslo"}]))
    assert sp.countries_outside_eea() == []


def test_an_edit_that_moves_processing_outside_the_eea_is_refused_and_changes_nothing():
    dpo = _dpo()
    sp = SubProcessorFactory()
    with pytest.raises(ValidationError):
        services.subprocessor_update(subprocessor=sp, actor=dpo, expected_version=sp.version,
                                     locations=[{"country": "IN", "region": "Mumbai"}])
    sp.refresh_from_db()
    assert sp.locations == [{"country": "DE", "region": "Frankfurt"}]
    assert sp.version == 1


def test_a_stale_edit_is_refused():
    dpo = _dpo()
    sp = SubProcessorFactory()
    services.subprocessor_update(subprocessor=sp, actor=dpo, expected_version=1, contact_name="New contact")
    with pytest.raises(services.StaleVersionError):
        services.subprocessor_update(subprocessor=sp, actor=dpo, expected_version=1, contact_name="Other")


def test_only_the_dpo_may_change_the_register():
    auditor = UserFactory(roles=[Role.AUDITOR])
    with pytest.raises(PermissionDenied):
        services.subprocessor_create(actor=auditor, **_register_fields(slug="x", locations=[{"country": "DE"}]))


def test_a_customers_sub_processor_list_follows_from_its_services():
    dpo = _dpo()
    hosting, support, analytics = ServiceFactory(slug="hosting"), ServiceFactory(slug="support"), ServiceFactory(
        slug="analytics")
    datacentre, helpdesk, warehouse = (SubProcessorFactory(legal_name=n) for n in ("DC GmbH", "Helpdesk AB",
                                                                                    "Warehouse SE"))
    services.subprocessor_record_existing_use(actor=dpo, subprocessor=datacentre, services=[hosting, analytics],
                                              reason="Listed in Annex IV of every DPA.")
    services.subprocessor_record_existing_use(actor=dpo, subprocessor=helpdesk, services=[support],
                                              reason="Listed in Annex IV of every DPA.")
    services.subprocessor_record_existing_use(actor=dpo, subprocessor=warehouse, services=[analytics],
                                              reason="Listed in Annex IV of every DPA.")
    only_hosting = CustomerFactory()
    only_hosting.services.set([hosting])
    support_and_analytics = CustomerFactory()
    support_and_analytics.services.set([support, analytics])
    assert [sp.legal_name for sp in subprocessors_in_use(only_hosting)] == ["DC GmbH"]
    assert [sp.legal_name for sp in subprocessors_in_use(support_and_analytics)] == [
        "DC GmbH", "Helpdesk AB", "Warehouse SE"]
    [entry] = customer_subprocessors(only_hosting)
    assert entry.services == [hosting.name]
    # Taking up a service brings its sub-processors along.
    only_hosting.services.add(support)
    assert [sp.legal_name for sp in subprocessors_in_use(only_hosting)] == ["DC GmbH", "Helpdesk AB"]


def test_the_lists_of_many_customers_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    for _ in range(3):
        services.subprocessor_record_existing_use(actor=dpo, subprocessor=SubProcessorFactory(), services=[hosting],
                                                  reason="Annex IV.")
    few = [CustomerFactory() for _ in range(2)]
    many = few + [CustomerFactory() for _ in range(20)]
    for customer in many:
        customer.services.set([hosting])
    with django_assert_max_num_queries(4):
        lists = customer_subprocessor_lists(few)
    assert all(len(entries) == 3 for entries in lists.values())
    with django_assert_max_num_queries(4):
        lists = customer_subprocessor_lists(many)
    assert len(lists) == 22


def _announce(dpo, sp, service_list, *, planned_from=TODAY, replaces=None):
    return services.subprocessor_change_open(
        actor=dpo, subprocessor=sp, kind="replacement" if replaces else "addition", services=service_list,
        reason="Better deliverability for notification emails.", planned_from=planned_from, replaces=replaces,
    )


@time_machine.travel(TODAY, tick=False)
def test_an_announced_change_notifies_each_affected_customer_with_its_own_notice_period(
        django_capture_on_commit_callbacks):
    dpo = _dpo()
    hosting, support = ServiceFactory(slug="hosting"), ServiceFactory(slug="support")
    standard = CustomerFactory(notice_contact_email="dpo@standard.example")
    standard.services.set([hosting])
    longer = CustomerFactory(notice_contact_email="dpo@longer.example")
    longer.services.set([hosting, support])
    SubProcessorTerms.objects.create(customer=longer, notice_days=60)
    unaffected = CustomerFactory()
    unaffected.services.set([support])
    sp = SubProcessorFactory(legal_name="Mailer Inc.")
    with django_capture_on_commit_callbacks(execute=True):
        change = _announce(dpo, sp, [hosting])
    notices = {n.customer_id: n for n in change.notices.all()}
    assert set(notices) == {standard.pk, longer.pk}
    assert notices[standard.pk].takes_effect_on == TODAY + timedelta(days=30)
    assert notices[longer.pk].takes_effect_on == TODAY + timedelta(days=60)
    assert sorted(m.to[0] for m in mail.outbox) == ["dpo@longer.example", "dpo@standard.example"]
    body = mail.outbox[0].body
    assert "Mailer Inc." in body and "Better deliverability" in body and "/respond/subprocessor/" in body
    assert all(n.sent_at is not None for n in ChangeNotice.objects.all())
    assert AuditEvent.objects.filter(action="subprocessor.change_announced").count() == 1
    assert AuditEvent.objects.filter(action="subprocessor.notice_sent").count() == 2
    # A redelivered task sends nothing twice.
    assert services.change_notice_send(notice_id=notices[standard.pk].pk) is False
    assert len(mail.outbox) == 2


def test_a_new_sub_processor_does_not_take_effect_before_the_notice_period_ends():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    sp = SubProcessorFactory()
    with time_machine.travel(TODAY, tick=False):
        _announce(dpo, sp, [hosting])
        [entry] = customer_subprocessors(customer)
        assert entry.state == NoticeState.PENDING
        assert subprocessors_in_use(customer) == []
    with time_machine.travel(TODAY + timedelta(days=29), tick=False):
        assert subprocessors_in_use(customer) == []
    with time_machine.travel(TODAY + timedelta(days=30), tick=False):
        assert subprocessors_in_use(customer) == [sp]


def test_an_objecting_customer_is_not_served_by_the_new_sub_processor_until_the_objection_is_resolved():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    objecting, silent = CustomerFactory(), CustomerFactory()
    for customer in (objecting, silent):
        customer.services.set([hosting])
    sp = SubProcessorFactory()
    with time_machine.travel(TODAY, tick=False):
        change = _announce(dpo, sp, [hosting])
        notice = change.notices.get(customer=objecting)
        services.notice_respond_by_link(token=services.notice_token(notice), response="objected",
                                        by_name="Petra Privacy", note="Our works council has not agreed.")
    with time_machine.travel(TODAY + timedelta(days=45), tick=False):
        assert subprocessors_in_use(silent) == [sp]
        assert subprocessors_in_use(objecting) == []
        assert customer_subprocessors(objecting)[0].state == NoticeState.OBJECTED
        notice.refresh_from_db()
        services.notice_resolve_objection(notice=notice, actor=dpo, resolution="withdrawn",
                                          note="Works council agreed on 10 April.", expected_version=notice.version)
        assert subprocessors_in_use(objecting) == [sp]
    assert AuditEvent.objects.filter(action="subprocessor.objection_resolved").count() == 1


def test_an_objection_resolved_by_exclusion_keeps_the_sub_processor_away_from_that_customer():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    sp = SubProcessorFactory()
    with time_machine.travel(TODAY, tick=False):
        notice = _announce(dpo, sp, [hosting]).notices.get()
        services.notice_record_response(notice=notice, actor=dpo, response="objected", by_name="Petra Privacy",
                                        note="By letter of 3 March.", expected_version=notice.version)
        notice.refresh_from_db()
        services.notice_resolve_objection(notice=notice, actor=dpo, resolution="excluded",
                                          note="Their data stay on the previous provider.",
                                          expected_version=notice.version)
    with time_machine.travel(TODAY + timedelta(days=90), tick=False):
        assert subprocessors_in_use(customer) == []
        assert customer_subprocessors(customer)[0].state == NoticeState.EXCLUDED


def test_specific_authorisation_waits_for_the_recorded_approval():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    SubProcessorTerms.objects.create(customer=customer, authorisation=SubProcessorTerms.Authorisation.SPECIFIC)
    sp = SubProcessorFactory()
    with time_machine.travel(TODAY, tick=False):
        notice = _announce(dpo, sp, [hosting]).notices.get()
        # An acknowledgement is not an approval.
        services.notice_record_response(notice=notice, actor=dpo, response="acknowledged", by_name="Petra Privacy",
                                        expected_version=notice.version)
    with time_machine.travel(TODAY + timedelta(days=100), tick=False):
        assert customer_subprocessors(customer)[0].state == NoticeState.AWAITING_APPROVAL
        assert subprocessors_in_use(customer) == []
        notice.refresh_from_db()
        services.notice_record_response(notice=notice, actor=dpo, response="approved", by_name="Petra Privacy",
                                        note="Signed approval of 2 June, ref. CUS-2026-14.",
                                        expected_version=notice.version)
        assert subprocessors_in_use(customer) == [sp]


def test_an_approval_is_refused_for_a_customer_with_general_authorisation():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    with time_machine.travel(TODAY, tick=False):
        notice = _announce(dpo, SubProcessorFactory(), [hosting]).notices.get()
        with pytest.raises(ValidationError):
            services.notice_record_response(notice=notice, actor=dpo, response="approved", by_name="P",
                                            expected_version=notice.version)


def test_a_replacement_keeps_the_old_sub_processor_until_it_takes_effect_for_the_customer():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    old, new = SubProcessorFactory(legal_name="Old Mail"), SubProcessorFactory(legal_name="New Mail")
    services.subprocessor_record_existing_use(actor=dpo, subprocessor=old, services=[hosting], reason="Annex IV.")
    with time_machine.travel(TODAY, tick=False):
        _announce(dpo, new, [hosting], replaces=old)
        assert subprocessors_in_use(customer) == [old]
    with time_machine.travel(TODAY + timedelta(days=31), tick=False):
        assert subprocessors_in_use(customer) == [new]


def test_an_objection_after_the_notice_period_is_refused_through_the_link():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    with time_machine.travel(TODAY, tick=False):
        notice = _announce(dpo, SubProcessorFactory(), [hosting]).notices.get()
    with time_machine.travel(TODAY + timedelta(days=31), tick=False), pytest.raises(ValidationError):
        services.notice_respond_by_link(token=services.notice_token(notice), response="objected", by_name="P",
                                        note="Too late.")
    notice.refresh_from_db()
    assert notice.response == ""


def test_a_change_cannot_be_planned_in_the_past_nor_announce_a_service_twice():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    sp = SubProcessorFactory()
    with time_machine.travel(TODAY, tick=False):
        with pytest.raises(ValidationError) as exc:
            _announce(dpo, sp, [hosting], planned_from=TODAY - timedelta(days=1))
        assert "planned_from" in exc.value.error_dict
        _announce(dpo, sp, [hosting])
        with pytest.raises(ValidationError) as exc:
            _announce(dpo, sp, [hosting])
        assert "services" in exc.value.error_dict


def test_a_withdrawn_change_serves_nobody():
    dpo = _dpo()
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    sp = SubProcessorFactory()
    with time_machine.travel(TODAY, tick=False):
        change = _announce(dpo, sp, [hosting])
        services.subprocessor_change_withdraw(change=change, actor=dpo, reason="Contract not signed.")
    with time_machine.travel(TODAY + timedelta(days=40), tick=False):
        assert subprocessors_in_use(customer) == []


@time_machine.travel(TODAY, tick=False)
def test_an_assessment_sets_the_next_due_date_after_the_cadence():
    sp = SubProcessorFactory(assessment_cadence_months=12)
    sp = services.subprocessor_record_assessment(subprocessor=sp, actor=_dpo(), assessed_on=TODAY,
                                                 notes="Reviewed the SOC 2 report; no exceptions.")
    assert sp.next_assessment_due == date(2027, 3, 2)
    with pytest.raises(ValidationError):
        services.subprocessor_record_assessment(subprocessor=sp, actor=_dpo(), assessed_on=TODAY, notes=" ")
