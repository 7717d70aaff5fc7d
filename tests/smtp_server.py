"""A real SMTP server on loopback (aiosmtpd) that records what it receives and answers as told:
"250", "451", "550", "drop" (take the data, then close the connection without a reply), or
"hang" (take the data and say nothing for HANG_SECONDS: a worker killed meanwhile never knows)."""

import asyncio
import email
import email.message
import email.parser
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

HANG_SECONDS = 60.0


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.Message:
        # Parsed when asked, not while receiving: parsing every message in the server's own
        # thread would slow down a benchmark that has only two cores to share.
        return email.message_from_bytes(self.raw)


@dataclass
class ScriptedHandler:
    script: list[str] = field(default_factory=list)  # answers to DATA, in order; then "250"
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stall_first_rcpt: float = 0.0  # seconds to hang before answering the first RCPT
    rcpt_commands: int = 0
    sessions: int = 0  # EHLO greetings: one per SMTP connection
    open_transports: list = field(default_factory=list)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
            self.open_transports.append(server.transport)
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_commands += 1
            stall = self.stall_first_rcpt if self.rcpt_commands == 1 else 0.0
        if stall:
            await asyncio.sleep(stall)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_commands += 1
            answer = self.script.pop(0) if self.script else "250"
        if answer.startswith("4"):
            return "451 4.3.0 Temporary local problem, try again later"
        if answer.startswith("5"):
            return "550 5.1.1 Mailbox unavailable"
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.content,
            )
        )
        if answer == "hang":
            await asyncio.sleep(HANG_SECONDS)
            server.transport.close()
            return "421 closing"
        if answer == "drop":
            server.transport.close()
            return "421 closing"  # never reaches the client: the connection is gone
        return "250 2.0.0 Ok: queued as TEST"

    def message_ids(self) -> list[str]:
        parser = email.parser.BytesHeaderParser()
        return [parser.parsebytes(r.raw)["Message-ID"] for r in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.handler = ScriptedHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def hang_up_all(self) -> None:
        """Close every client connection, as a server does with sessions left idle too long."""
        with self.handler.lock:
            transports, self.handler.open_transports = self.handler.open_transports, []
        done = threading.Event()

        def close_all():
            for transport in transports:
                transport.abort()
            done.set()

        self.controller.loop.call_soon_threadsafe(close_all)
        done.wait(5)

    def __exit__(self, *exc) -> None:
        self.controller.stop()
