from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("overview/security-report.csv", views.security_report, {"fmt": "csv"}, name="security-report-csv"),
    path("overview/security-report.json", views.security_report, {"fmt": "json"}, name="security-report-json"),
    path("sandbox/training/", views.training, name="training"),
    path("reports/credential/", views.credential_report, name="credential"),
    path("reports/credential/generate/", views.credential_report_generate, name="credential-generate"),
    path("reports/credential/progress/", views.credential_report_progress, name="credential-progress"),
    path("reports/credential/download/", views.credential_report_download, name="credential-download"),
]
