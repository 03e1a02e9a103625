from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "needlecare.accounts"
    label = "accounts"
    verbose_name = "Accounts"
