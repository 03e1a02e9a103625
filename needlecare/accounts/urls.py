from django.urls import path

from needlecare.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/two-factor/", views.totp_setup, name="totp_setup"),
    path("settings/two-factor/remove/", views.totp_remove, name="totp_remove"),
    path("settings/tokens/", views.token_create, name="token_create"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
