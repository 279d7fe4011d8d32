"""The cohort page and its CSV against a table computed by hand: leg pain (NRS 0-10) and its MCID (Ostelo 2008:
an improvement of 2 points or 30% of the baseline), microdiscectomy at two hospitals, at 3 and 12 months."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from spinepath.core.outcomes import instrument
from spinepath.web.audit.models import AuditEvent
from spinepath.web.outcomes import recovery
from spinepath.web.outcomes.models import ProcedureRecord, RecordedBy

from .conftest import OPERATION_DAY, accepted_request, client_for

pytestmark = pytest.mark.django_db

# hospital, leg pain before, at 3 months, at 12 months (None: not answered)
PATIENTS = [
    ("istanbul", 8, 3, 2),  # P1: -5 reached; -6 reached
    ("istanbul", 6, 5, 3),  # P2: -1 (17%) not reached; -3 reached
    ("istanbul", 5, None, 4),  # P3: unknown; -1 (20%) not reached
    ("ankara", 7, 5, None),  # P4: -2 reached; unknown
    ("ankara", 3, 2, 3),  # P5: -1 but 33% reached; 0 not reached
]

# Wilson 95% (z = 1.959964, z² = 3.841459):  centre = (p + z²/2n)/(1 + z²/n),  half = z/(1 + z²/n)·√(p(1-p)/n + z²/4n²)
#   1/2: centre 0.5, half 0.671054·√(0.125 + 0.240091) = 0.405470        → 0.095 – 0.905
#   2/3: centre 1.306910/2.280486 = 0.573084, half 0.859452·0.425183     → 0.208 – 0.939
#   2/2: centre 1.960365/2.920729 = 0.671202, half 0.671054·0.489991     → 0.342 – 1.000
#   0/1: centre 1.920730/4.841459 = 0.396725, half 0.404829·0.979982     → 0.000 – 0.793
#   3/4: centre 1.230182/1.960365 = 0.627528, half 0.999795·0.326952     → 0.301 – 0.954
#   2/4: centre 0.5, half 0.999795·0.350033                              → 0.150 – 0.850
EXPECTED = [
    # procedure, hospital, timepoint, patients, reached, not reached, unknown, share, low, high
    ("microdiscectomy", "all hospitals", "month_3", 5, 3, 1, 1, 0.750, 0.301, 0.954),
    ("microdiscectomy", "all hospitals", "month_12", 5, 2, 2, 1, 0.500, 0.150, 0.850),
    ("microdiscectomy", "Ankara Omurga", "month_3", 2, 2, 0, 0, 1.000, 0.342, 1.000),
    ("microdiscectomy", "Ankara Omurga", "month_12", 2, 0, 1, 1, 0.000, 0.000, 0.793),
    ("microdiscectomy", "Bosphorus Spine", "month_3", 3, 1, 1, 1, 0.500, 0.095, 0.905),
    ("microdiscectomy", "Bosphorus Spine", "month_12", 3, 2, 1, 0, 0.667, 0.208, 0.939),
]


@pytest.fixture
def cohort(make_patient: Any, world: dict[str, Any], move_to: Any) -> None:
    leg = instrument("nrs_leg_pain")
    for hospital, before, month_3, month_12 in PATIENTS:
        patient = make_patient()
        request_obj = accepted_request(patient, world, hospital=hospital)
        ProcedureRecord.objects.create(patient=patient, request=request_obj, procedure_id="microdiscectomy",
                                       hospital=world[hospital], procedure_date=OPERATION_DAY,
                                       recorded_by=RecordedBy.SURGEON)
        for timepoint, value in (("baseline", before), ("month_3", month_3), ("month_12", month_12)):
            if value is not None:
                recovery.save_answers(patient, leg, {"pain": value}, timepoint=timepoint, request_obj=request_obj)


def _rows(text: str) -> list[tuple[Any, ...]]:
    return [(r["procedure"], r["hospital"], r["timepoint"], int(r["patients"]), int(r["reached"]),
             int(r["not_reached"]), int(r["unknown"]), float(r["share"]), float(r["ci95_low"]),
             float(r["ci95_high"])) for r in csv.DictReader(io.StringIO(text))]


def test_cohort_csv_matches_the_hand_computed_table(cohort: None, world: dict[str, Any]) -> None:
    response = client_for(world["coordinator"]).get("/en/outcomes/staff/cohort.csv?measure=nrs_leg_pain:ostelo_mic")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    got = _rows(response.content.decode())
    assert [row[:7] for row in got] == [row[:7] for row in EXPECTED]
    for found, expected in zip(got, EXPECTED, strict=True):
        assert found[7:] == pytest.approx(expected[7:], abs=0.0011), found[:3]
    assert AuditEvent.objects.filter(action="export", object_type="cohort").count() == 1


def test_cohort_page_shows_the_same_figures(cohort: None, world: dict[str, Any]) -> None:
    page = client_for(world["coordinator"]).get("/en/outcomes/staff/cohort/").content.decode()
    assert "0.750" in page and "0.301–0.954" in page and "0.667" in page and "0.208–0.939" in page


def test_a_surgeon_sees_only_their_hospitals_operations(cohort: None, world: dict[str, Any]) -> None:
    got = _rows(client_for(world["surgeon"]).get("/en/outcomes/staff/cohort.csv").content.decode())
    assert {row[1] for row in got} == {"all hospitals", "Bosphorus Spine"}
    assert [row[3] for row in got] == [3, 3, 3, 3]


def test_a_patient_may_not_see_the_cohort(cohort: None, make_patient: Any) -> None:
    assert client_for(make_patient()).get("/en/outcomes/staff/cohort.csv").status_code == 403
