"""The Django admin for accounts, and the admin site itself made two-step.

* The site is django-otp's :class:`~django_otp.admin.OTPAdminSite` (only sessions verified with an authenticator
  code get in); its own sign-in form is replaced by ours, so there is one sign-in page, with the lockout and the
  audit trail, and an admin without a device is sent to set one up.
* Users carry their :class:`Profile` inline (role, organisation, hospital); a surgeon needs a hospital and a
  coordinator an organisation (``Profile.clean``). New staff get no password: the action "Send a link to set a
  password" e-mails them one (or use ``manage.py create_staff``, which prints it).
* Authenticator devices (django-otp's admin) without their secrets: an admin can remove a lost device, not read
  or create one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from .decorators import forbidden, second_factor_redirect
from .forms import SpinepathPasswordResetForm, normalise_email
from .models import Profile, Role

User = get_user_model()


class SpinepathAdminSite(OTPAdminSite):
    """OTPAdminSite whose sign-in is the site's own (see the module docstring)."""

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            next_url = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(next_url, reverse("accounts:login"))
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if (go := second_factor_redirect(request, next_url=next_url)) is not None:
            return go
        if not request.user.is_verified():  # staff but not an admin, without a verified session
            return redirect_to_login(next_url, reverse("accounts:login_code"))
        return forbidden(request)  # signed in and verified, but not staff


# The default site's registrations (auth, django-otp, every app's admin.py) stay; only its behaviour changes.
admin.site.__class__ = SpinepathAdminSite
admin.site.site_header = "spinepath administration"
admin.site.site_title = "spinepath"


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    max_num = 1
    min_num = 1
    fields = ["role", "organisation", "hospital", "display_name", "preferred_language", "email_verified_at"]
    readonly_fields = ["email_verified_at"]
    autocomplete_fields: list[str] = []


class StaffUserCreationForm(AdminUserCreationForm):
    """A new account's username is its e-mail address, in lower case."""

    username = forms.EmailField(label=_("E-mail address"), max_length=150)

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)

    def clean_username(self) -> str:
        email = normalise_email(self.cleaned_data["username"])
        if User._default_manager.filter(username=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.email = user.username
        if commit:
            user.save()
        return user


@admin.action(description=_("Send a link to set a password"))
def send_password_link(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    sent = 0
    for user in queryset.filter(is_active=True).exclude(email=""):
        form = SpinepathPasswordResetForm({"email": user.email})
        if form.is_valid():
            form.save(request=request, use_https=request.is_secure(),
                      subject_template_name="accounts/email/password_reset_subject.txt",
                      email_template_name="accounts/email/password_reset_body.txt")
            record(request, Action.CHANGE, "account", user.pk, detail="password link sent by an admin")
            sent += 1
    modeladmin.message_user(request, _("Links sent: %(count)d.") % {"count": sent}, messages.SUCCESS)


admin.site.unregister(User)


@admin.register(User)
class SpinepathUserAdmin(UserAdmin):
    add_form = StaffUserCreationForm
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1",
                                                              "password2")}),)
    list_display = ["username", "role", "is_active", "is_staff", "last_login"]
    list_filter = ["profile__role", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["profile"]
    actions = [send_password_link]

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, user: Any) -> str:
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile is not None else "—"

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[admin.options.InlineModelAdmin]]:
        # On "add", the profile is made by the post_save signal; it is edited on the change page that follows.
        return [ProfileInline] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            record(request, Action.CREATE, "account", obj.pk, detail="account created by an admin")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        profile = Profile.objects.filter(user=form.instance).first()
        if profile is None:
            return
        if profile.role == Role.ADMIN and not form.instance.is_staff:
            # The admin site is for staff users; an admin's role without it would be a dead end.
            form.instance.is_staff = True
            form.instance.save(update_fields=["is_staff"])
        for formset in formsets:
            if formset.has_changed():
                record(request, Action.CHANGE, "account", form.instance.pk,
                       detail=f"profile changed by an admin: role={profile.role}")


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorDeviceAdmin(TOTPDeviceAdmin):
    """django-otp's device admin without the secret key or its QR code (``OTP_ADMIN_HIDE_SENSITIVE_DATA``, always),
    and without adding devices: users set up their own."""

    def get_list_display(self, request: HttpRequest) -> list[str]:
        return [name for name in super().get_list_display(request) if name != "qrcode_link"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        hidden = {"key", "qrcode_link"}
        return [(title, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
                for title, options in super().get_fieldsets(request, obj)
                if any(f not in hidden for f in options["fields"])]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        raise PermissionDenied

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        raise PermissionDenied

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(request, Action.DELETE, "account", obj.user_id, detail="authenticator device removed by an admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for device in queryset:
            record(request, Action.DELETE, "account", device.user_id,
                   detail="authenticator device removed by an admin")
        super().delete_queryset(request, queryset)
