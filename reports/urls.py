from __future__ import annotations

from django.urls import path

from reports import drill_views, views

app_name = "reports"

urlpatterns = [
    path("overview/security-report.csv", views.security_report, {"fmt": "csv"}, name="security-report-csv"),
    path("overview/security-report.json", views.security_report, {"fmt": "json"}, name="security-report-json"),
    path("sandbox/training/", views.training, name="training"),
    path("sandbox/training/drills/", drill_views.drill_list, name="drills"),
    path("sandbox/training/drills/<slug:drill>/start/", drill_views.drill_start, name="drill-start"),
    path("sandbox/training/drills/runs/<int:run_id>/", drill_views.drill_detail, name="drill"),
    path("sandbox/training/drills/runs/<int:run_id>/debrief/", drill_views.drill_debrief, name="drill-debrief"),
    path("sandbox/training/drills/runs/<int:run_id>/revert/", drill_views.drill_revert, name="drill-revert"),
    path("reports/credential/", views.credential_report, name="credential"),
    path("reports/credential/generate/", views.credential_report_generate, name="credential-generate"),
    path("reports/credential/progress/", views.credential_report_progress, name="credential-progress"),
    path("reports/credential/download/", views.credential_report_download, name="credential-download"),
]
