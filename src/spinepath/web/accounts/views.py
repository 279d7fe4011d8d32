"""Sign-up, e-mail verification, sign-in (with the authenticator code step for accounts that use one), sign-out,
password change and reset, two-step verification set-up, the account page and the signed-in home.

Views are thin: forms validate, :mod:`.verification`, :mod:`.two_factor` and :mod:`.emails` do the work, the
audit trail is written by :mod:`.signals` (sign-in, failure, sign-out) and here (account changes).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django_otp import login as otp_login

from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from . import two_factor
from .access import role_of
from .decorators import second_factor_redirect
from .emails import CouldNotSend, send_account_exists_email, send_password_changed_email, send_verification_email
from .forms import (
    CodeForm,
    DisplayNameForm,
    ResendVerificationForm,
    SignInForm,
    SignUpForm,
    SpinepathPasswordResetForm,
)
from .models import Role
from .signals import PASSWORD, PASSWORD_AND_CODE, SIGN_IN_METHOD_ATTRIBUTE, audit_wrong_code
from .verification import BadToken, is_verified, mark_verified, user_for_token

User = get_user_model()

# Where each role works: (URL names, the first that exists is used; label). The pages are built by other apps; a
# place none of whose names exists yet is skipped.
ROLE_PLACES: dict[str, tuple[tuple[tuple[str, ...], Any], ...]] = {
    Role.PATIENT: ((("care:list",), gettext_lazy("My requests")), (("outcomes:mine",), gettext_lazy("My recovery"))),
    Role.COORDINATOR: ((("console:queue",), gettext_lazy("Request queue")),
                       (("outcomes:staff_home",), gettext_lazy("Follow-ups and alerts"))),
    Role.SURGEON: ((("review:queue",), gettext_lazy("Requests to review")),
                   (("outcomes:staff_home",), gettext_lazy("Follow-ups and alerts"))),
    Role.ADMIN: ((("audit:list", "audit:events"), gettext_lazy("Audit trail")),
                 (("admin:index",), gettext_lazy("Administration"))),
}

# A password sign-in waiting for its authenticator code lives in the session under this key, for this long.
PENDING_SIGN_IN = "spinepath_pending_sign_in"
PENDING_SIGN_IN_SECONDS = 5 * 60
MAX_WRONG_CODES = 5


def reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def role_places(role: str | None) -> list[tuple[str, str]]:
    """(url, label) for each page of the role's work that exists."""
    places = []
    for names, label in ROLE_PLACES.get(role or "", ()):
        url = next((found for name in names if (found := reverse_or_none(name))), None)
        if url is not None:
            places.append((url, str(label)))
    return places


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _safe_next(request: HttpRequest, default: str = "") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return default


# ---- the signed-in home and the account page ------------------------------------------------------------------

