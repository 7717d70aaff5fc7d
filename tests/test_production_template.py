"""deploy/production.env.example lists every variable the settings and the web server's config
read, so an operator never has to read code to find a setting."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "production.env.example"
READERS = [ROOT / "config" / "settings.py", ROOT / "config" / "gunicorn.py"]
# Read by the settings, but set by the test suite itself, not by an operator.
NOT_FOR_OPERATORS = {"WARNINGS_IGNORE_DOTENV"}


def _variables_read() -> set[str]:
    names = set()
    for path in READERS:
        source = path.read_text()
        names |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))
        names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', source))
    return names - NOT_FOR_OPERATORS


def _variables_listed() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", TEMPLATE.read_text(), flags=re.M))


def test_the_template_lists_every_variable_the_project_reads():
    read = _variables_read()

    assert {"SECRET_KEY", "DATABASE_URL", "GUNICORN_BIND", "WEB_CONCURRENCY"} <= read
    assert read - _variables_listed() == set()


def test_the_template_says_it_is_for_production_on_its_first_line():
    first = TEMPLATE.read_text().splitlines()[0]

    assert first.startswith("# PRODUCTION environment template")
    assert re.search(r"^DEBUG=false$", TEMPLATE.read_text(), flags=re.M)
