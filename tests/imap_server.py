"""A real IMAP server on loopback: Debian's Dovecot, started with its own configuration in a
temporary folder, one user with a Maildir. Skips outside CI when Dovecot is not installed."""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.smtp_server import free_port

USER, PASSWORD = "paralegal", "imap-test-password"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class ImapServer:
    def __init__(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.path.exists(binary):
            if os.environ.get("CI"):
                pytest.fail("Dovecot is missing: .ci/run installs dovecot-imapd")
            pytest.skip("needs Dovecot: apt-get install dovecot-imapd (make test does as root)")
        self.binary = binary
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="imap-test-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def __enter__(self) -> "ImapServer":
        self.root.chmod(0o755)
        owner = pwd.getpwnam("nobody")  # Dovecot never runs mail processes as root
        maildir = self.root / "home" / USER / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True)
        for folder in [self.root / "home", self.root / "home" / USER, maildir, *maildir.iterdir()]:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(root=self.root, uid=owner.pw_uid, gid=owner.pw_gid, port=self.port)
        )
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.client().logout()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"Dovecot did not start; see {self.root / 'dovecot.log'}")

    def client(self):
        import imaplib

        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, raw: bytes) -> None:
        client = self.client()
        try:
            client.append("INBOX", None, None, raw)
        finally:
            client.logout()

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
