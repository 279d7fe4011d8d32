"""The education pages and the decision aid, read against the knowledge base they are generated from."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from spinepath.core.knowledge import Fact, Risk, load_knowledge
from spinepath.web.pages.decision import highest_rated, sure_score

KB = load_knowledge()
LANGUAGES = ("en", "tr")
DISCLAIMER = "spinepath supports a clinician's decision and never replaces one"
SEVEN_IN_ORDER = ("conservative_care", "mild", "microdiscectomy", "endoscopic_discectomy", "mis_decompression",
                  "mis_tlif", "open_surgery")
TALK_MORE = "You may want to talk more with your doctor before deciding."

EVERY_PAGE = [
    "/en/", "/en/conditions/", "/en/procedures/", "/en/procedures/compare/", "/en/procedures/compare/?view=cards",
    "/en/decide/", "/en/decide/?fast_leg_pain_relief=5&sure=yes&show=1", "/en/sources/",
    *(f"/en/conditions/{c}/" for c in KB.conditions),
    *(f"/en/procedures/{p}/" for p in KB.procedures),
]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def evidence_in(procedure) -> list[Fact | Risk]:
    items: list[Fact | Risk | None] = [
        *procedure.who_it_suits, procedure.anaesthesia, procedure.typical_duration, procedure.incision,
        procedure.setting_and_stay, procedure.return_to_activity, procedure.return_to_work, *procedure.benefits,
        *procedure.risks]
    for variant in procedure.variants:
        items += [*variant.facts, *variant.risks]
    return [item for item in items if item is not None]


# ---- every condition and procedure has a page, in every language -------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("kind", "item_id", "name"), [
    *(("conditions", c.id, c.name) for c in KB.conditions.values()),
    *(("procedures", p.id, p.name) for p in KB.procedures.values()),
], ids=lambda v: v if isinstance(v, str) and " " not in v else "")
def test_every_condition_and_procedure_has_a_page_showing_its_name(client, lang, kind, item_id, name):
    with translation.override(lang):
        shown = gettext(name)  # the Turkish page shows the Turkish name
    assert f"<h1>{escape(shown)}</h1>" in page(client, f"/{lang}/{kind}/{item_id}/")


@pytest.mark.parametrize("url", ["/en/procedures/laser_discectomy/", "/en/conditions/sciatic/",
                                 "/tr/procedures/MILD/"], ids=["unknown-procedure", "unknown-condition",
                                                               "ids-are-case-sensitive"])
def test_an_unknown_id_is_not_found(client, url):
    assert client.get(url).status_code == 404


# ---- procedure pages: every fact with its sources, weak facts flagged, gaps said ---------------------------

def test_mild_page_shows_the_adverse_event_rate_with_its_source(client):
    html = page(client, "/en/procedures/mild/")
    row = re.search(r"<tr><th scope=\"row\">Device- or procedure-related adverse events</th>(.*?)</tr>", html, re.S)
    assert row is not None
    assert "1.3% at 2 years" in row.group(1)
    assert 'href="/en/sources/#midas-encore-2yr"' in row.group(1)


@pytest.mark.parametrize("procedure", KB.procedures.values(), ids=lambda p: p.id)
def test_every_fact_shows_its_sources_and_every_weak_fact_its_flag(client, procedure):
    html = page(client, f"/en/procedures/{procedure.id}/")
    for item in evidence_in(procedure):
        for source_id in item.sources:
            assert f'href="/en/sources/#{source_id}"' in html
        if item.flag:
            assert f'<span class="weak-flag"><strong>Weaker evidence:</strong> {escape(item.flag)}</span>' in html


def test_weak_facts_are_flagged_on_the_mild_page(client):
    assert KB.procedure("mild").anaesthesia.flag  # practice pages only: the page must say so
    assert page(client, "/en/procedures/mild/").count('class="weak-flag"') >= 6


def test_microdiscectomy_page_shows_the_tubular_variant(client):
    html = page(client, "/en/procedures/microdiscectomy/")
    assert "<h3" in html and ">Tubular discectomy</h3>" in html
    assert "15% vs 10% within 2 years (tubular vs conventional; P=.22)" in html
    assert "Type of anaesthesia for tubular discectomy: not sourced." in html


def test_mis_tlif_anaesthesia_is_not_known_and_says_why(client):
    html = page(client, "/en/procedures/mis_tlif/")
    assert re.search(r"<dt>Anaesthesia</dt><dd><p class=\"not-known\">Not known.</p>\s*</dd>", html)
    assert "<strong>Not known:</strong> Type of anaesthesia for MIS-TLIF: not sourced." in html


@pytest.mark.parametrize("procedure", KB.procedures.values(), ids=lambda p: p.id)
def test_alternatives_include_non_surgical_care_first(client, procedure):
    html = page(client, f"/en/procedures/{procedure.id}/")
    alternatives = html.split('id="alternatives"', 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'href="/en/procedures/([a-z_]+)/"', alternatives)
    if procedure.id != "conservative_care":
        assert links[0] == "conservative_care"
    assert set(procedure.alternatives) <= set(links)


def test_condition_page_links_its_treatments_and_says_what_is_not_known(client):
    html = page(client, "/en/conditions/degenerative_spondylolisthesis/")
    for procedure_id in KB.condition("degenerative_spondylolisthesis").treatment_options:
        assert f'href="/en/procedures/{procedure_id}/"' in html
    assert "<strong>Not known:</strong> Symptoms of a slip on its own" in html
    assert '<p class="not-known">Not known.</p>' in html  # it lists no symptoms of its own


# ---- compare ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/en/procedures/compare/", "/en/procedures/compare/?view=cards"],
                         ids=["table", "cards"])
def test_compare_lists_all_seven_options_in_order_with_conservative_care_first(client, url):
    html = page(client, url)
    linked = re.findall(r'<a href="/en/procedures/([a-z_]+)/">', html.split("<main", 1)[1])
    options = [procedure_id for procedure_id in dict.fromkeys(linked) if procedure_id != "compare"]
    assert tuple(options) == SEVEN_IN_ORDER


def test_compare_table_scrolls_on_a_phone_and_can_be_reached_by_keyboard(client):
    html = page(client, "/en/procedures/compare/")
    assert '<div class="table-scroll" tabindex="0" role="region" aria-labelledby="compare-caption">' in html
    assert '<caption id="compare-caption">' in html
    assert html.count('<th scope="col">') == 8 and html.count('<th scope="row">') == 8
    assert "Not known." in html  # e.g. conservative care has no anaesthesia


# ---- the decision aid -------------------------------------------------------------------------------------

def test_decide_page_names_the_decision_the_options_and_cites_sure_and_ipdas(client):
    html = page(client, "/en/decide/")
    linked = re.findall(r'<a href="/en/procedures/([a-z_]+)/">', html.split('id="step-decision"', 1)[1])
    assert tuple(linked[:7]) == SEVEN_IN_ORDER
    assert "What matters most to you" in html
    assert "Légaré F, Kearing S, Clay K, et al." in html and "Can Fam Physician 2010;56:e308-14" in html
    assert "International Patient Decision Aid Standards" in html
    assert '<form method="get"' in html


def test_decide_results_show_the_facts_for_what_was_rated_highest_and_recommend_nothing(client):
    html = page(client, "/en/decide/?options=mild&options=microdiscectomy&avoid_general_anaesthesia=5"
                        "&short_recovery=2&show=1")
    assert "Avoiding a general anaesthetic" in html
    assert escape(KB.procedure("mild").anaesthesia.text) in html
    assert escape(KB.procedure("microdiscectomy").anaesthesia.text) in html
    assert "The shortest recovery and time off work" not in html  # rated lower: not shown as a priority
    assert 'href="/en/procedures/open_surgery/"' not in html.split("<main", 1)[1]  # not picked
    assert "recommend" not in html.lower()


def test_decide_results_without_options_picked_show_all_seven(client):
    html = page(client, "/en/decide/?no_further_operation=4&show=1")
    priority = html.split('id="priority-no_further_operation"', 1)[1].split('id="benefits-harms-heading"', 1)[0]
    linked = re.findall(r'<a href="/en/procedures/([a-z_]+)/">', priority)
    assert tuple(linked) == SEVEN_IN_ORDER
    assert "Revision discectomy 5.1–7.9%" in priority  # a further operation...
    assert "12.5% (any complication, open discectomy)" not in priority  # ...not a complication


@pytest.mark.parametrize(("answers", "score", "talk_more"), [
    (("yes", "yes", "yes", "yes"), 4, False),
    (("yes", "yes", "yes", "no"), 3, True),
    (("no", "no", "no", "no"), 0, True),
], ids=["4-no-conflict", "3-decisional-conflict", "0-decisional-conflict"])
def test_sure_score_below_4_suggests_talking_more_with_the_doctor(client, answers, score, talk_more):
    query = "&".join(f"{key}={answer}" for key, answer in
                     zip(("sure", "understand", "risk_benefit", "encouragement"), answers, strict=True))
    html = page(client, f"/en/decide/?{query}&show=1")
    assert f"Your SURE score: {score} out of 4." in html
    assert (TALK_MORE in html) is talk_more


def test_sure_score_needs_all_four_answers():
    assert sure_score({"sure": "yes", "understand": "yes", "risk_benefit": "yes"}) is None
    assert sure_score({"sure": "yes", "understand": "no", "risk_benefit": "yes", "encouragement": "yes"}) == 3


@pytest.mark.parametrize(("ratings", "top"), [
    ({}, []),
    ({"avoid_operation": 3, "short_recovery": 5, "few_complications": 5}, ["short_recovery", "few_complications"]),
    ({"avoid_operation": 1, "short_recovery": None}, ["avoid_operation"]),
], ids=["nothing-rated", "ties-all-shown", "lowest-is-highest-if-alone"])
def test_highest_rated_values(ratings, top):
    assert [value.key for value, _ in highest_rated(ratings)] == top


def test_an_impossible_rating_is_shown_back_on_the_form(client):
    html = page(client, "/en/decide/?avoid_operation=9&show=1")
    assert 'class="error-summary"' in html and "<h1>Help me decide</h1>" in html


# ---- sources, and what every page has ---------------------------------------------------------------------

def test_sources_page_lists_every_source_in_the_knowledge_base(client):
    html = page(client, "/en/sources/")
    for source in KB.sources.values():
        assert f'<li id="{source.id}"' in html
        assert escape(source.citation) in html


@pytest.mark.parametrize("url", EVERY_PAGE)
def test_every_page_has_the_disclaimer_one_h1_headings_in_order_and_captioned_tables(client, url):
    html = page(client, url)
    assert DISCLAIMER in html
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
    assert html.count("<table") == html.count("<caption")


def test_navigation_links_to_the_symptom_check(client):
    html = page(client, "/tr/")
    assert 'href="/tr/check/' in html
    assert 'href="/tr/procedures/compare/"' in html


def test_kb_messages_are_up_to_date_with_the_knowledge_base(tmp_path: Path):
    fresh = tmp_path / "kb_messages.py"
    call_command("extract_kb_messages", output=fresh)
    shipped = Path(__file__).parents[2] / "src/spinepath/web/pages/kb_messages.py"
    assert fresh.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8"), (
        "run: python -m spinepath.web extract_kb_messages")
