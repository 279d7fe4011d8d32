"""The five steps of the self-check: the forms each shows, in which order and groups, how they are checked
together, and what is saved. The views only move a person between steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .answers import HEALTH, IMAGING, RED_FLAGS, STEP_SLUGS, SYMPTOMS, TREATMENTS, Answers, asks_pregnancy
from .forms import (
    MAX_SCANS,
    FindingRowForm,
    HealthForm,
    ImagingForm,
    RedFlagsForm,
    ScanRowForm,
    StepForm,
    SurgeryRowForm,
    SymptomsForm,
    TreatmentRowForm,
    TreatmentsForm,
)

MAX_ROWS = 20


class RowFormSet(forms.BaseFormSet):
    """Rows with a plainly named "remove" box."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")


@dataclass(frozen=True)
class Group:
    """Questions of the step's main form shown together under a heading."""

    fields: tuple[str, ...]
    heading: Any = None
    hint: Any = None


@dataclass(frozen=True)
class Rows:
    """A repeatable list of rows (a formset)."""

    prefix: str
    form_class: type[StepForm]
    heading: Any
    row_label: Any  # "Treatment %(number)s"
    add_label: Any
    hint: Any = None
    max_rows: int = MAX_ROWS


@dataclass
class Section:
    """What the template draws: a group of fields, or a list of rows with an "add another" button."""

    heading: Any
    hint: Any = None
    fields: list[BoundField] = field(default_factory=list)
    rows: Rows | None = None
    formset: forms.BaseFormSet | None = None
    row_forms: list[tuple[str, forms.Form]] = field(default_factory=list)
    new_row: int | None = None  # the row just added, to move the focus to


