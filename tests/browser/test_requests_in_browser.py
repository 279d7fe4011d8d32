"""Treatment-plan requests in a real browser, as the three people who handle one see them: the patient, the
coordinator and the hospital's surgeon, each in a browser of their own, each signed in through the sign-in page.

1. One request's whole life: self-check, request form, a real DICOM study uploaded and de-identified, sent; the
   coordinator routes it without ever seeing the patient's name; the surgeon sends a plan; the patient compares,
   is notified, accepts.
2. Whoever may not see a request does not find it: another patient, a surgeon of another hospital, a patient on the
   staff pages, the API, someone not signed in.
3. An emergency is at the top of the coordinator's queue, and one click tells the patient to seek care now.
4. The patient's pages on a 360 px phone, and the request form sent by keyboard alone.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from care_world import (
    PATIENT_NAME_IN_DICOM,
    STUDY_FILE_NAME,
    World,
    draft_request,
    fill_sign_in,
    make_world,
    mr_study_counts,
    mr_study_zip,
    sign_in,
)
from django.test import Client
from layout_checks import assert_no_sideways_scroll, assert_usable, has_visible_focus
from playwright.sync_api import Locator, Page, expect
from pydicom.data import get_testdata_file
from selfcheck_patient import (
    MILD_CANDIDATE,
    SADDLE_NUMBNESS,
    answer,
    answer_by_keyboard,
    every_warning_sign,
    fill_step,
    go_on,
    start,
    tab_to,
    walk,
)

from spinepath.core.knowledge import load_knowledge
from spinepath.web.care import workflow
from spinepath.web.care.models import ImagingFile, RequestStatus, Upload, private_storage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # whitenoise looks for collected static files; the live server serves them from the app folders instead.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

KB = load_knowledge()
MILD = KB.procedure("mild").name
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# ---- fixtures ------------------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def private_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Private storage in this test's own folder (the storage object is shared with the models' fields and with the
    live server's thread)."""
    storage = private_storage()
    root = tmp_path / "private"
    root.mkdir()
    monkeypatch.setattr(storage, "_location", str(root))
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
    yield root
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    """De-identification runs in the web process as soon as the upload is committed."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def world(transactional_db: None) -> World:
    return make_world()


def day(days_from_today: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days_from_today)).isoformat()


def reference_of(page: Page) -> str:
    """The request's reference, from the page's heading ("Your request SP-XXXXXXX")."""
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"SP-[A-Z0-9]{7}"))
    return re.search(r"SP-[A-Z0-9]{7}", heading.inner_text()).group(0)  # type: ignore[union-attr]


def tick_a_treatment(page: Page, box: Locator) -> None:
    """Tick a treatment (or a place) and wait until the list of hospitals has been brought up to date: the list is
    replaced when its answer arrives, so a hospital ticked before then would be unticked again."""
    if box.is_checked():
        return
    with page.expect_response(lambda response: "/edit/hospitals/" in response.url):
        box.check()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def wait_for_image(page: Page, image: Locator) -> None:
    """The image is shown: scrolled to (previews load lazily), fetched and decoded into real pixels."""
    image.scroll_into_view_if_needed()
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())


# ---- 1. one request, from the self-check to an accepted plan -------------------------------------------------------

def test_one_request_from_self_check_to_an_accepted_plan(live_server, new_page: Callable[..., Page], world: World,
                                                         screenshot):
    base = live_server.url
    series_count, image_count = mr_study_counts()
    patient, coordinator, surgeon = new_page(), new_page(), new_page()

    # -- the patient: the self-check, then "Request an examination or treatment plan", signing in on the way
    start(patient, base)
    walk(patient, MILD_CANDIDATE)
    patient.get_by_role("link", name="Request an examination or treatment plan").click()
    fill_sign_in(patient, world.patient)
    expect(patient.get_by_role("heading", level=1)).to_have_text("Request an examination or treatment plan")
    patient.get_by_role("button", name="Start my request").click()
    expect(patient.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Your request SP-"))
    reference = reference_of(patient)

    form = patient.locator("#request-form")
    form.get_by_role("group", name="What would you like?").get_by_role("radio", name="A treatment plan").check()
    treatments = form.get_by_role("group", name="Which treatments would you like to ask about?")
    expect(treatments.get_by_role("checkbox", name=MILD)).to_be_checked()  # the self-check found it suitable
    hospitals = form.get_by_role("group", name="Hospitals to send your request to")
    expect(hospitals.get_by_role("checkbox", name=re.compile("Ankara Omurga"))).to_be_visible()  # MIS decompression
    tick_a_treatment(patient, form.get_by_role("group", name="Countries you would travel to")
                     .get_by_role("checkbox", name="Türkiye"))
    tick_a_treatment(patient, form.get_by_role("group", name="Cities you prefer")
                     .get_by_role("checkbox", name="Istanbul (Türkiye)"))
    expect(hospitals.get_by_role("checkbox", name=re.compile("Ankara Omurga"))).to_have_count(0)  # not in Istanbul
    form.get_by_label("Earliest date you could have it").fill(day(30))
    form.get_by_label("Latest date").fill(day(120))
    form.get_by_label("Anything else the hospitals should know (optional)").fill("I can travel with my daughter.")

    # A real MR study, zipped under a file name carrying the patient's name.
    form.get_by_label("Files to upload").set_input_files(
        files=[{"name": STUDY_FILE_NAME, "mimeType": "application/zip", "buffer": mr_study_zip()}])
    form.get_by_role("button", name="Upload these files").click()
    status = patient.get_by_role("status")
    expect(status).to_contain_text("1 file(s) received. They are being checked and de-identified")
    upload = patient.locator(".care-upload").filter(has_text=STUDY_FILE_NAME)
    expect(upload).to_contain_text(f"Ready: {image_count} files accepted")
    # What was typed before the upload is still there.
    expect(form.get_by_label("Latest date")).to_have_value(day(120))
    expect(form.get_by_label("Anything else the hospitals should know (optional)")).to_have_value(
        "I can travel with my daughter.")

    hospitals.get_by_role("checkbox", name="Bosphorus Spine, Istanbul (Türkiye)").check()
    expect(hospitals.get_by_role("checkbox")).to_have_count(1)
    form.get_by_role("checkbox", name=re.compile(r"^I agree that spinepath.s coordinators")).check()
    screenshot(patient, "request-form-filled")
    form.get_by_role("button", name="Send my request").click()

    expect(patient.get_by_role("heading", level=1)).to_have_text(f"Your request {reference}")
    expect(patient.get_by_role("status")).to_contain_text("Your request has been sent.")
    expect(patient.locator(".care-facts").first).to_contain_text("Submitted")
    scans = patient.get_by_role("region", name="Your scans")
    expect(scans).to_contain_text(f"{series_count} series, {image_count} images, with your name and identity "
                                  "numbers removed.")
    expect(scans.get_by_role("link", name=STUDY_FILE_NAME)).to_be_visible()  # the patient sees their own file
    wait_for_image(patient, scans.get_by_role("img").first)
    screenshot(patient, "request-sent")

    # -- the coordinator: the queue, the request without the patient's name, routing to Bosphorus Spine
    sign_in(coordinator, base, world.coordinator)
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Request queue")
    row = coordinator.get_by_role("row").filter(has=coordinator.get_by_role("link", name=reference))
    expect(row).to_contain_text("Not urgent")
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text(MILD)
    expect(row).to_contain_text("Not sent yet")
    row.get_by_role("link", name=reference).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(f"Request {reference}")
    imaging = coordinator.get_by_role("region", name="Imaging (de-identified)")
    expect(imaging.get_by_role("table", name="Study summary").get_by_role("row")).to_have_count(series_count + 1)
    facts = imaging.locator("dl")
    expect(facts).to_contain_text(re.compile(rf"Series\s*{series_count}\s*Images\s*{image_count}"))
    expect(facts).not_to_contain_text("image_count")  # labelled for people, not the summary's internal names
    previews = imaging.get_by_role("img")
    expect(previews).to_have_count(series_count)
    for preview in previews.all():
        wait_for_image(coordinator, preview)
    expect(coordinator.get_by_role("region", name="Consent")).to_contain_text("Bosphorus Spine (Istanbul)")
    screenshot(coordinator, "console-request")
    shown = coordinator.content()
    for secret in (STUDY_FILE_NAME, PATIENT_NAME_IN_DICOM, "Peter", world.patient.email):
        assert secret not in shown, f"the coordinator's page shows {secret!r}"

    routing = coordinator.get_by_role("region", name="Send to hospitals")
    routing.get_by_role("checkbox", name=re.compile(r"^Bosphorus Spine, Istanbul")).check()
    routing.get_by_role("button", name="Send the request").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Sent to Bosphorus Spine.")
    expect(coordinator.get_by_role("region", name="Hospitals and their answers")).to_contain_text(
        "Waiting for the hospital")

    # -- the surgeon: the review queue, the assessment and the image, a treatment plan
    sign_in(surgeon, base, world.surgeon)
    expect(surgeon.get_by_role("heading", level=1)).to_have_text("Requests for your hospital")
    row = surgeon.get_by_role("row").filter(has=surgeon.get_by_role("link", name=reference))
    expect(row).to_contain_text("Waiting for the hospital")
    row.get_by_role("link", name=reference).click()
    expect(surgeon.get_by_role("heading", level=1)).to_have_text(f"Request {reference}")
    assessment = surgeon.get_by_role("region", name="Self-assessment (as frozen when the request was made)")
    expect(assessment.get_by_role("article", name=MILD)).to_contain_text("L4-L5")
    imaging = surgeon.get_by_role("region", name="Imaging (de-identified)")
    wait_for_image(surgeon, imaging.get_by_role("img").first)
    shown = surgeon.content()
    for secret in (STUDY_FILE_NAME, PATIENT_NAME_IN_DICOM, "Peter", world.patient.email):
        assert secret not in shown, f"the surgeon's page shows {secret!r}"

    answer = surgeon.get_by_role("region", name="Answer this request")
    answer.get_by_role("group", name="Your answer").get_by_role("radio", name="Treatment plan").check()
    answer.get_by_label("Procedure", exact=True).select_option(label=MILD)
    answer.get_by_role("group", name="Levels").get_by_role("checkbox", name="L4-L5").check()
    answer.get_by_label("Anaesthesia").select_option(label="Local anaesthesia with sedation")
    answer.get_by_label("Expected stay in hospital (nights)").fill("1")
    answer.get_by_label("Estimated cost from").fill("4200")
    answer.get_by_label("Estimated cost to").fill("5600")
    answer.get_by_label("Currency").select_option("EUR")
    answer.get_by_label("Earliest date for the treatment").fill(day(45))
    answer.get_by_label("Plan valid until").fill(day(90))
    answer.get_by_label("Notes for the patient").fill("Most patients walk the same day. Bring your MRI CD.")
    screenshot(surgeon, "review-plan-filled")
    answer.get_by_role("button", name="Send the answer").click()
    expect(surgeon.get_by_role("status")).to_contain_text("Your answer has been sent.")
    ours = surgeon.get_by_role("region", name="Your hospital's answers")
    expect(ours).to_contain_text("Plan sent")
    expect(ours).to_contain_text("4200.00 – 5600.00 EUR")

    # -- the patient: notified, compares, accepts with a confirmation step
    patient.goto(base + "/en/")
    account = patient.get_by_role("navigation", name="Your account")
    notifications = account.get_by_role("link", name=re.compile(r"^Notifications \(\d+ unread\)"))
    notifications.click()
    expect(patient.get_by_role("heading", level=1)).to_have_text("Notifications")
    news = patient.get_by_role("listitem").filter(has_text=f"A hospital sent a treatment plan for your request "
                                                          f"{reference}.")
    expect(news).to_contain_text("New")
    news.get_by_role("link").click()
    expect(patient.get_by_role("heading", level=1)).to_have_text(f"Your request {reference}")
    expect(patient.locator(".care-facts").first).to_contain_text("Plans received")
    plans = patient.get_by_role("table", name="The latest plan from each hospital")
    expect(plans.get_by_role("columnheader", name=re.compile("Bosphorus Spine"))).to_be_visible()
    for label, value in (("Procedure", MILD), ("Levels", "L4-L5"), ("Anaesthesia", "Local anaesthesia with sedation"),
                         ("Hospital stay", "1 night"), ("Estimated cost", "4200.00–5600.00 EUR"),
                         ("Earliest date", day(45)), ("Valid until", day(90)),
                         ("Notes", "Most patients walk the same day.")):
        expect(plans.get_by_role("row", name=re.compile(f"^{label}"))).to_contain_text(value)
    screenshot(patient, "request-plans")

    plans.get_by_role("link", name=re.compile("Accept this plan")).click()
    expect(patient.get_by_role("heading", level=1)).to_have_text("Accept the plan from Bosphorus Spine?")
    expect(patient.get_by_role("main")).to_contain_text("4200.00–5600.00 EUR")
    patient.get_by_role("button", name="Yes, accept this plan").click()
    expect(patient.get_by_role("status")).to_contain_text("You accepted the plan from Bosphorus Spine.")
    expect(patient.locator(".care-facts").first).to_contain_text("Plan accepted")
    expect(plans.get_by_role("row", name=re.compile("^Your choice"))).to_contain_text("You accepted this plan.")
    screenshot(patient, "request-accepted")

    # -- the surgeon sees the acceptance
    surgeon.reload()
    ours = surgeon.get_by_role("region", name="Your hospital's answers")
    expect(ours).to_contain_text("accepted by the patient")
    expect(surgeon.get_by_role("main")).to_contain_text("Plan from Bosphorus Spine accepted")


# ---- 2. nobody else finds the request or its files -----------------------------------------------------------------

@dataclass(frozen=True)
class SentRequest:
    """Peter Doe's request with two real DICOM files, sent to Bosphorus Spine and routed there; its addresses."""

    reference: str
    page: str  # the patient's request page
    upload_original: str  # one upload as he sent it
    file_original: str  # one accepted image, his original
    file_preview: str  # its preview, on the patient's pages
    review: str  # the surgeon's page
    staff_preview: str  # the preview on the staff's file pages
    staff_study: str  # the de-identified study as a zip
    api: str


