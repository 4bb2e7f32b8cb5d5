"""On PostgreSQL, a report chunk's rows are stored out of line uncompressed (STORAGE EXTERNAL):
compressing ~700 KB per chunk on write and decompressing it on every page read cost more than the
disk it saved (100,000 users: the build 1.9-2.2 -> 1.6-1.8 s, a page 13-22 -> 11.5 ms, measured
alternately on one database). SQLite has no such setting."""

from django.db import migrations

TABLE = "reports_credentialreportchunk"


def storage(kind: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN "rows" SET STORAGE {kind}')

    return alter


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_credential_report_chunks")]

    operations = [migrations.RunPython(storage("EXTERNAL"), storage("EXTENDED"))]
