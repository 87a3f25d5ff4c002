"""The annex overview lists every customer with a fixed number of queries, with the same content hashes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from controls.exports import TOM_ANNEX, tom_annex_snapshot, tom_annex_snapshots
from controls.models import Control, CustomerControlOverride
from portal.exports.registry import ALL_SUBJECTS, get_kind
from portal.exports.selectors import annex_overview
from tests.controls.factories import ControlFactory, CustomerFactory, OverrideFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def _world(n_customers: int):
    hosting, support = ServiceFactory(), ServiceFactory()
    ControlFactory(applies_to_all_services=True)
    ControlFactory(applies_to_all_services=True, status=Control.Status.RETIRED)
    only_hosting = ControlFactory(applies_to_all_services=False)
    only_hosting.services.add(hosting)
    only_support = ControlFactory(applies_to_all_services=False)
    only_support.services.add(support)
    retired_but_included = ControlFactory(applies_to_all_services=False, status=Control.Status.RETIRED)
    customers = []
    for i in range(n_customers):
        customer = CustomerFactory()
        customer.services.add(hosting if i % 2 else support)
        customers.append(customer)
    OverrideFactory(customer=customers[0], control=only_hosting, mode=CustomerControlOverride.Mode.INCLUDE)
    OverrideFactory(customer=customers[0], control=only_support, mode=CustomerControlOverride.Mode.EXCLUDE)
    OverrideFactory(customer=customers[-1], control=retired_but_included, mode=CustomerControlOverride.Mode.INCLUDE)
    return customers


def test_the_bulk_snapshots_equal_the_one_by_one_snapshots_for_every_subject():
    customers = _world(4)
    keys = [ALL_SUBJECTS, *[c.slug for c in customers]]
    bulk = tom_annex_snapshots(keys)
    for key in keys:
        assert bulk[key] == tom_annex_snapshot(key), key


def test_the_overview_runs_the_same_number_of_queries_for_few_and_many_customers():
    kind = get_kind(TOM_ANNEX)
    _world(2)
    with CaptureQueriesContext(connection) as few:
        assert len(annex_overview(kind)) == 3
    _world(10)
    with CaptureQueriesContext(connection) as many:
        assert len(annex_overview(kind)) == 13  # all customers + 2 + 10
    # The annex reads 14 (controls, customers, applicability, evidence in date, decisions, statements,
    # exclusions, services, terms, processor, certificates and tests), its sub-processor part
    # (controls/exports_subprocessors.py) at most seven more, the overview itself two.
    assert len(few) == len(many) <= 14 + 7 + 2
