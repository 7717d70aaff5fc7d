"""gunicorn's settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Each value can be changed from the environment (the names below); docs/operations.md shows the
processes around it."""

import multiprocessing
import os

# Behind a reverse proxy on the same host by default; set GUNICORN_BIND=0.0.0.0:8000 otherwise.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: pages are short database reads, and a slow request (an evidence bundle) holds one
# process, not the event loop of all. 2 x cores + 1 is gunicorn's own rule of thumb.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A request still running after this is killed and its worker replaced: the longest pages (an
# evidence bundle download, an export of every letter) finish well inside it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Connections kept open by a proxy for this long between requests.
keepalive = 5
# Replace each worker after this many requests (plus jitter, so they do not all restart at once):
# bounds the memory a long-running process can gather.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Access and error logs to stdout/stderr, for systemd's journal or the platform's log collector.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# gunicorn's control socket (`gunicornc`) is one path per user by default ($HOME/.gunicorn/
# gunicorn.ctl), so two instances on one host would take it from each other. Nothing here uses it:
# off, unless GUNICORN_CONTROL_SOCKET names a path for this instance.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
