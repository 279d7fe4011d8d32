"""A treatment request as the pages show it: the frozen assessment and intake documents, the de-identified imaging,
the timeline. Display data only: no medicine here (that is the engine's), and who may see a request at all is
:mod:`spinepath.web.accounts.access`'s to decide. The templates in ``care/templates/care/shared/`` render what
these build.

The assessment is shown as it was frozen when the request was made, with the same texts and labels as the
self-check's results page (:func:`spinepath.web.selfcheck.results.results_context`); the answers are labelled with
the self-check's own questions, so a reviewer reads what the patient was asked. What a surgeon may see of the
routings and the timeline is decided here too (:func:`routings_for`, :func:`timeline`): their own hospital's only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from spinepath.core import Assessment
from spinepath.core.knowledge import load_knowledge
from spinepath.web.accounts import access
from spinepath.web.accounts.models import Role
from spinepath.web.selfcheck import forms as selfcheck_forms
from spinepath.web.selfcheck.results import results_context

from .models import ImagingFile, ImagingFileKind, RequestEvent, Routing, TreatmentRequest
from .workflow import event_text

__all__ = ["answer_sections", "assessment_context", "imaging_series", "message_list", "procedure_name", "routings_for",
           "timeline"]


def procedure_name(procedure_id: str) -> str:
    try:
        return gettext(load_knowledge().procedure(procedure_id).name)
    except KeyError:
        return procedure_id


def assessment_context(document: dict[str, Any]) -> dict[str, Any] | None:
    """The frozen ``spinepath.assessment/1`` document as the results page shows it, or None if there is none.

    The "what is missing" prompts keep their text but lose their links: they point into the patient's own
    self-check, which a reviewer cannot open."""
    if not document:
        return None
    try:
        assessment = Assessment.model_validate(document)
    except ValidationError:
        return None
    context = results_context(assessment, {})
    context["missing"] = [prompt.text for prompt in context["missing"]]
    context.pop("timeline_url", None)
    context.pop("pdf_url", None)
    return context


# ---- the patient's answers ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    question: str
    answer: str


@dataclass
class AnswerSection:
    heading: str
    answers: list[Answer] = field(default_factory=list)
    entries: list[list[Answer]] = field(default_factory=list)  # repeated rows (treatments, scans, operations)
    unknown: bool = False  # the whole section is unknown (not answered)


_NOT_ANSWERED = _("not known / not answered")


def _label(form_class: type[forms.Form], name: str) -> str:
    form_field = form_class.base_fields.get(name)
    if form_field is None or not form_field.label:
        return name.replace("_", " ").capitalize()
    return str(form_field.label)


def _shown(form_class: type[forms.Form], name: str, value: Any) -> str:
    if value is None:
        return str(_NOT_ANSWERED)
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    form_field = form_class.base_fields.get(name)
    for key, label in getattr(form_field, "choices", None) or ():
        if str(key) == str(value) and key not in ("", None):
            return str(label)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _answers(form_class: type[forms.Form], values: dict[str, Any]) -> list[Answer]:
    """The answers in the order the self-check asks them (the cauda equina questions first), then any others."""
    asked = list(form_class.base_fields)
    names = sorted(values, key=lambda name: asked.index(name) if name in asked else len(asked))
    return [Answer(_label(form_class, name), _shown(form_class, name, values[name]))
            for name in names if not isinstance(values[name], list | dict)]


def answer_sections(intake: dict[str, Any]) -> list[AnswerSection]:
    """The ``spinepath.intake/1`` document, section by section, each answer under the question that asked it."""
    if not intake:
        return []
    sections = [
        AnswerSection(gettext("Warning signs"), _answers(selfcheck_forms.RedFlagsForm, intake.get("red_flags") or {})),
        AnswerSection(gettext("About the patient"),
                      _answers(selfcheck_forms.SymptomsForm, intake.get("patient") or {})),
        AnswerSection(gettext("Pain and symptoms"),
                      _answers(selfcheck_forms.SymptomsForm, intake.get("symptoms") or {})),
    ]
    care = intake.get("conservative_care")
    sections.append(AnswerSection(
        gettext("Treatments tried"), unknown=care is None,
        entries=[_answers(selfcheck_forms.TreatmentRowForm, entry) for entry in care or []]))
    imaging = intake.get("imaging")
    scans = AnswerSection(gettext("Scans (as the patient reported them)"), unknown=imaging is None)
    for study in imaging or []:
        scans.entries.append(_answers(selfcheck_forms.ScanRowForm, study))
        if study.get("findings") is None:
            scans.entries[-1].append(Answer(gettext("Findings"), str(_NOT_ANSWERED)))
        for finding in study.get("findings") or []:
            scans.entries.append(_answers(selfcheck_forms.FindingRowForm, finding))
    sections.append(scans)
    history = dict(intake.get("history") or {})
    surgeries = history.pop("prior_lumbar_surgery", None)
    health = AnswerSection(gettext("Health"), _answers(selfcheck_forms.HealthForm, history))
    health.answers.insert(0, Answer(_label(selfcheck_forms.HealthForm, "had_surgery"),
                                    str(_NOT_ANSWERED) if surgeries is None
                                    else gettext("Yes") if surgeries else gettext("No")))
    health.entries = [_answers(selfcheck_forms.SurgeryRowForm, surgery) for surgery in surgeries or []]
    sections.append(health)
    return sections


# ---- imaging -----------------------------------------------------------------------------------------------------


@dataclass
class Series:
    series_uid: str
    modality: str
    description: str
    count: int = 0
    burned_in_annotation: bool = False
    preview: ImagingFile | None = None  # one representative image (the middle one that has a preview)
    files: list[ImagingFile] = field(default_factory=list)


def imaging_series(request_obj: TreatmentRequest) -> list[Series]:
    """The request's de-identified DICOM, one row per series (never the originals)."""
    series: dict[str, Series] = {}
    dicom = request_obj.imaging_files.filter(kind=ImagingFileKind.DICOM).exclude(deidentified="")
    for imaging_file in dicom.order_by("series_uid", "created_at"):
        row = series.setdefault(imaging_file.series_uid, Series(
            imaging_file.series_uid, imaging_file.modality, imaging_file.series_description))
        row.count += 1
        row.burned_in_annotation |= imaging_file.burned_in_annotation
        row.files.append(imaging_file)
    for row in series.values():
        with_preview = [f for f in row.files if f.preview]
        row.preview = with_preview[len(with_preview) // 2] if with_preview else None
    return list(series.values())


def routings_for(user: Any, request_obj: TreatmentRequest) -> QuerySet[Routing]:
    """The routings of a visible request that ``user`` may see, with their answers: a surgeon only their own
    hospital's (never another hospital's plans or prices); a coordinator and the patient all of them."""
    return access.visible_routings(user, request_obj).select_related("hospital").prefetch_related("responses")


# What a surgeon sees of the timeline besides the events about their own hospital: nothing that says which other
# hospitals were asked or what they answered, nor that messages were exchanged.
_EVENTS_FOR_EVERY_HOSPITAL = frozenset({"submitted", "upload_received", "upload_processed", "upload_failed",
                                        "withdrawn"})


def timeline(user: Any, request_obj: TreatmentRequest) -> list[dict[str, Any]]:
    """The request's timeline as ``user`` may see it (the audit trail is the complete record)."""
    events = list(RequestEvent.objects.filter(request=request_obj))
    role = access.role_of(user)
    if role == Role.SURGEON:
        own = set(routings_for(user, request_obj).values_list("hospital__name", flat=True))
        events = [event for event in events
                  if event.kind in _EVENTS_FOR_EVERY_HOSPITAL or event.params.get("hospital") in own]
    elif role == Role.PATIENT:
        events = [event for event in events if event.visible_to_patient]
    return [{"at": event.at, "text": event_text(event), "role": event.actor_role, "kind": event.kind}
            for event in events]


def message_list(request_obj: TreatmentRequest) -> list[dict[str, Any]]:
    """The request's messages, each with its author's role (never their e-mail address)."""
    roles = dict(Role.choices)
    return [{"at": message.created_at, "role": str(roles.get(message.author_role, message.author_role)),
             "author_role": message.author_role, "body": message.body}
            for message in request_obj.messages.all()]
