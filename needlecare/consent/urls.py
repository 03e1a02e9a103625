from django.urls import path

from needlecare.consent import views

app_name = "consent"
urlpatterns = [
    path("patients/<uuid:patient_id>/consent/sign/", views.consent_sign, name="sign"),
    path("patients/<uuid:patient_id>/consent/<uuid:signature_id>/", views.consent_detail, name="detail"),
    path(
        "patients/<uuid:patient_id>/consent/<uuid:signature_id>/withdraw/",
        views.consent_withdraw,
        name="withdraw",
    ),
    path("clinic/consent/", views.template_list, name="templates"),
    path("clinic/consent/edit/", views.template_edit, name="template_edit"),
    path("clinic/consent/<int:template_id>/", views.template_detail, name="template"),
]
