"""The public partner-hospital directory: who is listed (active hospitals only), filtering by procedure and place,
each hospital's page (accreditations current or not, procedures linked to their education pages, languages), the
link from every procedure page, and the ``hospitals_offering`` helper others build on."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from spinepath.core.knowledge import load_knowledge
from spinepath.web.hospitals.directory import hospitals_offering, language_name
from spinepath.web.hospitals.models import Accreditation, AccreditationStatus

pytestmark = pytest.mark.django_db

KB = load_knowledge()
LIST = "/en/hospitals/"


def listed(html: str) -> list[str]:
    """The slugs of the hospitals a list page shows, in order."""
    return re.findall(r'<h3><a href="/\w+/hospitals/([\w-]+)/">', html)


# ---- the list, filtered -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    pytest.param("", ["gomti", "ankara", "bosphorus"], id="all-active-by-country-city-name"),
    pytest.param("?procedure=mild", ["gomti", "ankara"], id="by-procedure"),
    pytest.param("?procedure=microdiscectomy", ["gomti", "bosphorus"], id="inactive-hospital-never-listed"),
    pytest.param("?city=Istanbul", ["bosphorus"], id="by-city"),
    pytest.param("?country=TR", ["ankara", "bosphorus"], id="by-country"),
    pytest.param("?procedure=mild&country=TR", ["ankara"], id="procedure-and-country"),
    pytest.param("?procedure=mild&city=Lucknow", ["gomti"], id="procedure-and-city"),
    pytest.param("?procedure=mis_tlif&city=Lucknow", [], id="nothing-matches"),
    pytest.param("?procedure=open_surgery", [], id="procedure-nobody-offers"),
], )
def test_the_list_shows_the_active_hospitals_matching_the_filters(client, directory, query, expected):
    response = client.get(LIST + query)

    assert response.status_code == 200
    html = response.content.decode()
    assert listed(html) == expected
    assert ("No partner hospital matches these filters." in html) == (not expected)


@pytest.mark.parametrize("query", ["?procedure=laser_discectomy", "?country=XX", "?city=Atlantis"],
                         ids=["unknown-procedure", "unknown-country", "unknown-city"])
def test_a_filter_that_cannot_be_used_is_said_and_lists_nothing(client, directory, query):
    html = client.get(LIST + query).content.decode()

    assert "A filter could not be used." in html
    assert 'class="error-message"' in html
    assert listed(html) == []


def test_the_filter_lists_every_procedure_by_its_name_and_only_places_with_active_hospitals(client, directory):
    html = client.get(LIST).content.decode()

    for procedure in KB.procedures.values():
        assert f'<option value="{procedure.id}">{escape(procedure.name)}</option>' in html
    assert '<option value="TR">Turkey</option>' in html and '<option value="IN">India</option>' in html
    assert '<option value="Ankara">Ankara</option>' in html
    assert re.search(r'<label for="id_procedure">Procedure', html)


def test_the_turkish_list_shows_turkish_procedure_and_language_names(client, directory):
    html = client.get("/tr/hospitals/?procedure=mild").content.decode()

    with translation.override("tr"):
        mild = gettext(KB.procedure("mild").name)
        hindi = language_name("hi")
    assert mild != KB.procedure("mild").name and hindi != "Hindi"
    assert f'<option value="mild" selected>{escape(mild)}</option>' in html
    assert escape(hindi) in html
    assert listed(html) == ["gomti", "ankara"]


def test_a_listed_hospital_shows_its_place_procedures_and_languages(client, directory):
    html = client.get(LIST + "?city=Lucknow").content.decode()

    assert "Lucknow, India" in html
    assert "MILD, Microdiscectomy" in html  # knowledge-base order, not alphabetical
    assert "Hindi, English" in html


# ---- a hospital's page --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("from_days", "until_days", "expected", "current"), [
    pytest.param(-300, 400, "Current, valid until", True, id="current"),
    pytest.param(None, 30, "Current, valid until", True, id="current-expiring-soon-is-still-current"),
    pytest.param(-300, 0, "Current, valid until", True, id="expires-today-still-current"),
    pytest.param(-300, -1, "Expired on", False, id="expired-yesterday"),
    pytest.param(-1000, -400, "Expired on", False, id="expired-long-ago"),
    pytest.param(10, 400, "Not yet valid: from", False, id="not-yet-valid"),
])
def test_the_page_says_whether_each_accreditation_is_current(client, directory, accredit, from_days, until_days,
                                                             expected, current):
    accreditation = accredit(directory["gomti"], "NABH", from_days=from_days, until_days=until_days)

    html = client.get("/en/hospitals/gomti/").content.decode()

    item = re.search(r'<li class="accreditation ([\w-]+)">(.*?)</li>', html, re.S)
    assert item is not None
    assert item.group(1) == ("current" if current else "not-current")
    assert expected in item.group(2)
    assert f'<time datetime="{accreditation.expires_on:%Y-%m-%d}">' in item.group(2)
    if not current:
        assert "Current" not in item.group(2)


def test_current_accreditations_are_listed_before_expired_ones(client, directory, accredit):
    accredit(directory["gomti"], "JCI", from_days=-1000, until_days=-30)
    accredit(directory["gomti"], "NABH", from_days=-100, until_days=300)

    html = client.get("/en/hospitals/gomti/").content.decode()

    assert re.findall(r'<li class="accreditation ([\w-]+)">\s*<strong>(\w+)</strong>', html) == [
        ("current", "NABH"), ("not-current", "JCI")]


def test_the_page_links_each_procedure_to_its_education_page_and_names_the_languages(client, directory):
    html = client.get("/en/hospitals/gomti/").content.decode()

    assert "<h1>Test Gomti Hospital</h1>" in html
    for procedure_id in ("mild", "microdiscectomy"):
        name = escape(KB.procedure(procedure_id).name)
        assert f'<a href="/en/procedures/{procedure_id}/">{name}</a>' in html
    assert '<span lang="hi">Hindi</span>, <span lang="en">English</span>' in html
    assert "Lucknow" in html and "India" in html


@pytest.mark.parametrize("slug", ["closed", "no-such-hospital"], ids=["inactive", "unknown"])
def test_an_inactive_or_unknown_hospital_has_no_page(client, directory, slug):
    assert client.get(f"/en/hospitals/{slug}/").status_code == 404


# ---- the link from each procedure page ----------------------------------------------------------------------------

@pytest.mark.parametrize("procedure_id", list(KB.procedures))
def test_every_procedure_page_links_to_the_hospitals_offering_it(client, procedure_id):
    html = client.get(f"/en/procedures/{procedure_id}/").content.decode()

    assert f'<a href="/en/hospitals/?procedure={procedure_id}">Partner hospitals offering this</a>' in html


def test_the_procedure_link_leads_to_the_filtered_list(client, directory):
    html = client.get("/en/hospitals/?procedure=mild").content.decode()

    assert listed(html) == ["gomti", "ankara"]
    assert f"Offering {escape(KB.procedure('mild').name)}." in html


# ---- the helper the request workflow uses -------------------------------------------------------------------------

@pytest.mark.parametrize(("procedure_ids", "countries", "cities", "expected"), [
    pytest.param([], None, None, ["gomti", "ankara", "bosphorus"], id="no-filter-all-active"),
    pytest.param(["mild"], None, None, ["gomti", "ankara"], id="one-procedure"),
    pytest.param(["mild", "mis_tlif"], None, None, ["gomti", "ankara", "bosphorus"], id="any-of-the-procedures"),
    pytest.param(["microdiscectomy"], ["tr"], None, ["bosphorus"], id="country-code-any-case-inactive-left-out"),
    pytest.param(["mild"], ["TR", "IN"], None, ["gomti", "ankara"], id="any-of-the-countries"),
    pytest.param([], None, [" istanbul "], ["bosphorus"], id="city-any-case-and-spacing"),
    pytest.param(["mild"], ["TR"], ["Lucknow"], [], id="country-and-city-both-apply"),
    pytest.param(["open_surgery"], [], [], [], id="nobody-offers-it"),
])
def test_hospitals_offering(directory, procedure_ids, countries, cities, expected):
    found = hospitals_offering(procedure_ids, countries=countries, cities=cities)

    assert [hospital.slug for hospital in found] == expected
    assert all(hospital.is_active for hospital in found)


def test_hospitals_offering_prefetches_what_the_pages_show(directory, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        for hospital in hospitals_offering(["mild"]):
            assert hospital.procedure_ids
            list(hospital.accreditations.all())


# ---- an accreditation's status, on a given day --------------------------------------------------------------------

DAY = datetime.date(2026, 6, 1)


@pytest.mark.parametrize(("valid_from", "expires_on", "expected"), [
    pytest.param(None, datetime.date(2027, 6, 1), AccreditationStatus.CURRENT, id="current"),
    pytest.param(None, datetime.date(2026, 7, 31), AccreditationStatus.EXPIRING, id="expires-in-60-days"),
    pytest.param(None, datetime.date(2026, 8, 1), AccreditationStatus.CURRENT, id="expires-in-61-days"),
    pytest.param(None, DAY, AccreditationStatus.EXPIRING, id="expires-that-day"),
    pytest.param(None, datetime.date(2026, 5, 31), AccreditationStatus.EXPIRED, id="expired-the-day-before"),
    pytest.param(datetime.date(2026, 6, 2), datetime.date(2027, 6, 1), AccreditationStatus.NOT_YET_VALID,
                 id="starts-tomorrow"),
    pytest.param(datetime.date(2027, 1, 1), datetime.date(2026, 1, 1), AccreditationStatus.EXPIRED,
                 id="expired-wins-over-not-yet-valid"),
])
def test_accreditation_status_on_a_day(valid_from, expires_on, expected):
    accreditation = Accreditation(body="JCI", valid_from=valid_from, expires_on=expires_on)

    assert accreditation.status_on(DAY) == expected
    assert accreditation.valid_on(DAY) == (expected in (AccreditationStatus.CURRENT, AccreditationStatus.EXPIRING))


def test_the_directory_and_the_procedure_link_are_in_turkish(client, directory):
    with translation.override("tr"):
        link, heading, offered = (gettext("Partner hospitals offering this"), gettext("Partner hospitals"),
                                  gettext("Procedures offered"))
    assert link != "Partner hospitals offering this" and heading != "Partner hospitals"

    procedure_page = client.get("/tr/procedures/mild/").content.decode()
    directory_page = client.get("/tr/hospitals/").content.decode()

    assert f'<a href="/tr/hospitals/?procedure=mild">{escape(link)}</a>' in procedure_page
    assert f"<h1>{escape(heading)}</h1>" in directory_page and escape(offered) in directory_page
    assert "Partner hospitals" not in directory_page and "Procedures offered" not in directory_page
