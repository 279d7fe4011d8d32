"""Recovery tracking in Turkish: the post-operative safety questions, alerts and advice, spinepath's own questions,
the instrument names and the reasons a form is incomplete come from the catalogue through the message catalogues; a
validated third-party questionnaire keeps its wording and says so on a Turkish page."""

from __future__ import annotations

import pytest
from django.utils import translation

from spinepath.core.outcomes import instrument, score
from spinepath.web.outcomes.meaning import reason_sentence

from .conftest import accepted_request, client_for
from .test_recovery_pages import AGREE_ALL_START_BACK, NO_WARNING_SIGNS, days, record_operation

pytestmark = pytest.mark.django_db

SADDLE_QUESTION_TR = "Bacaklarınızın arasında ya da makat çevresinde yeni başlayan bir uyuşukluk var mı?"
SADDLE_QUESTION_EN = "Do you have new numbness between your legs or around your bottom?"
EMERGENCY_TR = "Hemen bir acil servise gidin."
NOTE_TR = "Bu anket İngilizce gösterilmektedir: doğrulanmış bir Türkçe sürümü bulunmamaktadır."
NOTE_EN = "This questionnaire is shown in English: a validated version in this language is not included."


def test_a_turkish_follow_up_asks_the_safety_questions_in_turkish(make_patient, world, move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    record_operation(client, request_obj.reference)
    move_to(days(14))
    page = client.get(f"/tr/outcomes/mine/{request_obj.reference}/week_2/").content.decode()
    assert SADDLE_QUESTION_TR in page and SADDLE_QUESTION_EN not in page
    assert "İdrar yapmakta ya da idrarı tutmakta yeni başlayan bir zorluk var mı?" in page
    assert "Yaranız kızarık, sıcak, şiş ya da daha ağrılı mı" in page
    # spinepath's own pain question and its anchors are translated too
    assert "Son bir haftada ortalama olarak bacağınızdaki ya da bacaklarınızdaki ağrı ne kadar şiddetliydi?" in page
    assert "Hayal edilebilecek en kötü ağrı" in page


def test_a_turkish_emergency_result_says_go_to_an_emergency_department_in_turkish(make_patient, world,
                                                                                  move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    record_operation(client, request_obj.reference)
    move_to(days(14))
    response = client.post(f"/tr/outcomes/mine/{request_obj.reference}/week_2/",
                           {**NO_WARNING_SIGNS, "safety__saddle_numbness": "yes", "nrs_leg_pain__pain": "4"},
                           follow=True)
    page = response.content.decode()
    assert EMERGENCY_TR in page
    assert "Bacakların arasında ya da makat çevresinde uyuşukluk" in page  # the alert's title
    assert "Go to an emergency department now." not in page
    assert "Numbness between the legs or around the bottom" not in page


def test_an_urgent_warning_sign_in_turkish_says_contact_the_surgical_team_today(make_patient, world,
                                                                                 move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    record_operation(client, request_obj.reference)
    move_to(days(14))
    response = client.post(f"/tr/outcomes/mine/{request_obj.reference}/week_2/",
                           {**NO_WARNING_SIGNS, "safety__wound_problem": "yes"}, follow=True)
    page = response.content.decode()
    assert "Bugün cerrahi ekibinizle iletişime geçin" in page and "Yarayla ilgili bir sorun" in page
    assert "Contact your surgical team today" not in page


def test_a_third_party_questionnaire_in_turkish_says_it_is_shown_in_english(make_patient, world) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    page = client.get(f"/tr/outcomes/baseline/?request={request_obj.reference}").content.decode()
    assert "Keele STarT Back Tarama Aracı" in page
    # the note appears once, for STarT Back only: spinepath's own questions are in Turkish
    assert page.count(NOTE_TR) == 1
    assert "Yürüme toleransı (kişinin bildirdiği dakika)" in page
    english = client.get(f"/en/outcomes/baseline/?request={request_obj.reference}").content.decode()
    assert NOTE_EN not in english and NOTE_TR not in english


def test_a_turkish_page_says_in_turkish_why_a_form_is_incomplete(make_patient, world, move_to) -> None:
    client = client_for(make_patient())
    unanswered_bother = {k: v for k, v in AGREE_ALL_START_BACK.items() if k != "start_back__bothersomeness"}
    page = client.post("/tr/outcomes/baseline/", unanswered_bother, follow=True).content.decode()
    # STarT Back's own wording is shown in English, so its item is named as on its form
    assert "Eksik: 9 maddeden 1 tanesi yanıtlanmadı (9 Bothersomeness). STarT Back her maddenin" in page
    assert "items not answered" not in page and "needs every item" not in page
    english = client_for(make_patient()).post("/en/outcomes/baseline/", unanswered_bother, follow=True)
    assert "Incomplete: 1 of 9 items not answered (9 Bothersomeness)." in english.content.decode()


@pytest.mark.parametrize(("instrument_id", "answers", "expected"), [
    pytest.param("nrs_back_pain", {}, "Yanıtlanmadı: 1 Bel ağrısının şiddeti. Tek maddelik bir ölçek, yanıtı olmadan "
                 "puanlanamaz.", id="spinepaths-own-question-is-named-in-turkish"),
    pytest.param("odi", {"walking": 2}, "10 bölümden yalnızca 1 tanesi yanıtlandı; ODI en az 8 bölüm yanıtlandığında "
                 "puanlanır. Yanıtlanmayanlar: 1 Pain intensity, 2 Personal care",
                 id="a-licensed-form-keeps-its-names"),
    pytest.param("zcq", {"average_pain": 3}, "Symptom severity: 7 maddeden 6 tanesi eksik (en çok 2 tanesine izin "
                 "verilir)", id="a-subscale-reason"),
])
def test_reasons_are_worded_in_the_pages_language(instrument_id, answers, expected) -> None:
    stored = score(instrument_id, answers).model_dump(mode="json")
    with translation.override("tr"):
        sentence = reason_sentence(instrument(instrument_id), stored["reasons"][0])
    assert sentence.startswith(expected)


def test_a_reason_stored_as_english_by_an_older_version_is_still_shown() -> None:
    stored = "Not answered: Back pain intensity. A single-item scale has no score without its answer."
    with translation.override("tr"):
        assert reason_sentence(instrument("nrs_back_pain"), stored) == stored
