"""The wizard's questions: one Django form (and its formsets) per step, in plain words with the technical term
in brackets.

Every question offers "I don't know". A form's cleaned data keeps the person's own answer ("yes", "no",
``UNKNOWN``, a number or ``None`` for an empty number box); :mod:`.answers` turns it into the intake, where
"I don't know" becomes null (unknown), never false. The choices are the contract's own values
(:mod:`spinepath.core.intake`); the number bounds repeat the contract's, so that a person reads a friendly message
here rather than a validation error from the engine (which still checks everything at the end).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from spinepath.core.intake import LEVELS

UNKNOWN = "unknown"
_DONT_KNOW = (UNKNOWN, _("I don't know"))
_CHOOSE = ("", _("Choose…"))


def yes_no(label: Any, help_text: Any = "") -> forms.ChoiceField:
    """A Yes / No / I don't know question (radio buttons in a fieldset)."""
    return forms.ChoiceField(
        label=label, help_text=help_text, widget=forms.RadioSelect,
        choices=[("yes", _("Yes")), ("no", _("No")), _DONT_KNOW],
        error_messages={"required": _("Choose Yes, No or I don't know.")},
    )


def one_of(label: Any, choices: list[tuple[str, Any]], help_text: Any = "") -> forms.ChoiceField:
    """One answer from a short list, plus I don't know (radio buttons)."""
    return forms.ChoiceField(
        label=label, help_text=help_text, widget=forms.RadioSelect, choices=[*choices, _DONT_KNOW],
        error_messages={"required": _("Choose an answer, or I don't know.")},
    )


def pick(label: Any, choices: list[tuple[str, Any]], help_text: Any = "", required: bool = False) -> forms.ChoiceField:
    """One answer from a longer list, plus I don't know (a drop-down, for rows that repeat)."""
    return forms.ChoiceField(
        label=label, help_text=help_text, required=required, choices=[_CHOOSE, *choices, _DONT_KNOW],
        error_messages={"required": _("Choose an answer, or I don't know.")},
    )


def number(label: Any, *, minimum: float, maximum: float, help_text: Any = "", integer: bool = False,
           above: bool = False) -> forms.Field:
    """A number box; left empty it means "I don't know". ``above``: the minimum itself is not allowed."""
    field_class = forms.IntegerField if integer else forms.FloatField
    hint = _("Leave empty if you don't know.")
    field = field_class(
        label=label, required=False, localize=True,
        help_text=format_lazy("{} {}", help_text, hint) if help_text else hint,
        error_messages={"invalid": _("Enter a whole number, for example 12.") if integer
                        else _("Enter a number, for example 12 or 4.5.")},
    )
    field.widget.attrs.update({"inputmode": "numeric" if integer else "decimal", "autocomplete": "off",
                               "class": "number"})
    field.bounds = (minimum, maximum, above)  # type: ignore[attr-defined]
    return field


class StepForm(forms.Form):
    """Checks number bounds with a message that says what is allowed. The browser's own validation is off:
    errors are shown by the server, next to the field and in the summary at the top."""

    use_required_attribute = False

    def describe_fields(self) -> None:
        """Link every input to its hint and its error message (``aria-describedby``), radio buttons included."""
        for bound in self:
            if isinstance(bound.field.widget, forms.RadioSelect):
                continue  # the template links the group's <fieldset> instead of every button
            ids = []
            if bound.help_text:
                ids.append(f"{bound.auto_id}-hint")
            if bound.errors:
                ids.append(f"{bound.auto_id}-error")
            bound.field.widget.attrs.pop("aria-describedby", None)
            if ids:
                bound.field.widget.attrs["aria-describedby"] = " ".join(ids)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, field in self.fields.items():
            bounds = getattr(field, "bounds", None)
            value = cleaned.get(name)
            if bounds is None or value is None:
                continue
            low, high, above = bounds
            if value > high or value < low or (above and value == low):
                message = (_("Enter a number above %(low)s and up to %(high)s.") if above
                           else _("Enter a number from %(low)s to %(high)s."))
                self.add_error(name, message % {"low": _plain(low), "high": _plain(high)})
        return cleaned


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# ---- step 1: red flags -------------------------------------------------------------------------------------------

