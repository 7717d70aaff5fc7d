"""Full-text indexes for the search box (PostgreSQL only; SQLite searches by substring).

Each index is on exactly the expression `search.py` builds with SearchVector(..., config="simple"),
so PostgreSQL answers a search from the index instead of reading every reply."""

from django.db import migrations

INDEXES = {
    "search_company_text": ("warnings_app_company", ["legal_name", "aliases", "domain"]),
    "search_response_text": ("warnings_app_response", ["subject", "body_text", "sender"]),
}


def _expression(columns: list[str]) -> str:
    return " || ' ' || ".join(f"COALESCE(\"{c}\", '')" for c in columns)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f"USING gin (to_tsvector('simple'::regconfig, {_expression(columns)}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("warnings_app", "0010_reports")]

    operations = [migrations.RunPython(create, drop)]
