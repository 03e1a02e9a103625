from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "needlecare.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