@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Sends each role to its place; an admin first through two-step verification."""
    if (go := second_factor_redirect(request, next_url=reverse("accounts:home"))) is not None:
        return go
    places = role_places(role_of(request.user))
    if places:
        return HttpResponseRedirect(places[0][0])
    return render(request, "accounts/home.html", {"places": places, **_account_context(request)})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    profile = request.user.profile
    form = DisplayNameForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(request, Action.CHANGE, "account", request.user.pk, detail="display name changed")
        messages.success(request, _("Your name has been saved."))
        return redirect("accounts:account")
    return render(request, "accounts/account.html", {"form": form, **_account_context(request)})


def _account_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    role = role_of(user)
    return {
        "role": role,
        "profile": user.profile,
        "email_verified": is_verified(user),
        "places": role_places(role),
        "may_use_two_factor": two_factor.may_use_two_factor(role),
        "two_factor_on": two_factor.has_confirmed_device(user),
    }


# ---- sign-up and e-mail verification ---------------------------------------------------------------------------

@sensitive_post_parameters("password", "password_again")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        existing = User._default_manager.filter(username=email).first()
        try:
            if existing is not None:
                # Same page, same time taken (the hash is the slow part): the form never reveals who has an account.
                make_password(form.cleaned_data["password"])
                send_account_exists_email(request, existing)
            else:
                user = _create_patient(request, email, form.cleaned_data["password"], form.cleaned_data["display_name"])
                send_verification_email(request, user)
        except CouldNotSend:
            messages.error(request, _("We could not send the e-mail just now. Sign in and ask for a new link, or "
                                      "try again later."))
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


def _create_patient(request: HttpRequest, email: str, password: str, display_name: str) -> Any:
    with transaction.atomic():
        user = User._default_manager.create_user(username=email, email=email, password=password)
        profile = user.profile  # made by the post_save signal, as a patient
        profile.display_name = display_name
        profile.preferred_language = get_language() or ""
        profile.save(update_fields=["display_name", "preferred_language"])
        record(request, Action.CREATE, "account", user.pk, actor_id=user.pk, actor_role=Role.PATIENT,
               detail="patient signed up")
    return user


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_done.html")


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = user_for_token(token)
    except BadToken as bad:
        return render(request, "accounts/verify_failed.html", {"expired": bad.expired}, status=400)
    if mark_verified(user):
        record(request, Action.CHANGE, "account", user.pk, actor_id=user.pk, actor_role=role_of(user) or "",
               detail="e-mail address verified")
    messages.success(request, _("Thank you: your e-mail address is confirmed."))
    if request.user.is_authenticated:
        return redirect("accounts:home")
    return redirect("accounts:login")


def resend_verification(request: HttpRequest) -> HttpResponse:
    """Signed in: a button that sends a new link to the account's address. Signed out: asks for the address (and
    says the same thing whether or not it has an unverified account)."""
    user = request.user
    if user.is_authenticated:
        if is_verified(user):
            messages.info(request, _("Your e-mail address is already confirmed."))
            return redirect("accounts:account")
        if request.method == "POST":
            _send_link_and_say_so(request, user)
            return redirect("accounts:account")
        return render(request, "accounts/resend.html", {"form": None})
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = User._default_manager.filter(username=form.cleaned_data["email"], is_active=True).first()
        if found is not None and not is_verified(found):
            with contextlib.suppress(CouldNotSend):  # not revealed: the page says the same either way
                send_verification_email(request, found)
        messages.info(request, _("If that address has an account that is not yet confirmed, we have sent a new "
                                 "link to it."))
        return redirect("accounts:login")
    return render(request, "accounts/resend.html", {"form": form}, status=400 if form.errors else 200)


def _send_link_and_say_so(request: HttpRequest, user: Any) -> None:
    try:
        sent = send_verification_email(request, user)
    except CouldNotSend:
        messages.error(request, _("We could not send the e-mail just now. Please try again in a few minutes."))
        return
    if sent:
        messages.success(request, _("We have sent a new link to your e-mail address. It works for 3 days."))
    else:
        messages.info(request, _("We sent you a link less than a minute ago. Please wait a little before asking "
                                 "for another one."))


# ---- sign-in, the code step, sign-out --------------------------------------------------------------------------

class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:
        user = form.get_user()
        next_url = self.get_success_url()
        if two_factor.has_confirmed_device(user):
            self.request.session[PENDING_SIGN_IN] = {
                "user": user.pk, "backend": user.backend, "next": next_url, "started": time.time(), "wrong": 0,
            }
            return redirect(_with_next(reverse("accounts:login_code"), None))
        setattr(self.request, SIGN_IN_METHOD_ATTRIBUTE, PASSWORD)
        auth_login(self.request, user)
        if two_factor.required_for(role_of(user)):
            return redirect(_with_next(reverse("accounts:two_factor_setup"), next_url))
        return HttpResponseRedirect(next_url)

    def form_invalid(self, form: SignInForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CodeView(FormView):
    """The authenticator code: the second step of signing in, or confirming an already signed-in session (an
    admin whose session is not yet verified)."""

    form_class = CodeForm
    template_name = "accounts/login_code.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.pending: dict[str, Any] | None = None
        if request.user.is_authenticated:
            self.user = request.user
            self.next_url = _safe_next(request, reverse("accounts:home"))
            if request.user.is_verified():
                return HttpResponseRedirect(self.next_url)
        else:
            pending = request.session.get(PENDING_SIGN_IN)
            user = User._default_manager.filter(pk=(pending or {}).get("user"), is_active=True).first()
            if pending is None or user is None or time.time() - pending["started"] > PENDING_SIGN_IN_SECONDS:
                request.session.pop(PENDING_SIGN_IN, None)
                messages.info(request, _("Please sign in again."))
                return redirect("accounts:login")
            self.pending, self.user, self.next_url = pending, user, pending["next"]
        self.device = two_factor.confirmed_device(self.user)
        if self.device is None:
            return redirect(_with_next(reverse("accounts:two_factor_setup"), self.next_url))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "next": self.next_url, "signing_in": self.pending is not None}

    def form_valid(self, form: CodeForm) -> HttpResponse:
        check = two_factor.check_code(self.device, form.cleaned_data["code"])
        if check.wait_seconds:
            form.add_error("code", _("Too many wrong codes. Wait %(seconds)s seconds, then enter the code your app "
                                     "shows at that moment.") % {"seconds": check.wait_seconds})
            return self.form_invalid(form)
        if not check.accepted:
            audit_wrong_code(self.request, self.user)
            if self.pending is not None:
                self.pending["wrong"] += 1
                if self.pending["wrong"] >= MAX_WRONG_CODES:
                    self.request.session.pop(PENDING_SIGN_IN, None)
                    messages.error(self.request, _("Too many wrong codes. Please sign in again."))
                    return redirect("accounts:login")
                self.request.session[PENDING_SIGN_IN] = self.pending
            form.add_error("code", _("That code is not right or has expired. Enter the code your app shows now."))
            return self.form_invalid(form)
        if self.pending is not None:
            self.request.session.pop(PENDING_SIGN_IN, None)
            setattr(self.request, SIGN_IN_METHOD_ATTRIBUTE, PASSWORD_AND_CODE)
            auth_login(self.request, self.user, backend=self.pending["backend"])
        else:
            record(self.request, Action.LOGIN, "account", self.user.pk, detail="authenticator code confirmed")
        otp_login(self.request, self.device)
        return HttpResponseRedirect(self.next_url)

    def form_invalid(self, form: CodeForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks (a link must not sign anyone out); POST signs out."""
    if request.method == "POST":
        auth_logout(request)
        messages.success(request, _("You have signed out."))
        return redirect("pages:home")
    if not request.user.is_authenticated:
        return redirect("pages:home")
    return render(request, "accounts/logout.html")


