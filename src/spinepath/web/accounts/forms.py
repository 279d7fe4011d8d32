"""The accounts forms. Every field has a label and an ``autocomplete`` purpose (WCAG 1.3.5); validation happens on
the server and a form with errors comes back with everything typed in it except passwords.

The e-mail address is the username and is stored in lower case; the sign-in form keeps Django's field name
``username`` because django-axes reads it under that name (and masks it in its own records).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from .models import Profile

User = get_user_model()


def normalise_email(value: str) -> str:
    return value.strip().lower()


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=150, error_messages={"required": _("Enter your e-mail address.")},
        help_text=_("We send a link to this address to confirm it is yours. It is also how you sign in."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    display_name = forms.CharField(
        label=_("Name shown to the care team (optional)"), max_length=120, required=False,
        help_text=_("For example your first name. Leave it empty to be shown as “Patient”."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, error_messages={"required": _("Choose a password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"), strip=False, error_messages={"required": _("Type your password again.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = _("At least 10 characters; not a common password or only numbers.")

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password, again = data.get("password"), data.get("password_again")
        if password:
            email = data.get("email") or ""
            try:
                password_validation.validate_password(password, User(username=email, email=email))
            except forms.ValidationError as error:
                self.add_error("password", error)
        if password and again and password != again:
            self.add_error("password_again", _("The two passwords are not the same. Type the same password twice."))
        return data


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label=_("E-mail address"), max_length=150, error_messages={"required": _("Enter your e-mail address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, error_messages={"required": _("Enter your password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        # The same message whether or not the address has an account.
        "invalid_login": _("The e-mail address or the password is not right. Check them and try again."),
        "inactive": _("The e-mail address or the password is not right. Check them and try again."),
    }

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data["username"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"), max_length=12,
        error_messages={"required": _("Enter the 6 digits shown in your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*", "spellcheck": "false", "class": "code-input"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Enter the 6 digits shown in your authenticator app."))
        return code


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=150, error_messages={"required": _("Enter your e-mail address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class DisplayNameForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name"]
        labels = {"display_name": _("Name shown to others")}
        help_texts = {"display_name": _("Leave it empty to be shown by your role. Your e-mail address is never shown.")}
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "nickname"})}


class SpinepathPasswordResetForm(PasswordResetForm):
    """Django's reset form, also for accounts that have never had a password (staff created by an admin, whose
    first link may have expired)."""

    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, error_messages={"required": _("Enter your e-mail address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def get_users(self, email: str) -> Any:
        return User._default_manager.filter(email__iexact=email.strip(), is_active=True).iterator()