class RedFlagsForm(StepForm):
    # The three cauda equina questions come first: patients rarely volunteer them (girft-ces-2023).
    saddle_anaesthesia = yes_no(
        _("Do you have new numbness between your legs or around your bottom (the parts that would touch a saddle)?"),
        _("Numbness or a strange feeling when you wipe after the toilet counts [saddle anaesthesia]."))
    bladder_dysfunction = yes_no(
        _("Do you have new trouble passing urine, or holding it in?"),
        _("For example you cannot start, you do not feel when your bladder is full, or you leak."))
    bowel_dysfunction = yes_no(
        _("Do you have new trouble controlling your bowels?"),
        _("For example you cannot hold in stool or do not feel it coming."))
    sexual_dysfunction = yes_no(_("Have you noticed a new change in sexual function, such as less feeling?"))
    fever = yes_no(_("Have you recently had a fever, or shivers and chills?"))
    cancer_history = yes_no(_("Have you ever had cancer?"))
    unexplained_weight_loss = yes_no(_("Have you lost weight recently without trying?"))
    iv_drug_use = yes_no(_("Do you inject drugs, or have you in the past year?"))
    immunosuppression = yes_no(
        _("Do you have a weak immune system, or take medicines that weaken it?"),
        _("For example after a transplant, during chemotherapy or with HIV [immunosuppression]."))
    long_term_steroids = yes_no(
        _("Have you taken steroid tablets (such as prednisolone) for more than 3 months?"))
    recent_infection = yes_no(
        _("Have you had an infection recently, such as a urine or skin infection?"))
    significant_trauma = yes_no(
        _("Did the pain start after a serious injury, such as a fall from a height or a road accident?"))
    osteoporosis = yes_no(_("Have you been told you have thin or weak bones [osteoporosis]?"))
    night_pain = yes_no(
        _("Is the pain there all night, and does it not ease when you change position?"))

    CES_FIELDS = ("saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction")


# ---- step 2: pain and symptoms -----------------------------------------------------------------------------------

def _nrs(label: Any) -> forms.ChoiceField:
    scale = [("0", _("0 – no pain"))] + [(str(n), str(n)) for n in range(1, 10)]
    scale.append(("10", _("10 – the worst pain you can imagine")))
    return forms.ChoiceField(
        label=label, choices=[_CHOOSE, *scale, _DONT_KNOW],
        help_text=_("The worst it has been in the last week, from 0 (no pain) to 10 (worst imaginable)."),
        error_messages={"required": _("Choose a number from 0 to 10, or I don't know.")})


