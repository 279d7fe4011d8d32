"""The Turkish translation: a complete catalogue, a compiled .mo that matches it, and Turkish pages without
leftover English (including the engine's dynamic reasons on the results page and in the report)."""

from __future__ import annotations

import ast
import gettext as gettext_module
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from test_selfcheck import answers_for, card, example, walk_through, what_the_wizard_can_ask

from spinepath.core import assess, parse_intake
from spinepath.core.assessment import status_label
from spinepath.core.knowledge import load_knowledge
from spinepath.web.i18n_text import translate_engine_text
from spinepath.web.reports.pdf import render_report_html

LOCALE = Path(settings.LOCALE_PATHS[0])
TOKEN = re.compile(r"%\(\w+\)[sd]|\{\w*\}|</?[a-z][^>]*>")  # placeholders and HTML tags

DISCLAIMER = ("spinepath supports a clinician's decision and never replaces one. It is not a diagnosis or medical "
              "advice.")
EMERGENCY = "Go to an emergency department now."
CHECK = "Check my symptoms"


# ---- the catalogue -----------------------------------------------------------------------------------------------

@dataclass
class Entry:
    flags: set[str]
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] | None = None  # plural index (0 for a singular entry) -> translation


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header included), enough for these checks: no polib needed."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, field = Entry(flags=set(), msgstr={}), None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (".*")$', line):
                field = (match[1], int(match[2] or 0))
                _append(entry, field, ast.literal_eval(match[3]))
            elif line.startswith('"') and field:
                _append(entry, field, ast.literal_eval(line))
        if field:
            entries.append(entry)
    return entries


def _append(entry: Entry, field: tuple[str, int], text: str) -> None:
    name, index = field
    assert entry.msgstr is not None
    if name == "msgid":
        entry.msgid += text
    elif name == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:
        entry.msgstr[index] = entry.msgstr.get(index, "") + text


# Every catalogue in the locale folder is checked, so a new language (locale/README.md) is checked too.
CATALOGUES = {path.parts[-3]: path for path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))}
LANGUAGE_CODES = list(CATALOGUES)


def messages(language: str) -> list[Entry]:
    return parse_po(CATALOGUES[language])[1:]


def test_every_language_but_english_has_a_catalogue() -> None:
    assert "tr" in CATALOGUES
    assert sorted(code for code, _ in settings.LANGUAGES if code != "en") == sorted(CATALOGUES)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_the_catalogue_header_names_its_language_and_plural_forms(language: str) -> None:
    header = parse_po(CATALOGUES[language])[0]
    assert header.msgid == "" and header.msgstr is not None
    assert "fuzzy" not in header.flags
    assert f"Language: {language}\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert re.search(r"Plural-Forms: nplurals=\d+; plural=.+;\n", header.msgstr[0])
    if language == "tr":
        assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header.msgstr[0]
    assert len(messages(language)) > 800


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = messages(language)
    untranslated = [e.msgid for e in entries
                    if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
                    or (e.msgid_plural is None and len(e.msgstr) != 1)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_translation_keeps_the_placeholders_and_html_of_its_msgid(language: str) -> None:
    broken = []
    for e in messages(language):
        assert e.msgstr is not None
        wanted = sorted(set(TOKEN.findall(e.msgid)) | set(TOKEN.findall(e.msgid_plural or "")))
        for text in e.msgstr.values():
            if sorted(set(TOKEN.findall(text))) != wanted:
                broken.append((e.msgid, text))
    assert broken == []


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_the_compiled_mo_has_exactly_the_translations_of_the_po(language: str) -> None:
    """The .mo is committed (no gettext tools needed to run the site): it must say what the .po says."""
    with CATALOGUES[language].with_suffix(".mo").open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    in_mo = {key: value for key, value in compiled._catalog.items() if key != ""}  # type: ignore[attr-defined]
    in_po: dict[str | tuple[str, int], str] = {}
    for e in messages(language):
        assert e.msgstr is not None
        if e.msgid_plural is None:
            in_po[e.msgid] = e.msgstr[0]
        else:
            in_po.update({(e.msgid, index): text for index, text in e.msgstr.items()})
    assert in_mo == in_po


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools not installed")
@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_the_committed_mo_is_what_msgfmt_makes_of_the_po(language: str, tmp_path: Path) -> None:
    po = CATALOGUES[language]
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True, capture_output=True)
    assert fresh.read_bytes() == po.with_suffix(".mo").read_bytes()


