"""The directory is managed in the Django admin: languages typed as "en, tr", filters by country, city and procedure,
and a warning on hospitals whose accreditation has expired or runs out within 60 days."""

from __future__ import annotations

import re

import pytest

from spinepath.web.hospitals.admin import HospitalForm

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/spinepath_hospitals/hospital/"


def form_data(organisation, **overrides):
    return {"organisation": organisation.pk, "name": "Test Hospital", "slug": "test-hospital", "city": "Izmir",
            "country": "Turkey", "country_code": "tr", "website": "", "description": "", "is_active": "on",
            **overrides}


@pytest.mark.parametrize(("typed", "expected"), [
    pytest.param("en, tr, ar", ["en", "tr", "ar"], id="comma-separated"),
    pytest.param(" en ,tr,, en ", ["en", "tr"], id="spaces-blanks-and-repeats-ignored"),
    pytest.param("pt-BR, zh-Hant", ["pt-BR", "zh-Hant"], id="with-subtags"),
    pytest.param("", [], id="none"),
])
def test_languages_are_typed_as_a_comma_separated_list(organisation, typed, expected):
    form = HospitalForm(data=form_data(organisation, languages=typed))

    assert form.is_valid(), form.errors
    hospital = form.save()
    hospital.refresh_from_db()
    assert hospital.languages == expected
    assert hospital.country_code == "TR"


@pytest.mark.parametrize("typed", ["English", "en tr", "e"], ids=["a-name", "no-comma", "too-short"])
def test_a_language_that_is_not_a_code_is_refused(organisation, typed):
    form = HospitalForm(data=form_data(organisation, languages=typed))

    assert not form.is_valid()
    assert "Not a language code" in str(form.errors["languages"])


def test_the_edit_form_shows_the_languages_comma_separated(admin_client, directory):
    html = admin_client.get(f"/admin/spinepath_hospitals/hospital/{directory['gomti'].pk}/change/").content.decode()

    assert re.search(r'<input type="text" name="languages" value="hi, en"', html)
    assert "accreditations-TOTAL_FORMS" in html and "procedures-TOTAL_FORMS" in html  # the two inlines


@pytest.mark.parametrize(("query", "expected"), [
    pytest.param("", {"Bosphorus", "Gomti", "Ankara", "Closed"}, id="all-inactive-included"),
    pytest.param("?country=Turkey", {"Bosphorus", "Ankara", "Closed"}, id="by-country"),
    pytest.param("?city=Lucknow", {"Gomti"}, id="by-city"),
    pytest.param("?procedure=mild", {"Gomti", "Ankara", "Closed"}, id="by-procedure"),
    pytest.param("?accreditation=attention", {"Gomti", "Ankara"}, id="accreditation-needs-attention"),
])
def test_the_admin_list_filters(admin_client, directory, accredit, query, expected):
    accredit(directory["gomti"], "JCI", from_days=-800, until_days=-3)  # expired
    accredit(directory["ankara"], "NABH", from_days=-300, until_days=45)  # expiring
    accredit(directory["bosphorus"], "JCI", from_days=-300, until_days=400)  # fine

    html = admin_client.get(CHANGELIST + query).content.decode()

    assert set(re.findall(r">Test (\w+) Hospital</a>", html)) == expected


def test_the_admin_list_warns_of_expired_and_expiring_accreditations(admin_client, directory, accredit):
    accredit(directory["gomti"], "JCI", from_days=-800, until_days=-3)
    accredit(directory["ankara"], "NABH", from_days=-300, until_days=45)
    accredit(directory["bosphorus"], "JCI", from_days=-300, until_days=400)

    html = admin_client.get(CHANGELIST).content.decode()

    rows = {found.group(1): row for row in re.findall(r"<tr.*?</tr>", html, re.S)
            if (found := re.search(r">Test (\w+) Hospital</a>", row))}
    assert "⚠ JCI: Expired" in rows["Gomti"]
    assert "⚠ NABH: Expires in 45 days" in rows["Ankara"]
    assert "⚠" not in rows["Bosphorus"]


def test_the_organisation_admin_lists_its_hospitals(admin_client, organisation, directory):
    html = admin_client.get(f"/admin/spinepath_hospitals/organisation/{organisation.pk}/change/").content.decode()

    assert "Test Gomti Hospital" in html
