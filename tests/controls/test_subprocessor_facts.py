"""The pages of the controls that promise a sub-processor register and records of processing show the figures."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from controls.models_subprocessors import ProcessorDetails
from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory, ServiceFactory
from tests.controls.factories_subprocessors import ProcessingCategoryFactory, SubProcessorFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


@time_machine.travel(TODAY, tick=False)
def test_the_sub_processor_control_shows_the_register_and_its_overdue_assessments(signed_in):
    client, _ = signed_in(Role.DPO)
    control = ControlFactory(reference="TOM-SUP-01")
    SubProcessorFactory(last_assessed_on=TODAY - timedelta(days=400), next_assessment_due=TODAY - timedelta(days=35))
    SubProcessorFactory(last_assessed_on=TODAY - timedelta(days=10), next_assessment_due=TODAY + timedelta(days=355))
    SubProcessorFactory(last_assessed_on=None, next_assessment_due=None)
    SubProcessorFactory(status="retired", next_assessment_due=TODAY - timedelta(days=90))
    page = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    assert "3 in the register; 1 assessment overdue; 1 never assessed" in page
    assert f'href="{reverse("subprocessors:list")}"' in page


def test_the_records_control_shows_which_services_have_their_categories_and_the_dpo(signed_in):
    client, _ = signed_in(Role.DPO)
    control = ControlFactory(reference="TOM-ACC-01")
    hosting = ServiceFactory(slug="hosting")
    ServiceFactory(slug="support")
    ProcessingCategoryFactory(service=hosting, name="Hosting")
    ProcessingCategoryFactory(service=hosting, name="Backups")
    page = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    assert "Categories of processing recorded for 1 of 2 services" in page
    assert "not recorded" in page
    ProcessorDetails.objects.create(pk=1, name="Processor GmbH", dpo_name="Dana Protection")
    page = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    assert "Dana Protection" in page and f'href="{reverse("subprocessors:records")}"' in page


def test_other_controls_show_no_such_figures(signed_in):
    client, _ = signed_in(Role.DPO)
    control = ControlFactory(reference="TOM-ENC-01")
    page = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    assert "in the register" not in page and "Categories of processing recorded" not in page