class SymptomsForm(StepForm):
    back_pain = _nrs(_("How bad is the pain in your back?"))
    leg_pain = _nrs(_("How bad is the pain in your leg or legs?"))
    leg_pain_side = one_of(
        _("Which leg hurts?"),
        [("none", _("Neither")), ("left", _("Left")), ("right", _("Right")), ("both", _("Both"))])
    leg_pain_below_knee = yes_no(_("Does the leg pain go below the knee?"))
    duration_weeks = number(_("How many weeks ago did this episode of pain start?"), minimum=0, maximum=5200,
                            help_text=_("In weeks: 3 months is about 13 weeks."))
    claudication = yes_no(
        _("When you walk or stand, do your legs hurt or feel heavy, and does it ease when you sit down or bend "
          "forward?"),
        _("[neurogenic claudication]"))
    walking_tolerance_minutes = number(
        _("How many minutes can you walk before the pain makes you stop?"), minimum=0, maximum=1440)
    can_walk_10_feet_unaided = yes_no(
        _("Can you walk 10 feet (3 metres) without help, a stick or a frame?"))
    numbness = yes_no(_("Do you have numbness or pins and needles in a leg or foot?"))
    weakness_grade = one_of(
        _("How strong is the weakest part of your leg or foot (for example lifting your foot or big toe)?"),
        [("5", _("Normal strength")),
         ("4", _("A bit weak: I can push against resistance, but less than usual")),
         ("3", _("I can lift my foot or leg, but not against any resistance")),
         ("2", _("I can move it, but I cannot lift it up")),
         ("1", _("I can barely move it: only a flicker")),
         ("0", _("I cannot move it at all"))],
        _("[muscle strength, MRC grade 0-5]"))
    weakness_progressing = yes_no(_("Is the weakness getting worse?"))
    bilateral_sciatica = yes_no(
        _("Do you have shooting nerve pain down both legs, not only when you walk?"), _("[bilateral sciatica]"))
    hip_or_groin_pain = yes_no(_("Do you have pain in your hip or groin?"))
    peripheral_arterial_disease = yes_no(
        _("Have you been told you have poor circulation in your legs?"), _("[peripheral arterial disease]"))
    hand_symptoms_or_imbalance = yes_no(_("Are your hands clumsy, or are you unsteady when you walk?"))
    age = number(_("How old are you?"), minimum=0, maximum=120, integer=True, help_text=_("In years."))
    sex = one_of(_("What is your sex?"), [("female", _("Female")), ("male", _("Male")), ("other", _("Other"))])
    height_cm = number(_("Your height in centimetres"), minimum=50, maximum=260, above=True)
    weight_kg = number(_("Your weight in kilograms"), minimum=20, maximum=400, above=True)


# ---- step 3: treatments tried ------------------------------------------------------------------------------------

_TREATMENT_KINDS = [
    ("physiotherapy", _("Physiotherapy")),
    ("home_exercise", _("Exercises at home")),
    ("analgesics", _("Painkillers such as paracetamol or codeine [analgesics]")),
    ("nsaids", _("Anti-inflammatory painkillers such as ibuprofen or naproxen [NSAIDs]")),
    ("neuropathic_medication", _("Nerve pain medicine such as gabapentin, pregabalin or amitriptyline")),
    ("epidural_injection", _("A steroid injection into the spine [epidural injection]")),
    ("activity_modification", _("Changing what I do to avoid pain [activity modification]")),
    ("manual_therapy", _("Manipulation or massage, for example by a chiropractor or osteopath [manual therapy]")),
    ("other", _("Something else")),
]
_OUTCOMES = [
    ("no_relief", _("It did not help")),
    ("partial_relief", _("It helped a bit")),
    ("good_relief", _("It helped a lot")),
]


class TreatmentsForm(StepForm):
    tried = forms.ChoiceField(
        label=_("Have you tried any treatment for this pain?"), widget=forms.RadioSelect,
        choices=[("yes", _("Yes: I list them below")), ("none", _("None yet")), _DONT_KNOW],
        error_messages={"required": _("Choose Yes, None yet or I don't know.")})


class _RowForm(StepForm):
    """A repeatable row: an untouched row is ignored; a started one needs its main choice."""

    REQUIRED_IN_ROW: tuple[str, ...] = ()

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return all(data.get(name) in (None, "") for name in self.fields if name != "DELETE")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.is_blank():
            for name in self.REQUIRED_IN_ROW:
                if not cleaned.get(name):
                    self.add_error(name, _("Choose an answer, or I don't know."))
        return cleaned


class TreatmentRowForm(_RowForm):
    kind = pick(_("Treatment"), _TREATMENT_KINDS)
    weeks = number(_("For how many weeks?"), minimum=0, maximum=5200)
    outcome = pick(_("Did it help?"), _OUTCOMES)

    REQUIRED_IN_ROW = ("kind", "outcome")


# ---- step 4: imaging ---------------------------------------------------------------------------------------------

