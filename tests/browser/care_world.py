"""The people and places of the treatment-plan request tests in the browser, made with the ORM, and how each of
them signs in (through the real sign-in page, by the words on it).

    organisation "Anatolia Spine Network"
      hospital "Bosphorus Spine" (Istanbul, TR): MILD and microdiscectomy; surgeon ``surgeon``
      hospital "Ankara Omurga"   (Ankara, TR):   microdiscectomy, MIS decompression, MIS-TLIF; surgeon ``other_surgeon``
    coordinator ``coordinator`` of the organisation; patients ``patient`` (Peter Doe) and ``other_patient``

A real DICOM study comes from pydicom's own test data: an MR study of three series whose patient is "Doe^Peter",
zipped under a file name that carries his name, as a CD export often does.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pydicom
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from playwright.sync_api import Page, expect
from pydicom.data import get_testdata_file

from spinepath.core import RULESET_VERSION, assess, parse_intake
from spinepath.web.accounts.models import Role
from spinepath.web.care.models import TreatmentRequest
from spinepath.web.hospitals.models import Hospital, HospitalProcedure, Organisation

PASSWORD = "correct horse battery staple 42"
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples" / "intake"


# ---- the directory and the people ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    user: Any
    email: str


@dataclass(frozen=True)
class World:
    organisation: Organisation
    istanbul: Hospital
    ankara: Hospital
    patient: Person
    other_patient: Person
    coordinator: Person
    surgeon: Person  # at Bosphorus Spine, Istanbul
    other_surgeon: Person  # at Ankara Omurga


def _hospital(organisation: Organisation, slug: str, name: str, city: str, procedures: list[str]) -> Hospital:
    hospital = Hospital.objects.create(organisation=organisation, name=name, slug=slug, city=city, country="Türkiye",
                                       country_code="TR", languages=["en", "tr"])
    HospitalProcedure.objects.bulk_create(HospitalProcedure(hospital=hospital, procedure_id=p) for p in procedures)
    return hospital


@cache
def _password_hash() -> str:
    """The hash of PASSWORD, made once: the site's own hasher (Argon2) is slow on purpose, and six users a test
    would cost seconds. Signing in still checks the password against it the usual way."""
    return make_password(PASSWORD)


def _person(email: str, role: str, *, first_name: str = "", last_name: str = "", **profile: Any) -> Person:
    user = get_user_model()(username=email, email=email, password=_password_hash(), first_name=first_name,
                            last_name=last_name)
    user.save()
    user.profile.role = role  # the signal made every new user a patient
    user.profile.email_verified_at = timezone.now()
    for name, value in profile.items():
        setattr(user.profile, name, value)
    user.profile.save()
    return Person(user, email)


def make_world() -> World:
    organisation = Organisation.objects.create(name="Anatolia Spine Network", slug="anatolia",
                                               contact_email="care@anatolia.example")
    istanbul = _hospital(organisation, "bosphorus", "Bosphorus Spine", "Istanbul", ["mild", "microdiscectomy"])
    ankara = _hospital(organisation, "ankara-omurga", "Ankara Omurga", "Ankara",
                       ["microdiscectomy", "mis_decompression", "mis_tlif"])
    return World(
        organisation=organisation, istanbul=istanbul, ankara=ankara,
        patient=_person("peter.doe@example.org", Role.PATIENT, first_name="Peter", last_name="Doe"),
        other_patient=_person("ayse.yilmaz@example.org", Role.PATIENT, first_name="Ayşe", last_name="Yılmaz"),
        coordinator=_person("coordinator@anatolia.example", Role.COORDINATOR, organisation=organisation,
                            display_name="Selin (coordinator)"),
        surgeon=_person("dr.kaya@bosphorus.example", Role.SURGEON, hospital=istanbul),
        other_surgeon=_person("dr.demir@ankara.example", Role.SURGEON, hospital=ankara),
    )


def draft_request(patient: Person, organisation: Organisation, example: str) -> TreatmentRequest:
    """A draft made from one of shared/examples/intake, as the "Start my request" button makes it."""
    intake = parse_intake(json.loads(next(EXAMPLES.glob(f"{example}*.json")).read_text(encoding="utf-8")))
    assessment = assess(intake)
    return TreatmentRequest.objects.create(
        patient=patient.user, organisation=organisation,
        intake=intake.model_dump(mode="json", by_alias=True, exclude_none=True), assessment=assessment.to_dict(),
        ruleset_version=assessment.ruleset_version or RULESET_VERSION, urgency=assessment.urgency,
        procedures=[p.procedure for p in assessment.procedures if p.status in ("candidate", "possible")],
        language="en")


# ---- a real study ---------------------------------------------------------------------------------------------------

PATIENT_NAME_IN_DICOM = "Doe^Peter"
STUDY_FILE_NAME = "Peter Doe - lumbar MRI CD.zip"


def mr_study_dir() -> Path:
    """pydicom's small real MR study: three series (MR1, MR2, MR700), 17 images, patient "Doe^Peter"."""
    return Path(str(get_testdata_file("MR_small.dcm"))).parent / "dicomdirtests" / "98892003"


def mr_study_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in mr_study_dir().rglob("*") if p.is_file()):
            archive.writestr(f"DICOM/{path.parent.name}/{path.name}", path.read_bytes())
    return buffer.getvalue()


def mr_study_counts() -> tuple[int, int]:
    """(series, images) of the study, read here with pydicom, independently of the product's summary."""
    series = set()
    images = 0
    for path in (p for p in mr_study_dir().rglob("*") if p.is_file()):
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
        assert str(dataset.PatientName) == PATIENT_NAME_IN_DICOM
        series.add(dataset.SeriesInstanceUID)
        images += int(dataset.get("NumberOfFrames", 1) or 1)
    return len(series), images


# ---- signing in -----------------------------------------------------------------------------------------------------

def fill_sign_in(page: Page, person: Person) -> None:
    """On the sign-in page: type the e-mail address and password and press Sign in."""
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Sign in")
    main.get_by_label("E-mail address").fill(person.email)
    main.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        main.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


def sign_in(page: Page, base_url: str, person: Person) -> None:
    """Open the sign-in page from the header's link, sign in, and land on the role's start page."""
    page.goto(base_url + "/en/")
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Sign in").click()
    fill_sign_in(page, person)
    expect(page.get_by_role("navigation", name="Your account").get_by_role("button", name="Sign out")).to_be_visible()