# ---- every text in the source is in every catalogue ---------------------------------------------------------------

WEB_PACKAGE = LOCALE.parent
XGETTEXT_MISSING = shutil.which("xgettext") is None or shutil.which("msguniq") is None


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[Entry]:
    """What ``makemessages`` finds in the web package today (templates, Python, the generated kb_messages.py), read
    from a copy so the committed catalogues are never touched: a fresh catalogue, made in a temporary locale dir."""
    if XGETTEXT_MISSING:
        if os.environ.get("CI"):
            pytest.fail("gettext tools (xgettext, msguniq) are missing: .ci/install-system-deps installs them")
        pytest.skip("gettext tools not installed")
    copy = tmp_path_factory.mktemp("makemessages") / "web"
    shutil.copytree(WEB_PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "var", "static", "__pycache__"))
    (copy / "locale").mkdir()
    previous = Path.cwd()
    os.chdir(copy)  # makemessages reads the current directory, like "cd src/spinepath/web" in locale/README.md
    try:
        with override_settings(LOCALE_PATHS=[str(copy / "locale")]):
            call_command("makemessages", locale=["tr"], no_location=True, verbosity=0)
    finally:
        os.chdir(previous)
    return parse_po(copy / "locale" / "tr" / "LC_MESSAGES" / "django.po")[1:]


def test_makemessages_finds_the_texts_of_every_part_of_the_site(extracted: list[Entry]) -> None:
    """A guard for the test below: the extraction really reads templates, Python and the knowledge base."""
    found = {e.msgid for e in extracted}
    assert len(found) > 800
    assert {EMERGENCY, "My recovery", "Safety alerts", "Page not found", "Request started"} <= found


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_text_makemessages_would_extract_is_in_the_catalogue(extracted: list[Entry], language: str) -> None:
    """A feature whose texts were never added to a catalogue shows English on that language's pages: every msgid
    (and plural) in the source must be an entry of the catalogue; the checks above see that it is translated."""
    catalogue = {e.msgid: e.msgid_plural for e in messages(language)}
    missing = [e.msgid for e in extracted if e.msgid not in catalogue]
    plural_differs = [e.msgid for e in extracted if e.msgid in catalogue and e.msgid_plural is not None
                      and catalogue[e.msgid] != e.msgid_plural]
    assert missing == [], f"{len(missing)} texts are not in locale/{language} (see locale/README.md)"
    assert plural_differs == []


# ---- Turkish pages -----------------------------------------------------------------------------------------------

def _in(text: str, html: str) -> bool:
    return text in html or escape(text) in html


# Each page, with English interface texts that must appear in Turkish (and not in English) on it.
PAGES = [
    pytest.param("/tr/", [CHECK, "Back and leg pain: what are your options?", "Before you start"], id="home"),
    pytest.param("/tr/procedures/mild/", ["MILD (percutaneous image-guided lumbar decompression)", "Risks",
                                          "Who it suits"], id="procedure"),
    pytest.param("/tr/procedures/compare/", ["Compare the options", "The seven options compared"], id="compare"),
    pytest.param("/tr/decide/", ["Help me decide", "1. The decision and your options"], id="decide"),
    pytest.param("/tr/check/red-flags/", ["The three most important questions", "Other warning signs",
                                          "Do you have new trouble passing urine, or holding it in?"],
                 id="first-wizard-step"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "texts"), PAGES)
def test_turkish_pages_are_in_turkish_with_no_leftover_english(client: Client, url: str, texts: list[str]) -> None:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()

    assert '<html lang="tr" dir="ltr">' in html
    with translation.override("tr"):
        # The disclaimer, the emergency strip and the navigation are on every page.
        for english in [DISCLAIMER, EMERGENCY, CHECK, *texts]:
            turkish = gettext(english)
            assert turkish != english, english
            assert _in(turkish, html), turkish
            assert not _in(english, html), english
        assert "Hemen bir acil servise gidin." in html


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "item_id", "name"), [
    *(("conditions", c.id, c.name) for c in load_knowledge().conditions.values()),
    *(("procedures", p.id, p.name) for p in load_knowledge().procedures.values()),
], ids=lambda v: v if isinstance(v, str) and " " not in v else "")
def test_every_condition_and_procedure_page_has_its_turkish_name(client: Client, kind: str, item_id: str,
                                                                  name: str) -> None:
    html = client.get(f"/tr/{kind}/{item_id}/").content.decode()
    with translation.override("tr"):
        turkish = gettext(name)
    assert turkish != name
    assert f"<h1>{escape(turkish)}</h1>" in html