# ---- passwords -------------------------------------------------------------------------------------------------

class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record(self.request, Action.CHANGE, "account", self.request.user.pk, detail="password changed")
        with contextlib.suppress(CouldNotSend):  # the change itself succeeded; the notice is a courtesy
            send_password_changed_email(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = SpinepathPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        # The link reached them, so the address is theirs; and a lockout need not outlast a new password.
        mark_verified(user)
        from axes.utils import reset as reset_lockouts

        reset_lockouts(username=user.get_username())
        record(self.request, Action.CHANGE, "account", user.pk, actor_id=user.pk, actor_role=role_of(user) or "",
               detail="password set with an e-mailed link")
        with contextlib.suppress(CouldNotSend):
            send_password_changed_email(self.request, user)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# ---- two-step verification -------------------------------------------------------------------------------------

def _staff_only(request: HttpRequest) -> HttpResponse | None:
    if not two_factor.may_use_two_factor(role_of(request.user)):
        from .decorators import forbidden

        return forbidden(request)
    return None


@login_required
def two_factor_status(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_only(request)) is not None:
        return refused
    role = role_of(request.user)
    return render(request, "accounts/two_factor.html", {
        "two_factor_on": two_factor.has_confirmed_device(request.user),
        "required": two_factor.required_for(role),
        "form": CodeForm(),
    })


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_only(request)) is not None:
        return refused
    user = request.user
    next_url = _safe_next(request, reverse("accounts:two_factor"))
    if two_factor.has_confirmed_device(user):
        return redirect(_with_next(reverse("accounts:login_code"), next_url) if not user.is_verified()
                        else "accounts:two_factor")
    device = two_factor.device_being_set_up(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = two_factor.check_code(device, form.cleaned_data["code"])
        if check.accepted:
            two_factor.confirm(device)
            otp_login(request, device)
            record(request, Action.CHANGE, "account", user.pk, detail="two-step verification turned on")
            messages.success(request, _("Two-step verification is on. You will be asked for a code each time you "
                                        "sign in."))
            return HttpResponseRedirect(next_url)
        if check.wait_seconds:
            form.add_error("code", _("Too many wrong codes. Wait %(seconds)s seconds, then enter the code your app "
                                     "shows at that moment.") % {"seconds": check.wait_seconds})
        else:
            form.add_error("code", _("That code is not right. Check that you scanned the code on this page, then "
                                     "enter the code your app shows now."))
    return render(request, "accounts/two_factor_setup.html", {
        "form": form,
        "next": next_url,
        "required": two_factor.required_for(role_of(user)),
        "qr_code": two_factor.qr_code_data_uri(two_factor.otpauth_uri(device)),
        "secret": two_factor.secret_for_manual_entry(device),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Coordinators and surgeons may turn it off with a current code; admins may not (it is required)."""
    if (refused := _staff_only(request)) is not None:
        return refused
    user = request.user
    device = two_factor.confirmed_device(user)
    if device is None:
        return redirect("accounts:two_factor")
    if two_factor.required_for(role_of(user)):
        messages.error(request, _("Administrators must use two-step verification; it cannot be turned off."))
        return redirect("accounts:two_factor")
    form = CodeForm(request.POST)
    if form.is_valid() and two_factor.check_code(device, form.cleaned_data["code"]).accepted:
        two_factor.remove_devices(user)
        record(request, Action.CHANGE, "account", user.pk, detail="two-step verification turned off")
        messages.success(request, _("Two-step verification is off."))
        return redirect("accounts:two_factor")
    if form.is_valid():
        form.add_error("code", _("That code is not right or has expired. Enter the code your app shows now."))
    return render(request, "accounts/two_factor.html", {"two_factor_on": True, "required": False, "form": form},
                  status=400)
