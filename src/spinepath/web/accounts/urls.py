"""Accounts, under /<language>/account/ (namespace ``accounts``)."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.account, name="account"),
    path("sign-up/", views.signup, name="signup"),
    path("sign-up/check-your-email/", views.signup_done, name="signup_done"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/code/", views.CodeView.as_view(), name="login_code"),
    path("sign-out/", views.sign_out, name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("two-step/", views.two_factor_status, name="two_factor"),
    path("two-step/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("two-step/turn-off/", views.two_factor_disable, name="two_factor_disable"),
]
