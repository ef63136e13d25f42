"""The mail server the schedulers send to (aiosmtpd on loopback): it counts every message by its
Message-ID and can hold one message in flight, so that the active scheduler is killed mid-delivery."""

import asyncio
import email
import email.policy
import threading
from collections import Counter

from aiosmtpd.controller import Controller

from tests.mail import free_port


class Mailbox:
    def __init__(self, hold_message: int):
        self.port = free_port()
        #: the n-th DATA command is held until `let_go()`, then refused: a server that had not said
        #: "250" when the sender died has not taken the message
        self.hold_message = hold_message
        self.holding = threading.Event()
        self._let_go = threading.Event()
        self._lock = threading.Lock()
        self._data_commands = 0
        self.received: Counter[str] = Counter()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self._data_commands += 1
            held = self._data_commands == self.hold_message
        if held:
            self.holding.set()
            while not self._let_go.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 the connection was lost before the message was taken"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.received[str(message["Message-ID"])] += 1
        return "250 Message accepted"

    def let_go(self) -> None:
        self._let_go.set()

    def start(self) -> "Mailbox":
        self._controller.start()
        return self

    def stop(self) -> None:
        self.let_go()
        self._controller.stop(no_assert=True)  # also when it never started
