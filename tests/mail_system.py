"""A real mail system on loopback: Debian's Postfix relaying to Debian's Dovecot, each started
from its own configuration in a temporary folder, so tests see what a real MTA does with our
letters — its envelope handling and its own bounces — and read the result back over IMAP.

Postfix listens on 127.0.0.1 on a free high port and accepts mail for company.test and
notices.test without checking recipients, then hands it to Dovecot over LMTP. Dovecot knows the
users in USERS only: it refuses anyone else with 550 5.1.1, so Postfix, having already said 250,
writes its own bounce (DSN) to the envelope sender and relays that to Dovecot in turn. Both strip
a "+detail" to find the mailbox, as production mail systems commonly do.

Postfix needs root (root-owned queue folders, the `postfix` user of the Debian package). Outside
CI, without Postfix or without root, the tests that need it skip and say why; in CI they fail.
A run that died without its teardown leaves a folder whose owner process is gone: the next start
stops the servers found there (never those of a run still going) and removes it.
"""

import email
import email.message
import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.smtp_server import free_port
from warnings_demo.local_stack import is_alive

DOMAINS = ("company.test", "notices.test")
PASSWORD = "mail-system-test-password"
# Dovecot's users (full addresses: Postfix hands Dovecot the whole recipient address).
NOTICES = "notices@notices.test"
LEGAL = "legal@company.test"
USERS = (NOTICES, LEGAL)
PREFIX = "mail-system-test-"
POSTFIX = "/usr/sbin/postfix"
DOVECOT = "/usr/sbin/dovecot"

DOVECOT_CONFIG = """
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {root}/dovecot/run
state_dir = {root}/dovecot/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# "notices+b-1-s1-token@notices.test" is delivered to notices@notices.test's INBOX; the full
# address stays in the Delivered-To header Dovecot's LMTP adds.
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/dovecot/users
}}
# A static userdb without allow_all_users asks the passdb whether a user exists, so LMTP refuses
# every address not in the users file with 550 5.1.1.
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
service anvil {{
  chroot =
}}
"""

POSTFIX_MAIN = """
compatibility_level = 3.6
queue_directory = {root}/postfix/queue
data_directory = {root}/postfix/data
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
myhostname = mail.notices.test
mydomain = notices.test
myorigin = $myhostname
# Loopback only, never port 25: this instance exists for the tests.
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# Nothing is delivered locally: every accepted message is relayed to Dovecot over LMTP.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = {domains}
# No recipient check at SMTP time: the sender sees 250 for an unknown user, and Postfix bounces
# it afterwards, as a relay in front of a mailbox server does.
relay_recipient_maps =
smtpd_reject_unlisted_recipient = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
relay_transport = lmtp:inet:[127.0.0.1]:{lmtp_port}
# Mail for anywhere else is bounced at once: nothing leaves this machine.
default_transport = error:5.7.1 the test mail system delivers to {domains} only
recipient_delimiter = +
smtpd_peername_lookup = no
lmtp_host_lookup = native
biff = no
# Act within seconds: retry often, give up within a minute, no "delayed" warnings.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = 1m
bounce_queue_lifetime = 1m
delay_warning_time = 0h
"""

# No chroot anywhere (a chroot needs copies of /etc files in the queue folder).
POSTFIX_MASTER = """
127.0.0.1:{smtp_port} inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n -  0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -  - trivial-rewrite
bounce     unix  - - n -  0 bounce
defer      unix  - - n -  0 bounce
trace      unix  - - n -  0 bounce
verify     unix  - - n -  1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -  - proxymap
proxywrite unix  - - n -  1 proxymap
smtp       unix  - - n -  - smtp
relay      unix  - - n -  - smtp
showq      unix  n - n -  - showq
error      unix  - - n -  - error
retry      unix  - - n -  - error
discard    unix  - - n -  - discard
lmtp       unix  - - n -  - lmtp
anvil      unix  - - n -  1 anvil
scache     unix  - - n -  1 scache
postlog    unix-dgram n - n - 1 postlogd
"""


