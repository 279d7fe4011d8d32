"""The admin's front page says which outcome questionnaires are offered, why the licensed ones are not, and which are
scored only (the pain VAS and the EQ-5D-5L, whose item text needs a EuroQol licence)."""

from __future__ import annotations

from django.test import Client


def test_the_admin_front_page_lists_the_questionnaires_that_are_not_offered_and_why(admin_client: Client) -> None:
    page = admin_client.get("/admin/").content.decode()
    section = page[page.index('id="outcome-questionnaires"'):]
    section = section[: section.index("</div>")]
    offered, withheld = section.split("<strong>Not offered</strong>")
    assert "STarT Back" in offered
    for name in ("Oswestry", "Zurich Claudication", "Core Outcome Measures Index", "PROMIS-29", "Roland-Morris"):
        assert name in withheld and name not in offered
    assert "SPINEPATH_INSTRUMENT_TEXT_DIR" in withheld


def test_the_admin_front_page_lists_the_instruments_scored_only_and_why(admin_client: Client) -> None:
    page = admin_client.get("/admin/").content.decode()
    section = page[page.index('id="outcome-questionnaires"'):]
    section = section[: section.index("</div>")]
    offered, rest = section.split("<strong>Not offered</strong>")
    withheld, scoring_only = rest.split("<strong>Scoring only</strong>")
    for name in ("EQ-5D-5L", "visual analogue scale"):
        assert name not in offered and name not in withheld and name in scoring_only
    assert "EuroQol Research Foundation" in scoring_only and "100 mm line" in scoring_only
