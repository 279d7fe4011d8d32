"""Fixtures for the patient's side of treatment-plan requests: a partner directory, patients with a finished
self-check in their session, private storage in a temporary folder, and background tasks run at once.

Everything is real: PostgreSQL (tests/conftest.py), Django's test client with real sessions, real DICOM files from
pydicom's test data, real files on disk.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from pydicom.data import get_testdata_file

from spinepath.web.accounts.models import Role
from spinepath.web.care.models import TreatmentRequest, private_storage
from spinepath.web.hospitals.models import Hospital, HospitalProcedure, Organisation

EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "examples" / "intake"
PASSWORD = "a long enough pass phrase 42"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def example(name: str) -> dict[str, Any]:
    return json.loads(next(EXAMPLES.glob(f"{name}*.json")).read_text())


def dicom_bytes(name: str) -> bytes:
    return Path(get_testdata_file(name)).read_bytes()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload_file(name: str, data: bytes) -> io.BytesIO:
    """A file for the test client's multipart body (it uses the ``name`` attribute as the file name)."""
    stream = io.BytesIO(data)
    stream.name = name
    return stream


@pytest.fixture(autouse=True)
def private_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Private storage in a folder of this test's own (the storage object is shared with the models' fields)."""
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
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def directory(db: None) -> dict[str, Any]:
    """One organisation with three partner hospitals (one inactive) in two countries."""
    organisation = Organisation.objects.create(name="Spine Partners", slug="spine-partners")

    def hospital(slug: str, name: str, city: str, country: str, code: str, procedures: list[str],
                 active: bool = True) -> Hospital:
        made = Hospital.objects.create(organisation=organisation, name=name, slug=slug, city=city, country=country,
                                       country_code=code, is_active=active)
        for procedure_id in procedures:
            HospitalProcedure.objects.create(hospital=made, procedure_id=procedure_id)
        return made

    return {
        "organisation": organisation,
        "istanbul": hospital("ist", "Bosphorus Spine", "Istanbul", "Türkiye", "TR", ["mild", "mis_decompression"]),
        "ankara": hospital("ank", "Ankara Omurga", "Ankara", "Türkiye", "TR", ["microdiscectomy", "mis_tlif"]),
        "delhi": hospital("del", "Delhi Spine Centre", "Delhi", "India", "IN", ["mild", "microdiscectomy"]),
        "closed": hospital("old", "Closed Clinic", "Istanbul", "Türkiye", "TR", ["mild"], active=False),
    }


@pytest.fixture
def make_patient(db: None) -> Callable[..., Any]:
    def make(email: str = "patient@example.org", *, verified: bool = True) -> Any:
        user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
        profile = user.profile
        profile.role = Role.PATIENT
        profile.email_verified_at = timezone.now() if verified else None
        profile.save()
        return user

    return make


def with_assessment(client: Client, intake: dict[str, Any]) -> None:
    """Put a finished self-check in the client's session, as the wizard leaves it."""
    session = client.session
    session["selfcheck"] = {"answers": {}, "intake": intake, "finished": True, "drafts": {}, "acknowledged": []}
    session.save()


@pytest.fixture
def patient_client(make_patient: Callable[..., Any], directory: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(make_patient())
    with_assessment(client, example("06"))
    return client


def start_request(client: Client) -> TreatmentRequest:
    response = client.post("/en/requests/new/")
    assert response.status_code == 302, response.content[:500]
    return TreatmentRequest.objects.get(reference=response["Location"].rstrip("/").split("/")[-2])


def future(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def form_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid request form (the hospitals and consent as a patient would tick them)."""
    data: dict[str, Any] = {"kind": "treatment_plan", "procedures": ["mild"], "countries": [], "cities": [],
                            "earliest_date": future(30), "latest_date": future(90), "note": "Evenings are better.",
                            "action": "save"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def send_request(client: Client, hospitals: list[Hospital]) -> TreatmentRequest:
    """Start a request from the client's self-check and send it to ``hospitals``."""
    request_obj = start_request(client)
    response = client.post(f"/en/requests/{request_obj.reference}/edit/",
                           form_data(hospitals=[str(h.pk) for h in hospitals], consent="on", action="send"))
    assert response.status_code == 302, response.content.decode()[:2000]
    request_obj.refresh_from_db()
    return request_obj


@pytest.fixture
def staff(directory: dict[str, Any]) -> dict[str, Any]:
    """A coordinator of the organisation and a surgeon at each of two hospitals."""
    users = get_user_model().objects

    def member(email: str, role: str, **links: Any) -> Any:
        user = users.create_user(username=email, email=email, password=PASSWORD)
        profile = user.profile
        profile.role = role
        for name, value in links.items():
            setattr(profile, name, value)
        profile.email_verified_at = timezone.now()
        profile.save()
        return user

    return {
        "coordinator": member("coordinator@example.org", Role.COORDINATOR, organisation=directory["organisation"]),
        "istanbul": member("surgeon.ist@example.org", Role.SURGEON, hospital=directory["istanbul"]),
        "delhi": member("surgeon.del@example.org", Role.SURGEON, hospital=directory["delhi"]),
    }


def plan_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "procedure_id": "mild", "levels": ["L4-L5"], "anaesthesia": "local_sedation", "expected_stay_nights": 1,
        "cost_min": Decimal("4000"), "cost_max": Decimal("5500"), "currency": "EUR",
        "earliest_date": timezone.localdate() + datetime.timedelta(days=20),
        "valid_until": timezone.localdate() + datetime.timedelta(days=60), "notes": "Same-day discharge is common.",
    }
    fields.update(overrides)
    return fields
