"""Recovery tracking in Turkish: the post-operative safety questions, alerts and advice, spinepath's own questions
and the instrument names come from the catalogue through the message catalogues; a validated third-party
questionnaire keeps its wording and says so on a Turkish page."""

from __future__ import annotations

import pytest

from .conftest import accepted_request, client_for
from .test_recovery_pages import NO_WARNING_SIGNS, days, record_operation

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