def _signed_in(client: Client, role: str, **profile: object) -> Client:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    email = f"{role}@example.org"
    user = get_user_model().objects.create_user(username=email, email=email, password="x" * 20)
    user.profile.role = role
    user.profile.email_verified_at = timezone.now()
    for name, value in profile.items():
        setattr(user.profile, name, value)
    user.profile.save()
    client.force_login(user)
    return client


# Pages behind sign-in (requests, the coordinators' console, recovery tracking) and the 404 page: English interface
# texts that must appear in Turkish on them.
SIGNED_IN_PAGES = [
    pytest.param("patient", "/tr/outcomes/", 200, ["My recovery", "Answer the baseline questionnaires"],
                 id="recovery"),
    pytest.param("patient", "/tr/requests/", 200, ["My requests"], id="requests"),
    pytest.param("coordinator", "/tr/outcomes/staff/", 200, ["Recovery follow-up", "Safety alerts",
                                                             "No overdue or missed follow-ups."], id="follow-ups"),
    pytest.param("coordinator", "/tr/outcomes/staff/cohort/", 200, ["Cohort results at 3 and 12 months", "Reached",
                                                                    "Download as CSV"], id="cohort"),
    pytest.param("coordinator", "/tr/console/", 200, ["Submitted", "With hospitals", "Plans received"], id="console"),
    pytest.param(None, "/tr/no-such-page/", 404, ["Page not found"], id="404"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "url", "status", "texts"), SIGNED_IN_PAGES)
def test_signed_in_pages_and_the_404_page_are_in_turkish(client: Client, role: str | None, url: str, status: int,
                                                         texts: list[str]) -> None:
    from spinepath.web.hospitals.models import Organisation

    if role == "coordinator":
        organisation = Organisation.objects.create(name="Spine Partners", slug="spine-partners")
        _signed_in(client, role, organisation=organisation)
    elif role:
        _signed_in(client, role)
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="tr" dir="ltr">' in html
    with translation.override("tr"):
        for english in [EMERGENCY, *texts]:
            turkish = gettext(english)
            assert turkish != english, english
            assert _in(turkish, html), turkish
            assert not _in(english, html), english


def test_the_emergency_instruction_is_unmistakable_in_turkish() -> None:
    with translation.override("tr"):
        assert gettext(EMERGENCY) == "Hemen bir acil servise gidin."
        assert gettext("Go to an emergency department now") == "Hemen bir acil servise gidin"
        assert gettext("Emergency") == "Acil"


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("tr", "ltr"), ("ar", "rtl"), ("hi", "ltr")])
def test_the_text_direction_comes_from_the_language(language: str, direction: str) -> None:
    """base.html sets dir from the language's bidi flag, so adding ar (right to left) or hi needs no template
    change, only a catalogue and a LANGUAGES line (locale/README.md)."""
    with translation.override(language):
        assert ("rtl" if translation.get_language_bidi() else "ltr") == direction


# ---- the engine's dynamic texts ----------------------------------------------------------------------------------

