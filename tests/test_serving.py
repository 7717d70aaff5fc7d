"""Production serving as shipped: gunicorn with config/gunicorn.py and production settings (DEBUG
off) serves the pages, and WhiteNoise serves the static files under hashed names, compressed and
cached for a year, after `collectstatic`; nothing else is needed in front of it."""

import gzip
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.process_helpers import ROOT, free_port, process_env, run_python


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback only)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serving")
    port = free_port()
    env = process_env(
        DEBUG="false",
        EMAIL_URL="dummymail://",  # serving pages sends no mail
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",  # plain http on loopback
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        VAR_DIR=str(folder),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    collected = run_python("manage.py", "collectstatic", "--noinput", "-v0", env=env, timeout=300)
    assert collected.returncode == 0, collected.stderr
    log = (folder / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield {"base": base, "log": folder / "gunicorn.log"}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_gunicorn_serves_the_sign_in_page_with_production_headers(production_server):
    status, headers, body = _get(production_server["base"] + "/accounts/login/")

    assert status == 200
    assert b'name="password"' in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_static_files_come_hashed_compressed_and_cached_for_a_year(production_server):
    _, _, page = _get(production_server["base"] + "/accounts/login/")
    stylesheet = re.search(rb'href="(/static/warnings_app/css/app\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page should link the hashed name written by collectstatic"

    status, headers, body = _get(
        production_server["base"] + stylesheet.group(1).decode(), **{"Accept-Encoding": "gzip"}
    )

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert "max-age=315360000" in headers["Cache-Control"]
    assert gzip.decompress(body) == (ROOT / "static/warnings_app/css/app.css").read_bytes()


def test_an_unknown_static_file_is_a_404_not_a_page(production_server):
    with pytest.raises(urllib.error.HTTPError) as missing:
        _get(production_server["base"] + "/static/warnings_app/css/missing.css")

    assert missing.value.code == 404


def test_each_request_is_in_the_access_log_with_its_time(production_server):
    _get(production_server["base"] + "/accounts/login/")
    time.sleep(0.5)

    log = production_server["log"].read_text()

    assert re.search(r'"GET /accounts/login/ HTTP/1\.1" 200 \d+ \d+ms', log), log[-2000:]
