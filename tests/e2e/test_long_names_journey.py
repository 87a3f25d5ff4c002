"""A customer's name with no place to break it (a long compound, an identifier) wraps on the pages a DPO opens
for the customer and its annex, even at phone width: the name never reaches past the screen's edge (a wide table
may scroll inside its own box)."""

import pytest
from django.urls import reverse

from controls.exports import TOM_ANNEX
from portal.accounts.roles import Role
from tests.conftest import totp_device_for
from tests.controls.factories import CustomerFactory, StatedControlFactory
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory

PHONE = {"width": 390, "height": 844}

# The right edges of the elements that print the name, leaving out those inside a box that scrolls sideways.
NAME_EDGES = """(name) => {
    const scrolls = (el) => { for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX)) return true; } return false; };
    return [...document.querySelectorAll('body *')]
        .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.includes(name)))
        .filter(el => el.getClientRects().length && !scrolls(el))
        .map(el => Math.round(el.getBoundingClientRect().right));
}"""
LONG_NAME = "Donaudampfschifffahrtselektrizitaetenhauptbetriebswerkbauunterbeamtengesellschaft"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_long_unbroken_customer_name_wraps_on_the_customer_and_annex_pages_at_phone_width(page):
    dpo = UserFactory(roles=[Role.DPO], email="dpo@annex.test")
    totp_device_for(dpo)
    CustomerFactory(slug="long-name", name=LONG_NAME)
    StatedControlFactory()
    sign_in_with_totp(page, dpo)
    page.set_viewport_size(PHONE)
    pages = {
        "customer": reverse("customers:detail", kwargs={"slug": "long-name"}),
        "annex": reverse("exports:annex_detail", kwargs={"kind": TOM_ANNEX, "subject": "long-name"}),
        "annexes": reverse("exports:annex_list"),
    }
    for name, url in pages.items():
        page.goto(url)
        assert page.get_by_text(LONG_NAME).first.is_visible(), name
        page.screenshot(path=str(artifacts_dir() / f"long-name-{name}-phone.png"), full_page=True)
        edges = page.evaluate(NAME_EDGES, LONG_NAME)
        assert edges, name
        assert max(edges) <= PHONE["width"], (name, edges)