@pytest.fixture
def sent_request(world: World) -> SentRequest:
    """Made the way the patient's pages make it (his signed-in session posting the form with two files, the
    de-identification run at once) and routed the way the console does (workflow.route)."""
    draft = draft_request(world.patient, world.organisation, "06")
    reference = draft.reference
    client = Client()
    client.force_login(world.patient.user)
    files = []
    for name, sent_as in (("MR_small.dcm", "Peter Doe MR.dcm"), ("CT_small.dcm", "Peter Doe CT.dcm")):
        stream = io.BytesIO(Path(str(get_testdata_file(name))).read_bytes())
        stream.name = sent_as
        files.append(stream)
    response = client.post(f"/en/requests/{reference}/edit/", {
        "kind": "treatment_plan", "procedures": ["mild"], "hospitals": [str(world.istanbul.pk)], "consent": "on",
        "action": "send", "files": files})
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.status == RequestStatus.SUBMITTED
    workflow.route(draft, [world.istanbul], world.coordinator.user)
    upload = Upload.objects.get(request=draft, original_name="Peter Doe MR.dcm")
    image = ImagingFile.objects.get(upload=upload)
    assert image.preview, "the MR image has no preview"
    return SentRequest(
        reference=reference,
        page=f"/en/requests/{reference}/",
        upload_original=f"/en/requests/{reference}/uploads/{upload.pk}/original/",
        file_original=f"/en/requests/{reference}/files/{image.pk}/original/",
        file_preview=f"/en/requests/{reference}/files/{image.pk}/preview/",
        review=f"/en/review/{reference}/",
        staff_preview=f"/en/files/{reference}/{image.pk}/preview/",
        staff_study=f"/en/files/{reference}/study.zip",
        api=f"/api/v1/requests/{reference}",
    )