MAX_SCANS = 5
_MODALITIES = [
    ("mri", _("MRI scan")),
    ("ct", _("CT scan")),
    ("ct_myelogram", _("CT scan with dye injected into the spine [CT myelogram]")),
    ("xray", _("X-ray")),
    ("xray_flexion_extension", _("X-rays bending forward and back [flexion-extension X-rays]")),
]
_LEVEL_CHOICES = [(level, level) for level in LEVELS]
_FINDING_KINDS = [
    ("disc_herniation", _("A slipped or bulging disc [disc herniation]")),
    ("central_stenosis", _("Narrowing of the spinal canal [central stenosis]")),
    ("lateral_recess_stenosis", _("Narrowing at the side of the canal [lateral recess stenosis]")),
    ("foraminal_stenosis", _("Narrowing where the nerve leaves the spine [foraminal stenosis]")),
    ("ligamentum_flavum_hypertrophy", _("A thickened ligament [ligamentum flavum hypertrophy]")),
    ("spondylolisthesis", _("One vertebra slipped forward on another [spondylolisthesis]")),
    ("dynamic_instability", _("Too much movement between vertebrae [dynamic instability]")),
    ("degenerative_disc", _("A worn disc [degenerative disc disease]")),
    ("facet_arthropathy", _("Arthritis of the small joints [facet arthropathy]")),
    ("synovial_cyst", _("A fluid-filled cyst by a joint [synovial cyst]")),
    ("scoliosis", _("A sideways curve of the spine [scoliosis]")),
    ("fracture", _("A broken bone [fracture]")),
    ("tumour", _("A growth [tumour]")),
    ("infection", _("An infection")),
]


class ImagingForm(StepForm):
    had_scan = forms.ChoiceField(
        label=_("Have you had a scan or X-ray of your lower back?"), widget=forms.RadioSelect,
        choices=[("yes", _("Yes: I describe it below")), ("no", _("I have not had a scan")), _DONT_KNOW],
        error_messages={"required": _("Choose Yes, I have not had a scan, or I don't know.")})


class ScanRowForm(_RowForm):
    modality = pick(_("Kind of scan"), _MODALITIES)
    months_ago = number(_("How many months ago?"), minimum=0, maximum=1200)
    showed = pick(_("What it showed"), [
        ("listed", _("I list the findings below")),
        ("normal", _("The report said it was normal")),
        ("unknown_findings", _("I don't know what it showed")),
    ])

    REQUIRED_IN_ROW = ("modality", "showed")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "What it showed" has its own "I don't know" wording; the generic one would be ambiguous here.
        field = self.fields["showed"]
        field.choices = [c for c in field.choices if c[0] != UNKNOWN]  # type: ignore[attr-defined]