ENGINE_TEXTS = [
    pytest.param("Imaging shows no disc herniation.", "Görüntülemede disk fıtığı görülmüyor.", id="plain-msgid"),
    pytest.param("L4-L5: The ligamentum flavum is 2.5 mm or thinner: too thin for mild.",
                 "L4-L5: Ligamentum flavum 2.5 mm ya da daha ince: mild için fazla ince.", id="level-prefix"),
    pytest.param("L5-S1: Previous surgery at this level.", "L5-S1: Bu seviyede daha önce ameliyat.",
                 id="level-prefix-s1"),
    pytest.param("We can't tell yet: imaging shows no disc herniation.",
                 "Henüz bilemiyoruz: Görüntülemede disk fıtığı görülmüyor.", id="unknown-prefix"),
    pytest.param("L3-L4: We can't tell yet: previous surgery at this level.",
                 "L3-L4: Henüz bilemiyoruz: Bu seviyede daha önce ameliyat.", id="level-and-unknown-prefix"),
    pytest.param("We can't tell yet: mild is a high-bleeding-risk procedure: not with blood thinners that cannot be "
                 "paused or a bleeding disorder.",
                 "Henüz bilemiyoruz: mild, kanama riski yüksek bir işlemdir: ara verilemeyen kan sulandırıcı ilaç "
                 "kullanımında ya da kanama bozukluğunda yapılmaz.", id="unknown-prefix-lower-case-msgid"),
    pytest.param("L4-L5: A sentence no catalogue has.", "L4-L5: A sentence no catalogue has.", id="unknown-text"),
    pytest.param("We can't tell yet: something no catalogue has.", "We can't tell yet: something no catalogue has.",
                 id="unknown-remainder-stays-english"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("english", "turkish"), ENGINE_TEXTS)
def test_engine_texts_are_translated_part_by_part(english: str, turkish: str) -> None:
    with translation.override("tr"):
        assert translate_engine_text(english) == turkish
    with translation.override("en"):
        assert translate_engine_text(english) == english


def test_every_reason_the_rules_can_give_is_translated_with_or_without_a_level() -> None:
    from spinepath.core.rules import PROCEDURE_RULES

    untranslated = []
    with translation.override("tr"):
        for table in PROCEDURE_RULES:
            for rule in (table.indication, *table.rules):
                # As the engine builds them (spinepath.core.engine).
                unknown = rule.unknown_text or f"We can't tell yet: {rule.text[0].lower()}{rule.text[1:]}"
                for text in (rule.text, unknown, f"L4-L5: {rule.text}", f"L5-S1: {unknown}"):
                    translated = translate_engine_text(text)
                    if translated == text or "We can't tell yet" in translated:
                        untranslated.append(text)
    assert untranslated == []


@pytest.fixture
def finished_check(client: Client) -> tuple[Client, dict]:
    """A finished self-check (example 08: mild at L3-L4 with the ligament thickness unmeasured)."""
    intake = example("08")
    walk_through(client, answers_for(intake))
    return client, intake


@pytest.mark.django_db
def test_the_results_page_in_turkish_shows_turkish_statuses_and_reasons(finished_check: tuple[Client, dict]) -> None:
    client, intake = finished_check
    response = client.get("/tr/check/results/")
    assert response.status_code == 200
    html = response.content.decode()
    expected = assess(parse_intake(what_the_wizard_can_ask(intake)))

    assert '<html lang="tr" dir="ltr">' in html
    with translation.override("tr"):
        assert _in("uygun olabilir — kararı bir uzman verir", card(html, "mis_decompression"))
        assert not _in("may be suitable — a specialist decides", html)
        for result in expected.procedures:
            piece = card(html, result.procedure)
            label = status_label(result.procedure, result.status)
            assert _in(gettext(label), piece) and not _in(label, piece), label
            for reason in result.reasons:
                assert _in(translate_engine_text(reason.text), piece), reason.text
                assert not _in(reason.text, piece), reason.text
        # The per-level reason, translated after its level.
        mild = card(html, "mild")
        assert _in("L3-L4: Raporda ligamentum flavum kalınlığı belirtilmemiş (mild için 2.5 mm'den kalın olması "
                   "gerekir).", mild)
        assert _in(gettext(load_knowledge().source("midas-encore").title), mild)
        assert _in(gettext(expected.disclaimer), html) and not _in(expected.disclaimer, html)
        assert "Kaynak:" in html and "Source:" not in html  # the singular of a plural msgid


@pytest.mark.django_db
def test_an_emergency_result_in_turkish_says_go_to_an_emergency_department(client: Client) -> None:
    intake = example("01")
    walk_through(client, answers_for(intake))
    html = client.get("/tr/check/results/").content.decode()
    expected = assess(parse_intake(what_the_wizard_can_ask(intake)))

    assert expected.urgency == "emergency" and expected.red_flags
    assert '<div class="banner emergency" role="alert">' in html
    with translation.override("tr"):
        assert "Hemen bir acil servise gidin." in html
        for english in (expected.advice, *(f.title for f in expected.red_flags),
                        *(f.explanation for f in expected.red_flags)):
            assert _in(gettext(english), html) and not _in(english, html), english


@pytest.mark.django_db
def test_the_report_in_turkish_translates_the_reasons_too(finished_check: tuple[Client, dict]) -> None:
    _, intake = finished_check
    parsed = parse_intake(what_the_wizard_can_ask(intake))
    assessment = assess(parsed)
    html = render_report_html(parsed, assessment, generated_at=datetime(2026, 1, 1, tzinfo=UTC), language="tr")

    assert '<html lang="tr" dir="ltr">' in html
    with translation.override("tr"):
        for result in assessment.procedures:
            for reason in result.reasons:
                assert _in(translate_engine_text(reason.text), html), reason.text
                assert not _in(reason.text, html), reason.text
        assert _in(gettext(status_label("mis_decompression", "candidate")), html)
