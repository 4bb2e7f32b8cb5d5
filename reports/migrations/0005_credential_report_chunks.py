"""Credential reports stored as a header and row chunks (issue 20): a GetCredentialReport page reads
the chunks it spans, not the whole CSV. Reports stored whole before are split in place."""

import django.db.models.deletion
from django.db import migrations, models

# The chunk size of reports.services.ROWS_PER_CHUNK when this was written (pages read any size).
ROWS_PER_CHUNK = 500


def split_stored_reports(apps, schema_editor):
    reports = apps.get_model("reports", "CredentialReport")
    chunks = apps.get_model("reports", "CredentialReportChunk")
    for report in reports.objects.exclude(header="").iterator(chunk_size=1):
        header, *rows = report.header.splitlines(keepends=True)
        chunks.objects.bulk_create(
            chunks(report=report, first_row=first, rows="".join(rows[first : first + ROWS_PER_CHUNK]))
            for first in range(0, len(rows), ROWS_PER_CHUNK)
        )
        reports.objects.filter(pk=report.pk).update(header=header)


def join_stored_reports(apps, schema_editor):
    reports = apps.get_model("reports", "CredentialReport")
    chunks = apps.get_model("reports", "CredentialReportChunk")
    for report in reports.objects.exclude(header="").iterator(chunk_size=1):
        rows = chunks.objects.filter(report=report).order_by("first_row").values_list("rows", flat=True)
        reports.objects.filter(pk=report.pk).update(header=report.header + "".join(rows))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_drill_run"),
    ]

    operations = [
        # The column keeps its name (content): only the field is renamed.
        migrations.AlterField(
            model_name="credentialreport",
            name="content",
            field=models.TextField(blank=True, db_column="content"),
        ),
        migrations.RenameField(model_name="credentialreport", old_name="content", new_name="header"),
        migrations.CreateModel(
            name="CredentialReportChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("first_row", models.PositiveIntegerField()),
                ("rows", models.TextField()),
                (
                    "report",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chunks",
                        to="reports.credentialreport",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("report", "first_row"), name="credential_report_chunk_position")
                ]
            },
        ),
        migrations.RunPython(split_stored_reports, join_stored_reports),
    ]
