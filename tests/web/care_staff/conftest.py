"""Fixtures of the staff-side tests: the world described in care_staff_world.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from care_staff_world import World, add_imaging, example_intake, make_hospital, make_user

from spinepath.core import assess, parse_intake
from spinepath.web.accounts.models import Role
from spinepath.web.care import workflow
from spinepath.web.care.models import ImagingFile, RequestKind, TreatmentRequest
from spinepath.web.hospitals.models import Hospital, Organisation


@pytest.fixture
def private_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The models' private storage, pointed at a folder of this test's own. (The file fields hold the storage
    object they were given when the models were loaded, so it is that object that is moved, not the setting.)"""
    storage = ImagingFile._meta.get_field("original").storage
    location = tmp_path / "private"
    monkeypatch.setattr(storage, "_location", str(location))
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
    yield location
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)


@pytest.fixture
def make_request(db: None) -> Callable[..., TreatmentRequest]:
    """A submitted request of ``patient`` to ``organisation``, made from an example intake, with consent."""

    def make(patient: Any, organisation: Organisation, consented: list[Hospital], *, example: str = "05",
             procedures: tuple[str, ...] = ("microdiscectomy",), share_reports: bool = False,
             countries: tuple[str, ...] = ("TR",)) -> TreatmentRequest:
        intake = example_intake(example)
        assessment = assess(parse_intake(json.dumps(intake))).to_dict()
        request_obj = TreatmentRequest.objects.create(
            patient=patient, organisation=organisation, kind=RequestKind.TREATMENT_PLAN, intake=intake,
            assessment=assessment, urgency=str(assessment["urgency"]),
            ruleset_version=str(assessment["ruleset_version"]), procedures=list(procedures),
            countries=list(countries), language="en")
        if consented:
            workflow.give_consent(request_obj, patient, consented, share_reports_as_is=share_reports)
        if consented:
            workflow.submit(request_obj, patient)
        else:  # a request that somehow has no consent (the queue flags it); submit would refuse
            TreatmentRequest.objects.filter(pk=request_obj.pk).update(status="submitted")
        request_obj.refresh_from_db()
        return request_obj

    return make


@pytest.fixture
def world(db: None, private_storage: Path, make_request: Callable[..., TreatmentRequest]) -> World:
    organisation = Organisation.objects.create(name="Org A", slug="org-a")
    other_organisation = Organisation.objects.create(name="Org B", slug="org-b")
    hospitals = {
        "routed": make_hospital(organisation, "routed", ("microdiscectomy", "mis_tlif")),
        "other": make_hospital(organisation, "other", ("microdiscectomy",), city="Ankara"),
        "spare": make_hospital(organisation, "spare", ("microdiscectomy", "endoscopic_discectomy"), city="Izmir"),
        "no-procedure": make_hospital(organisation, "no-procedure", ("mild",)),
        "no-consent": make_hospital(organisation, "no-consent", ("microdiscectomy",)),
        "elsewhere": make_hospital(other_organisation, "elsewhere", ("microdiscectomy",)),
    }
    users = {
        "patient_owner": make_user("owner", Role.PATIENT),
        "other_patient": make_user("other-patient", Role.PATIENT),
        "coordinator": make_user("coordinator", Role.COORDINATOR, organisation=organisation),
        "other_coordinator": make_user("other-coordinator", Role.COORDINATOR, organisation=other_organisation),
        "surgeon_routed": make_user("surgeon-routed", Role.SURGEON, hospital=hospitals["routed"]),
        "surgeon_other": make_user("surgeon-other", Role.SURGEON, hospital=hospitals["other"]),
        "admin": make_user("admin", Role.ADMIN),
    }
    consented = [hospitals[slug] for slug in ("routed", "other", "spare", "no-procedure")]
    request_obj = make_request(users["patient_owner"], organisation, consented)
    workflow.route(request_obj, [hospitals["routed"]], users["coordinator"])
    dicom, report = add_imaging(request_obj)
    request_obj.refresh_from_db()
    return World(organisation, other_organisation, hospitals, users, request_obj, dicom, report)
