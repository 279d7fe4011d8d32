"""Recovery tracking in a real browser: a patient answers the baseline questionnaires, records the date of the
operation, answers the 2-week and 6-week follow-ups (the site's clock is moved forward between them, never slept
through; the live server runs in this process, so patching ``outcomes.clock.today`` moves its "today" too), says yes
to a warning sign and is told at once to go to an emergency department, and sees the chart of their leg pain. The
coordinator then sees the overdue 3-month follow-up and the red-flag alert.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from spinepath.core.outcomes import instrument, load_catalogue
from spinepath.web.accounts.models import Role
from spinepath.web.care.models import HospitalResponse, RequestStatus, Routing, RoutingStatus, TreatmentRequest
from spinepath.web.hospitals.models import Hospital, Organisation
from spinepath.web.outcomes import clock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "correct horse battery staple 42"
OPERATION_DAY = datetime.date(2026, 3, 2)
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LEG_PAIN = instrument("nrs_leg_pain").item("pain").text
BACK_PAIN = instrument("nrs_back_pain").item("pain").text
SAFETY = {q.id: q.text for q in load_catalogue().safety.questions}


@pytest.fixture(scope="module", autouse=True)
def _database_before_the_browser(django_db_setup: None) -> None:
    """The test database is made before Chromium starts (see tests/browser/test_requests_in_browser.py)."""


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def move_to(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.date], None]:
    def move(day: datetime.date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    return move


def _person(email: str, role: str, **profile: Any) -> Any:
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    user.profile.role = role
    user.profile.email_verified_at = timezone.now()
    for name, value in profile.items():
        setattr(user.profile, name, value)
    user.profile.save()
    return user


@pytest.fixture
def world(transactional_db: None) -> dict[str, Any]:
    organisation = Organisation.objects.create(name="Anatolia Spine Network", slug="anatolia")
    hospital = Hospital.objects.create(organisation=organisation, name="Bosphorus Spine", slug="bosphorus",
                                       city="Istanbul", country="Türkiye", country_code="TR")
    patient = _person("peter.doe@example.org", Role.PATIENT)
    request_obj = TreatmentRequest.objects.create(
        patient=patient, organisation=organisation, kind="treatment_plan", status=RequestStatus.ACCEPTED,
        intake={"symptoms": {"back_pain": 5, "leg_pain": 8}}, urgency="routine", submitted_at=timezone.now())
    routing = Routing.objects.create(request=request_obj, hospital=hospital, status=RoutingStatus.ACCEPTED)
    HospitalResponse.objects.create(
        routing=routing, kind="plan", procedure_id="microdiscectomy", anaesthesia="general", expected_stay_nights=1,
        cost_min=Decimal(1000), cost_max=Decimal(2000), currency="EUR", earliest_date=OPERATION_DAY,
        valid_until=OPERATION_DAY, accepted_at=timezone.now())
    return {"patient": patient, "request": request_obj, "hospital": hospital,
            "coordinator": _person("coordinator@anatolia.example", Role.COORDINATOR, organisation=organisation)}


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/en/account/sign-in/")
    main = page.get_by_role("main")
    main.get_by_label("E-mail address").fill(email)
    main.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        main.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


def choose(page: Page, question: str, answer: str) -> None:
    page.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).check()


def answer_follow_up(page: Page, leg_pain: str, *, yes: str | None = None) -> None:
    page.get_by_role("link", name="Answer now").first.click()
    for question_id, text in SAFETY.items():
        choose(page, text, "Yes" if question_id == yes else "No")
    choose(page, LEG_PAIN, leg_pain)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()


def test_baseline_two_follow_ups_chart_and_the_coordinators_lists(
        live_server: Any, new_page: Callable[..., Page], world: dict[str, Any], move_to: Any) -> None:
    reference = world["request"].reference
    move_to(OPERATION_DAY - datetime.timedelta(days=10))
    page = new_page()
    sign_in(page, live_server.url, world["patient"].email)

    # Baseline: the self-check's pain answers are filled in; the patient confirms and sends.
    page.goto(f"{live_server.url}/en/outcomes/baseline/?request={reference}")
    expect(page.get_by_role("group", name=LEG_PAIN, exact=True).get_by_label("8", exact=True)).to_be_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your results")
    expect(page.get_by_role("main")).to_contain_text("severe")

    # The date of the operation, from the recovery page.
    page.goto(f"{live_server.url}/en/outcomes/mine/{reference}/")
    page.get_by_label("Operation", exact=True).select_option("microdiscectomy")
    page.get_by_label("Date of the operation").fill(OPERATION_DAY.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Save the date").click()
    expect(page.get_by_role("table", name="Follow-up questionnaires")).to_contain_text("Upcoming")

    # Two weeks later: due; answered with no warning signs.
    move_to(OPERATION_DAY + datetime.timedelta(days=14))
    page.goto(f"{live_server.url}/en/outcomes/")
    answer_follow_up(page, "4")
    expect(page.get_by_role("main")).to_contain_text("This reaches the smallest change")
    expect(page.get_by_role("alert")).to_have_count(0)

    # Six weeks later: new leg weakness. The patient is told at once to go to an emergency department.
    move_to(OPERATION_DAY + datetime.timedelta(days=42))
    page.goto(f"{live_server.url}/en/outcomes/")
    answer_follow_up(page, "2", yes="new_weakness")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Go to an emergency department now.")
    expect(alert).to_contain_text("Your coordinator has been alerted")

    # The chart of leg pain over time, with its table for screen readers.
    page.goto(f"{live_server.url}/en/outcomes/mine/{reference}/")
    chart = page.get_by_role("img", name=re.compile("Chart of Leg pain"))
    chart.scroll_into_view_if_needed()
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=chart.element_handle())
    table = page.get_by_role("table", name=re.compile("NRS leg over time"))
    expect(table).to_contain_text("8")
    expect(table).to_contain_text("2 weeks after")
    expect(table).to_contain_text("6 weeks after")
    expect(page.get_by_role("table", name="Follow-up questionnaires")).to_contain_text("Completed")

    # A hundred days after the operation the 3-month follow-up is overdue; the coordinator sees it and the alert.
    move_to(OPERATION_DAY + datetime.timedelta(days=100))
    staff = new_page()
    sign_in(staff, live_server.url, world["coordinator"].email)
    staff.goto(f"{live_server.url}/en/outcomes/staff/")
    late = staff.get_by_role("table", name=re.compile("On 2026-06-10"))
    expect(late).to_contain_text(reference)
    expect(late).to_contain_text("3 months after")
    expect(late).to_contain_text("Overdue")
    alerts = staff.get_by_role("region", name="Safety alerts").or_(staff.locator("section", has_text="Safety alerts"))
    expect(alerts.first).to_contain_text("Emergency")
    expect(alerts.first).to_contain_text("Leg weakness that is new or getting worse")
    with staff.expect_navigation():
        staff.get_by_role("button", name=re.compile("Acknowledge")).click()
    expect(staff.get_by_role("main")).to_contain_text("Acknowledged")