class StepPage:
    """One step's forms, bound to what the person sent or filled from what they saved."""

    do_not_call_in_templates = True  # templates list the step classes themselves (slug, title)
    slug: ClassVar[str]
    title: ClassVar[Any]
    intro: ClassVar[Any] = None
    form_class: ClassVar[type[StepForm]]
    layout: ClassVar[tuple[Group | Rows, ...]]
    new_row: tuple[str, int] | None = None  # (formset prefix, index) of a row just added with "Add another"

    def __init__(self, answers: Answers, data: Mapping[str, Any] | None = None) -> None:
        self.all_answers = answers
        saved = answers.get(self.slug, {})
        self.data = data
        self.form = self.form_class(data=data, initial=saved, **self.form_kwargs(answers))
        self.formsets: dict[str, forms.BaseFormSet] = {}
        for rows in self.row_sets():
            formset_class = forms.formset_factory(rows.form_class, formset=RowFormSet, extra=0, can_delete=True,
                                                  max_num=rows.max_rows, validate_max=True)
            initial = saved.get(rows.prefix) or []
            formset = formset_class(data=data, initial=initial, prefix=rows.prefix)
            formset.extra = 0 if initial else 1  # an empty row to start with
            self.formsets[rows.prefix] = formset
        self._checked: bool | None = None

    # -- the step's own rules ----------------------------------------------------------------------------------
    def form_kwargs(self, answers: Answers) -> dict[str, Any]:
        return {}

    def check_together(self) -> None:
        """Checks across the form and its rows; add errors with ``self.form.add_error``."""

    @classmethod
    def row_sets(cls) -> list[Rows]:
        return [part for part in cls.layout if isinstance(part, Rows)]

    @classmethod
    def number(cls) -> int:
        return STEP_SLUGS.index(cls.slug) + 1

    # -- checking and saving -----------------------------------------------------------------------------------
    def is_valid(self) -> bool:
        if self._checked is None:
            valid = self.form.is_valid()
            valid = all([formset.is_valid() for formset in self.formsets.values()]) and valid
            if valid:
                self.check_together()
            self._checked = valid and not self.form.errors
        return self._checked

    def kept_rows(self, prefix: str) -> list[forms.Form]:
        """The rows the person filled in and did not remove."""
        return [form for form in self.formsets[prefix].forms
                if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
                and not form.is_blank()]  # type: ignore[attr-defined]

    def answers(self) -> dict[str, Any]:
        """What to save: JSON-safe values only (text, numbers, None)."""
        saved = {name: self.form.cleaned_data.get(name) for name in self.form.fields}
        for prefix in self.formsets:
            saved[prefix] = [{name: form.cleaned_data.get(name) for name in form.fields if name != "DELETE"}
                             for form in self.kept_rows(prefix)]
        return saved

    def partial_answers(self) -> dict[str, Any]:
        """The answers of the main form that are valid so far (the rest unknown), for the emergency check."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return {name: cleaned[name] for name in self.form.fields if name in cleaned}

    def has_changed(self) -> bool:
        return self.form.has_changed() or any(f.has_changed() for f in self.formsets.values())

    def add_problem(self, field_name: str | None, message: str) -> None:
        """A problem found later (by the engine's own validation): next to its field when it is on this page."""
        self._checked = False
        if field_name and "-" not in field_name and field_name in self.form.fields:
            self.form.add_error(field_name, message)
            return
        if field_name and "-" in field_name:
            prefix, index, name = field_name.split("-", 2)
            formset = self.formsets.get(prefix)
            if formset is not None and index.isdigit() and int(index) < len(formset.forms):
                row = formset.forms[int(index)]
                if name in row.fields:
                    row.add_error(name, message)
                    return
        self.form.add_error(None, message)

    def with_another_row(self, prefix: str) -> StepPage:
        """The same page, bound to the same data, with one more (empty) row in ``prefix``."""
        assert self.data is not None
        data = self.data.copy()  # type: ignore[attr-defined]
        key = f"{prefix}-TOTAL_FORMS"
        rows = next(r for r in self.row_sets() if r.prefix == prefix)
        try:
            total = int(data.get(key, 0))
        except ValueError:
            total = 0
        data[key] = str(min(total + 1, rows.max_rows))
        page = type(self)(self.all_answers, data)
        page.new_row = (prefix, min(total, rows.max_rows - 1))
        return page

    # -- drawing -----------------------------------------------------------------------------------------------
    def sections(self) -> list[Section]:
        self.form.describe_fields()
        for formset in self.formsets.values():
            for row in formset.forms:
                row.describe_fields()  # type: ignore[attr-defined]
        out = []
        for part in self.layout:
            if isinstance(part, Group):
                names = [name for name in part.fields if name in self.form.fields]
                if names:
                    out.append(Section(part.heading, part.hint, fields=[self.form[name] for name in names]))
            else:
                formset = self.formsets[part.prefix]
                row_forms = [(str(part.row_label) % {"number": n}, row)
                             for n, row in enumerate(formset.forms, start=1)]
                new_row = self.new_row[1] if self.new_row and self.new_row[0] == part.prefix else None
                out.append(Section(part.heading, part.hint, rows=part, formset=formset, row_forms=row_forms,
                                   new_row=new_row))
        return out

    def error_summary(self) -> list[tuple[str, str]]:
        """(link to the field, what is wrong) for every error, in page order."""
        items: list[tuple[str, str]] = [("#questions", str(e)) for e in self.form.non_field_errors()]
        for section in self.sections():
            for bound in section.fields:
                items += [(f"#{_anchor(bound)}", f"{bound.label} — {e}") for e in bound.errors]
            if section.formset is not None:
                items += [(f"#{section.rows.prefix}-rows", str(e))  # type: ignore[union-attr]
                          for e in section.formset.non_form_errors()]
                for legend, row in section.row_forms:
                    for bound in row:
                        items += [(f"#{_anchor(bound)}", f"{legend}, {bound.label} — {e}") for e in bound.errors]
        return items


def _anchor(bound: BoundField) -> str:
    # A radio group is reached through its first button.
    return f"{bound.auto_id}_0" if isinstance(bound.field.widget, forms.RadioSelect) else bound.auto_id


class RedFlagsPage(StepPage):
    slug = RED_FLAGS
    title = _("Warning signs")
    intro = _("These questions come first because a few back problems need help straight away. Answer each one; "
              "if you are not sure, choose I don't know.")
    form_class = RedFlagsForm
    layout = (
        Group(RedFlagsForm.CES_FIELDS, _("The three most important questions"),
              _("They are about the nerves at the bottom of the spine, which control the bladder and bowel.")),
        Group(tuple(n for n in RedFlagsForm.base_fields if n not in RedFlagsForm.CES_FIELDS),
              _("Other warning signs")),
    )


class SymptomsPage(StepPage):
    slug = SYMPTOMS
    title = _("Pain and symptoms")
    form_class = SymptomsForm
    layout = (
        Group(("back_pain", "leg_pain", "leg_pain_side", "leg_pain_below_knee", "duration_weeks"), _("Your pain")),
        Group(("claudication", "walking_tolerance_minutes", "can_walk_10_feet_unaided"), _("Walking")),
        Group(("numbness", "weakness_grade", "weakness_progressing", "bilateral_sciatica"),
              _("Feeling and strength")),
        Group(("hip_or_groin_pain", "peripheral_arterial_disease", "hand_symptoms_or_imbalance"),
              _("Other symptoms"), _("Some other problems can feel like a back problem.")),
        Group(("age", "sex", "height_cm", "weight_kg"), _("About you")),
    )


class TreatmentsPage(StepPage):
    slug = TREATMENTS
    title = _("Treatments you have tried")
    form_class = TreatmentsForm
    layout = (
        Group(("tried",)),
        Rows("rows", TreatmentRowForm, _("Treatments"), _("Treatment %(number)s"), _("Add another treatment"),
             _("One row for each treatment. Leave a row empty to skip it.")),
    )

    def check_together(self) -> None:
        if self.form.cleaned_data.get("tried") == "yes" and not self.kept_rows("rows"):
            self.form.add_error("tried", gettext("Fill in at least one treatment below, or choose None yet or "
                                                 "I don't know."))


class ImagingPage(StepPage):
    slug = IMAGING
    title = _("Scans")
    intro = _("If you have a scan report, have it with you: the words in [brackets] are the ones it may use.")
    form_class = ImagingForm
    layout = (
        Group(("had_scan",)),
        Rows("scans", ScanRowForm, _("Your scans"), _("Scan %(number)s"), _("Add another scan"),
             _("Leave a row empty to skip it."), max_rows=MAX_SCANS),
        Rows("findings", FindingRowForm, _("What the scan report says"), _("Finding %(number)s"),
             _("Add another finding"),
             _("One row for each thing the report mentions, with where it is. Choose I don't know for anything the "
               "report does not say.")),
    )

    def check_together(self) -> None:
        scans = self.kept_rows("scans")
        findings = self.kept_rows("findings")
        if self.form.cleaned_data.get("had_scan") != "yes":
            return
        if not scans:
            self.form.add_error("had_scan", gettext("Describe at least one scan below, or choose I have not had a "
                                                    "scan or I don't know."))
            return
        used = {row.cleaned_data.get("scan") or 1 for row in findings}
        for number, scan in enumerate(scans, start=1):
            if scan.cleaned_data.get("showed") == "listed" and number not in used:
                scan.add_error("showed", gettext("Add what this scan showed below, or choose that it was normal or "
                                                 "that you don't know."))
        for row in findings:
            number = row.cleaned_data.get("scan") or 1
            if number > len(scans):
                row.add_error("scan", gettext("There is no scan %(number)s above: describe it there, or choose "
                                              "another scan.") % {"number": number})
            elif scans[number - 1].cleaned_data.get("showed") != "listed":
                row.add_error("scan", gettext("For scan %(number)s you chose that it was normal or that you don't "
                                              "know what it showed: change that, or remove this finding.")
                              % {"number": number})
        if any(scan.errors for scan in scans) or any(row.errors for row in findings):
            self.form.add_error(None, gettext("Some scan details need a look: see below."))


class HealthPage(StepPage):
    slug = HEALTH
    title = _("Your health")
    form_class = HealthForm
    layout = (
        Group(("had_surgery",), _("Operations on your back")),
        Rows("surgeries", SurgeryRowForm, _("Your operations"), _("Operation %(number)s"), _("Add another operation"),
             _("One row for each operation. Leave a row empty to skip it.")),
        Group(("diabetes", "hba1c_percent", "smoker", "anticoagulants", "bleeding_disorder", "pregnant",
               "bone_density_t_score"), _("Your general health")),
    )

    def form_kwargs(self, answers: Answers) -> dict[str, Any]:
        return {"asks_pregnancy": asks_pregnancy(answers)}

    def check_together(self) -> None:
        if self.form.cleaned_data.get("had_surgery") == "yes" and not self.kept_rows("surgeries"):
            self.form.add_error("had_surgery", gettext("Fill in at least one operation below, or choose No or "
                                                       "I don't know."))


PAGES: dict[str, type[StepPage]] = {page.slug: page for page in
                                    (RedFlagsPage, SymptomsPage, TreatmentsPage, ImagingPage, HealthPage)}
assert tuple(PAGES) == STEP_SLUGS