def expect_not_found(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 404, f"{url}: {response and response.status}, not 404"
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("not found", re.IGNORECASE))
    expect(page.locator("body")).not_to_contain_text("Peter Doe")


def expect_refused(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 403, f"{url}: {response and response.status}, not 403"
    expect(page.get_by_role("heading", level=1)).to_have_text("Not available to your account")


def test_another_patient_finds_neither_the_request_nor_its_files(live_server, new_page, world, sent_request):
    base, sent = live_server.url, sent_request
    owner, other = new_page(), new_page()
    sign_in(owner, base, world.patient)
    sign_in(other, base, world.other_patient)

    # The owner opens each address (so they are the right ones)...
    owner.goto(base + sent.page)
    expect(owner.get_by_role("heading", level=1)).to_have_text(f"Your request {sent.reference}")
    for url in (sent.upload_original, sent.file_original, sent.file_preview):
        response = owner.request.get(base + url)
        assert response.status == 200, f"the owner cannot open {url}: {response.status}"
    assert owner.request.get(base + sent.upload_original).body()[128:132] == b"DICM"
    # ...and the other patient, signed in, finds none of them.
    for url in (sent.page, sent.upload_original, sent.file_original, sent.file_preview):
        expect_not_found(other, base + url)
    expect(other.get_by_role("navigation", name="Your account").get_by_role("button", name="Sign out")).to_be_visible()

    # The API, called from each one's signed-in page (the context's cookies go with it).
    other.goto(base + "/en/requests/")
    mine = owner.request.get(base + sent.api)
    assert mine.status == 200 and mine.json()["reference"] == sent.reference
    theirs = other.request.get(base + sent.api)
    assert theirs.status == 404, theirs.text()
    assert sent.reference not in [r["reference"] for r in other.request.get(base + "/api/v1/requests").json()]


def test_a_surgeon_of_another_hospital_finds_neither_the_request_nor_its_images(live_server, new_page, world,
                                                                                 sent_request):
    base, sent = live_server.url, sent_request
    routed, other = new_page(), new_page()
    sign_in(routed, base, world.surgeon)
    sign_in(other, base, world.other_surgeon)

    routed.goto(base + sent.review)
    expect(routed.get_by_role("heading", level=1)).to_have_text(f"Request {sent.reference}")
    assert routed.request.get(base + sent.staff_preview).status == 200
    assert routed.request.get(base + sent.staff_study).status == 200

    expect(other.get_by_role("heading", level=1)).to_have_text("Requests for your hospital")
    expect(other.get_by_role("link", name=sent.reference)).to_have_count(0)
    for url in (sent.review, sent.staff_preview, sent.staff_study):
        expect_not_found(other, base + url)
    assert other.request.get(base + sent.api).status == 404


def test_a_patient_is_refused_the_coordinators_and_surgeons_pages(live_server, page, world, sent_request):
    base, sent = live_server.url, sent_request
    sign_in(page, base, world.patient)
    for url in ("/en/console/", f"/en/console/{sent.reference}/", "/en/review/", sent.review):
        expect_refused(page, base + url)
    # His own request's imaging is his through his own pages, not the staff's file pages' rules.
    page.goto(base + sent.page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your request {sent.reference}")


def test_someone_not_signed_in_is_asked_to_sign_in_and_the_api_says_401(live_server, page, world, sent_request):
    base, sent = live_server.url, sent_request
    for url in (sent.page, sent.file_preview, sent.staff_preview, "/en/console/", "/en/review/"):
        page.goto(base + url)
        expect(page).to_have_url(re.compile(r"/en/account/sign-in/\?next="))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        expect(page.locator("body")).not_to_contain_text("Peter Doe")
    assert page.request.get(base + sent.api).status == 401
    assert page.request.get(base + "/api/v1/requests").status == 401

    # Signing in there leads on to the page that was asked for.
    page.goto(base + sent.page)
    fill_sign_in(page, world.patient)
    expect(page).to_have_url(base + sent.page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your request {sent.reference}")


# ---- 3. an emergency: first in the queue, and the patient told at once ---------------------------------------------

EMERGENCY_PROMPT = "This assessment is EMERGENCY: tell the patient to seek care now, do not wait for a plan."
SEEK_CARE_MESSAGE = ("Your answers suggest an emergency. Please go to an emergency department now; do not wait for a "
                     "treatment plan.")


def test_an_emergency_request_is_first_in_the_queue_and_one_click_tells_the_patient_to_seek_care(
        live_server, new_page, world, screenshot):
    base = live_server.url
    # Another patient's routine request, sent earlier: "waiting longest first" would list it first.
    routine = draft_request(world.other_patient, world.organisation, "05")
    workflow.give_consent(routine, world.other_patient.user, [world.istanbul], share_reports_as_is=False)
    workflow.submit(routine, world.other_patient.user)

    # The patient answers Yes to numbness between the legs, finishes the check, and asks for a plan all the same.
    patient = new_page()
    start(patient, base)
    every_warning_sign(patient, "No")
    answer(patient, SADDLE_NUMBNESS, "Yes")
    go_on(patient)
    expect(patient.get_by_role("alert").first).to_contain_text("Go to an emergency department now")
    patient.get_by_role("link", name="Continue the questions").click()
    for title, step in MILD_CANDIDATE.items():
        expect(patient.get_by_role("heading", level=1)).to_have_text(title)
        fill_step(patient, step)
        go_on(patient)
    expect(patient.get_by_role("heading", level=1)).to_have_text("Your results")
    patient.get_by_role("link", name="Request an examination or treatment plan").click()
    fill_sign_in(patient, world.patient)
    expect(patient.get_by_role("alert")).to_contain_text(
        "Go to an emergency department now — do not wait for a treatment plan.")
    patient.get_by_role("button", name="I understand, continue with my request").click()
    reference = reference_of(patient)
    expect(patient.get_by_role("alert")).to_contain_text("Go to an emergency department now")
    form = patient.locator("#request-form")
    form.get_by_role("group", name="What would you like?").get_by_role("radio", name="A treatment plan").check()
    tick_a_treatment(patient, form.get_by_role("group", name="Which treatments would you like to ask about?")
                     .get_by_role("checkbox", name=MILD))
    form.get_by_role("group", name="Hospitals to send your request to").get_by_role(
        "checkbox", name="Bosphorus Spine, Istanbul (Türkiye)").check()
    form.get_by_role("checkbox", name=re.compile(r"^I agree that spinepath.s coordinators")).check()
    form.get_by_role("button", name="Send my request").click()
    expect(patient.get_by_role("status")).to_contain_text("Your request has been sent.")

    # The coordinator: the emergency is the first row, marked, and stands out from the routine one.
    coordinator = new_page()
    sign_in(coordinator, base, world.coordinator)
    rows = coordinator.get_by_role("table").first.get_by_role("row")
    expect(rows).to_have_count(3)  # the header and two requests
    first, second = rows.nth(1), rows.nth(2)
    expect(first.get_by_role("link")).to_have_text(reference)
    expect(first).to_contain_text("EMERGENCY")
    expect(first).to_contain_text("patient not yet told to seek care")
    expect(second.get_by_role("link")).to_have_text(routine.reference)
    expect(second).to_contain_text("Not urgent")
    background = "r => getComputedStyle(r).backgroundColor"
    assert first.evaluate(background) not in ("rgba(0, 0, 0, 0)", "transparent", second.evaluate(background)), \
        "the emergency row does not stand out from the routine one"
    screenshot(coordinator, "console-queue-emergency")

    first.get_by_role("link", name=reference).click()
    prompt = coordinator.get_by_role("alert").filter(has_text=EMERGENCY_PROMPT)
    expect(prompt).to_contain_text("Not sent to the patient yet.")
    assert prompt.bounding_box()["y"] < coordinator.get_by_role("region", name="Send to hospitals").bounding_box()["y"]
    screenshot(coordinator, "console-emergency-request")
    prompt.get_by_role("button", name="Tell the patient to seek care now").click()
    expect(coordinator.get_by_role("status")).to_contain_text("The patient has been told to seek care now.")
    expect(coordinator.get_by_role("alert").filter(has_text=EMERGENCY_PROMPT)).to_contain_text(
        "Already sent to the patient on")
    coordinator.get_by_role("link", name="Back to the queue").click()
    expect(coordinator.get_by_role("row").filter(has_text=reference)).not_to_contain_text(
        "patient not yet told to seek care")

    # The patient: told in the header, and the message on the request's page.
    patient.goto(base + "/en/")
    patient.get_by_role("navigation", name="Your account").get_by_role(
        "link", name=re.compile(r"^Notifications \(\d+ unread\)")).click()
    patient.get_by_role("link", name=f"New message about your request {reference}.").click()
    expect(patient.get_by_role("heading", level=1)).to_have_text(f"Your request {reference}")
    expect(patient.get_by_role("region", name="Messages")).to_contain_text(SEEK_CARE_MESSAGE)
    expect(patient.get_by_role("main")).to_contain_text("Coordinator told the patient to seek care now")
    screenshot(patient, "request-told-to-seek-care")


# ---- 4. on a phone, by keyboard alone -------------------------------------------------------------------------------

def test_on_a_phone_the_request_is_sent_by_keyboard_alone_and_its_pages_fit(live_server, phone, world, screenshot):
    base = live_server.url
    draft = draft_request(world.patient, world.organisation, "05")  # a microdiscectomy candidate
    sign_in(phone, base, world.patient)
    expect(phone.get_by_role("heading", level=1)).to_have_text("My requests")
    phone.get_by_role("link", name=draft.reference).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Your request {draft.reference}")
    assert_no_sideways_scroll(phone)
    screenshot(phone, "request-form")

    form = phone.locator("#request-form")
    expect(form.get_by_role("checkbox", name=KB.procedure("microdiscectomy").name)).to_be_checked()
    answer_by_keyboard(phone, form, "What would you like?", "A treatment plan")
    for box in (form.get_by_role("checkbox", name="Bosphorus Spine, Istanbul (Türkiye)"),
                form.get_by_role("checkbox", name=re.compile(r"^I agree that spinepath.s coordinators"))):
        tab_to(phone, box)
        assert has_visible_focus(phone), "the focused box shows no focus outline"
        phone.keyboard.press("Space")
        expect(box).to_be_checked()
    send = form.get_by_role("button", name="Send my request")
    tab_to(phone, send)
    assert has_visible_focus(phone), "the focused Send button shows no focus outline"
    assert_usable(send, min_size=44)
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Your request {draft.reference}")
    expect(phone.get_by_role("status")).to_contain_text("Your request has been sent.")
    expect(phone.locator(".care-facts").first).to_contain_text("Submitted")
    expect(phone.get_by_role("main")).to_contain_text("Consent given to share with Bosphorus Spine")
    assert_no_sideways_scroll(phone)

    # A plan arrives (as the console and the review page make it); the side-by-side table on a phone.
    draft.refresh_from_db()
    (routing,) = workflow.route(draft, [world.istanbul], world.coordinator.user)
    workflow.respond(routing, world.surgeon.user, "plan", {
        "procedure_id": "microdiscectomy", "levels": ["L5-S1"], "anaesthesia": "general",
        "expected_stay_nights": 2, "cost_min": Decimal("6500"), "cost_max": Decimal("8000"), "currency": "EUR",
        "earliest_date": datetime.date.today() + datetime.timedelta(days=21),
        "valid_until": datetime.date.today() + datetime.timedelta(days=60), "notes": ""})
    phone.reload()
    plans = phone.get_by_role("table", name="The latest plan from each hospital")
    expect(plans.get_by_role("row", name=re.compile("^Estimated cost"))).to_contain_text("6500.00–8000.00 EUR")
    assert_no_sideways_scroll(phone)
    scroller = phone.get_by_role("region", name="The latest plan from each hospital")
    assert scroller.evaluate("e => e.clientWidth") <= 360
    accept = plans.get_by_role("link", name=re.compile("Accept this plan"))
    accept.scroll_into_view_if_needed()
    screenshot(phone, "request-plans")
    accept.focus()
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Accept the plan from Bosphorus Spine?")
    assert_no_sideways_scroll(phone)
    assert_usable(phone.get_by_role("button", name="Yes, accept this plan"), min_size=44)
    screenshot(phone, "request-accept")


def test_a_hospital_ticked_while_the_list_is_reloading_stays_ticked(live_server, page, world):
    """The hospital list is rebuilt when a treatment or place changes; on a slow connection the person may tick a
    hospital before the new list arrives. Their tick must survive the swap (it used to be silently dropped)."""
    draft = draft_request(world.patient, world.organisation, "05")  # microdiscectomy: both hospitals offer it
    sign_in(page, live_server.url, world.patient)
    page.goto(f"{live_server.url}/en/requests/{draft.reference}/edit/")
    form = page.locator("#request-form")
    istanbul = form.get_by_role("checkbox", name="Bosphorus Spine, Istanbul (Türkiye)")
    expect(istanbul).not_to_be_checked()

    held: list = []
    page.route("**/edit/hospitals/**", lambda route: held.append(route))  # the list's answer is held back
    form.get_by_role("checkbox", name=KB.procedure("mis_decompression").name).check()
    page.wait_for_function("() => document.querySelector('.htmx-request') !== null")
    istanbul.check()  # ticked while the reload is on its way
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    expect(form.get_by_role("checkbox", name="Bosphorus Spine, Istanbul (Türkiye)")).to_be_checked()