class FindingRowForm(_RowForm):
    scan = forms.TypedChoiceField(label=_("On which scan?"), coerce=int, required=False, empty_value=None,
                                  choices=[(n, str(n)) for n in range(1, MAX_SCANS + 1)])
    level = pick(_("Where in the spine [level]"), _LEVEL_CHOICES)
    kind = pick(_("What was found"), _FINDING_KINDS)
    side = pick(_("Which side"), [("left", _("Left")), ("right", _("Right")), ("central", _("In the middle [central]")),
                                  ("bilateral", _("Both sides [bilateral]"))])
    severity = pick(_("How severe"), [("mild", _("Mild")), ("moderate", _("Moderate")), ("severe", _("Severe"))])
    ligamentum_flavum_mm = number(_("Thickness of the ligament in mm"), minimum=0, maximum=30,
                                  help_text=_("Only for a thickened ligament [ligamentum flavum]."))
    grade = pick(_("Grade of the slip"), [(str(n), str(n)) for n in range(1, 5)],
                 help_text=_("Only for a slipped vertebra [Meyerding grade 1-4]."))
    slip_type = pick(_("Type of slip"), [("degenerative", _("From wear and tear [degenerative]")),
                                         ("isthmic", _("From a crack in the bone [isthmic]"))],
                     help_text=_("Only for a slipped vertebra."))
    translation_mm = number(_("Movement between the vertebrae in mm"), minimum=0, maximum=100,
                            help_text=_("Only for too much movement, on bending X-rays [translation]."))
    cobb_degrees = number(_("Angle of the curve in degrees"), minimum=0, maximum=180,
                          help_text=_("Only for a sideways curve [Cobb angle]."))
    herniation_type = pick(_("Type of disc problem"), [
        ("protrusion", _("Bulging [protrusion]")), ("extrusion", _("Pushed out [extrusion]")),
        ("sequestration", _("A piece has broken off [sequestration]"))],
        help_text=_("Only for a slipped or bulging disc."))

    REQUIRED_IN_ROW = ("kind",)
    # The details that belong to one kind of finding (spec §1); others are not sent for that kind.
    KIND_DETAILS: ClassVar[dict[str, tuple[str, ...]]] = {
        "ligamentum_flavum_hypertrophy": ("ligamentum_flavum_mm",),
        "spondylolisthesis": ("grade", "slip_type"),
        "dynamic_instability": ("translation_mm",),
        "scoliosis": ("cobb_degrees",),
        "disc_herniation": ("herniation_type",),
    }
    DETAIL_FIELDS = ("ligamentum_flavum_mm", "grade", "slip_type", "translation_mm", "cobb_degrees",
                     "herniation_type")

    @property
    def kind_details_json(self) -> str:
        """For the page script: which detail boxes to show for the chosen kind (all are shown without JS)."""
        return json.dumps({"details": self.DETAIL_FIELDS, "byKind": self.KIND_DETAILS})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scan"].choices = [  # type: ignore[attr-defined]
            (n, _("Scan %(number)s") % {"number": n}) for n in range(1, MAX_SCANS + 1)]

    def is_blank(self) -> bool:
        # The scan number has a default; a row is blank when nothing else was entered.
        data = getattr(self, "cleaned_data", {})
        return all(data.get(name) in (None, "") for name in self.fields if name not in ("DELETE", "scan"))


# ---- step 5: health ----------------------------------------------------------------------------------------------

class HealthForm(StepForm):
    had_surgery = forms.ChoiceField(
        label=_("Have you had an operation on your lower back before?"), widget=forms.RadioSelect,
        choices=[("yes", _("Yes: I list them below")), ("no", _("No")), _DONT_KNOW],
        error_messages={"required": _("Choose Yes, No or I don't know.")})
    diabetes = yes_no(_("Do you have diabetes?"))
    hba1c_percent = number(_("Your latest HbA1c blood test result, in %"), minimum=3, maximum=20,
                           help_text=_("Only if you have diabetes: your doctor or the test letter has it."))
    smoker = yes_no(_("Do you smoke?"))
    anticoagulants = yes_no(
        _("Do you take blood thinners that your doctor has said you cannot stop, even for a few days?"),
        _("For example warfarin, apixaban or clopidogrel [anticoagulants]."))
    bleeding_disorder = yes_no(_("Do you have a bleeding disorder, such as haemophilia?"))
    pregnant = yes_no(_("Are you pregnant?"))
    bone_density_t_score = number(_("Your bone density T-score"), minimum=-10, maximum=10,
                                  help_text=_("From a bone density scan [DEXA], for example -2.1."))

    def __init__(self, *args: Any, asks_pregnancy: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not asks_pregnancy:
            del self.fields["pregnant"]


class SurgeryRowForm(_RowForm):
    procedure = pick(_("Operation"), [
        ("discectomy", _("Removing part of a disc [discectomy]")),
        ("decompression", _("Making more room for the nerves [decompression, laminectomy]")),
        ("fusion", _("Joining vertebrae together [fusion]")),
        ("mild", _("MILD [percutaneous image-guided lumbar decompression]")),
        ("other", _("Another operation")),
    ])
    level = pick(_("Where in the spine [level]"), _LEVEL_CHOICES)
    years_ago = number(_("How many years ago?"), minimum=0, maximum=100)

    REQUIRED_IN_ROW = ("procedure",)