def require_mail_system() -> None:
    """Skip (outside CI) or fail (in CI) when Postfix and Dovecot cannot run here."""
    missing = [path for path in (POSTFIX, DOVECOT) if not os.path.exists(path)]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing: .ci/run installs postfix and dovecot-lmtpd")
        pytest.skip(
            "needs Postfix and Dovecot: apt-get install postfix dovecot-imapd dovecot-lmtpd "
            "(make test does as root)"
        )
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("Postfix needs root to start (root-owned queue folders)")
        pytest.skip("needs root: Postfix runs with root-owned queue folders")


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stop_servers(root: Path) -> None:
    """Stop the Postfix and Dovecot started from `root`, whatever state they are in."""
    if (root / "postfix" / "etc" / "main.cf").exists():
        subprocess.run(
            [POSTFIX, "-c", str(root / "postfix" / "etc"), "stop"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    dovecot = _pid_in(root / "dovecot" / "run" / "master.pid")
    if dovecot and is_alive(dovecot):
        os.kill(dovecot, signal.SIGTERM)


def clean_leftovers() -> None:
    """Stop and remove the mail systems of earlier runs that died before their teardown: a
    folder whose owner process no longer exists. Other runs' live systems are left alone."""
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = _pid_in(root / "owner.pid")
        if owner is not None and is_alive(owner):
            continue
        try:
            if owner is None and time.time() - root.stat().st_mtime < 60:
                continue  # just made by another run, which has not written its pid yet
        except FileNotFoundError:
            continue  # its owner removed it meanwhile
        _stop_servers(root)
        shutil.rmtree(root, ignore_errors=True)


class MailSystem:
    """Postfix on 127.0.0.1:`smtp_port` in front of Dovecot (IMAP on `imap_port`)."""

    def __init__(self) -> None:
        require_mail_system()
        clean_leftovers()
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.root / "owner.pid").write_text(f"{os.getpid()}\n")
        self.smtp_port, self.imap_port, self.lmtp_port = free_port(), free_port(), free_port()
        self.dovecot: subprocess.Popen | None = None
        self.postfix_started = False

    def __enter__(self) -> "MailSystem":
        try:
            self._start_dovecot()
            self._start_postfix()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.postfix_started:
            subprocess.run(
                [POSTFIX, "-c", str(self.root / "postfix" / "etc"), "stop"],
                capture_output=True,
                timeout=30,
                check=False,
            )
        if self.dovecot is not None:
            self.dovecot.terminate()
            self.dovecot.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def _start_dovecot(self) -> None:
        self.root.chmod(0o755)  # Postfix's and Dovecot's own users walk through it
        owner = pwd.getpwnam("nobody")  # Dovecot never runs mail processes as root
        (self.root / "dovecot").mkdir()
        (self.root / "home").mkdir()
        os.chown(self.root / "home", owner.pw_uid, owner.pw_gid)  # Dovecot makes each Maildir
        (self.root / "dovecot" / "users").write_text(
            "".join(f"{user}:{{PLAIN}}{PASSWORD}\n" for user in USERS)
        )
        config = self.root / "dovecot" / "dovecot.conf"
        config.write_text(
            DOVECOT_CONFIG.format(
                root=self.root,
                uid=owner.pw_uid,
                gid=owner.pw_gid,
                imap_port=self.imap_port,
                lmtp_port=self.lmtp_port,
            )
        )
        self.dovecot = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until(lambda: self.imap(NOTICES).logout(), "Dovecot", "dovecot.log")

    def _start_postfix(self) -> None:
        etc = self.root / "postfix" / "etc"
        etc.mkdir(parents=True)
        for folder in ("queue", "data"):
            (self.root / "postfix" / folder).mkdir()
        postfix = pwd.getpwnam("postfix")
        os.chown(self.root / "postfix" / "data", postfix.pw_uid, postfix.pw_gid)
        domains = " ".join(DOMAINS)
        (etc / "main.cf").write_text(
            POSTFIX_MAIN.format(root=self.root, domains=domains, lmtp_port=self.lmtp_port)
        )
        (etc / "master.cf").write_text(POSTFIX_MASTER.format(smtp_port=self.smtp_port))
        started = subprocess.run(
            [POSTFIX, "-c", str(etc), "start"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.postfix_started = True  # even a failed start may leave a master to stop
        if started.returncode != 0:
            raise RuntimeError(f"Postfix did not start: {started.stdout}{started.stderr}")
        self._wait_until(self._smtp_greets, "Postfix", "maillog")

    def _smtp_greets(self) -> None:
        import smtplib

        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=5) as client:
            client.noop()

    def _wait_until(self, probe: Callable[[], object], name: str, log: str) -> None:
        deadline = time.monotonic() + 20
        while True:
            try:
                probe()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start; see {self.root / log}") from None
                time.sleep(0.1)

    def imap(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        client.login(user, PASSWORD)
        return client

    def imap_url(self, user: str) -> str:
        """The IMAP_URL of `user`'s INBOX (the "@" of the user name escaped)."""
        return f"imap://{user.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{self.imap_port}/INBOX"

    def messages(self, user: str) -> list[email.message.Message]:
        """Every message in `user`'s INBOX, read over IMAP without marking it seen."""
        client = self.imap(user)
        try:
            client.select("INBOX", readonly=True)
            _, data = client.uid("SEARCH", "ALL")
            found = []
            for uid in (data[0] or b"").split():
                _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
                found.append(email.message_from_bytes(fetched[0][1]))
            return found
        finally:
            client.logout()

    def wait_for(
        self, user: str, matches: Callable[[email.message.Message], bool], timeout: float = 30
    ) -> email.message.Message:
        """The first message in `user`'s INBOX for which `matches` is true, once Postfix and
        Dovecot have delivered it; fails with both servers' logs when none comes in time."""
        deadline = time.monotonic() + timeout
        while True:
            found = [message for message in self.messages(user) if matches(message)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no such message for {user} within {timeout} s.\n"
                    f"Postfix log:\n{self.log('maillog')}\nDovecot log:\n{self.log('dovecot.log')}"
                )
            time.sleep(0.1)

    def empty(self, user: str) -> None:
        """Delete everything in `user`'s INBOX: each test reads only what it caused."""
        client = self.imap(user)
        try:
            _, count = client.select("INBOX")
            if int(count[0] or 0):
                client.store("1:*", "+FLAGS", "(\\Deleted)")
                client.expunge()
        finally:
            client.logout()

    def log(self, name: str) -> str:
        path = self.root / name
        return path.read_text(errors="replace") if path.exists() else "(none)"
