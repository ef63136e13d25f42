"""Mail backends: SMTP, .eml files under the instance folder (the embedded default), memory (tests).

MAIL_BACKEND chooses; a backend is used as a context manager: one connection for a batch.
"""

import email
import email.policy
import smtplib
import ssl
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

from flask import current_app


class TemporaryFailure(Exception):
    """Try again later: the server is unreachable or answered 4xx."""


class PermanentFailure(Exception):
    """Do not try again: the server answered 5xx for this message or address."""


class SMTPConnection:
    def __init__(self, config):
        self.config = config
        self.smtp = None

    def open(self) -> None:
        config = self.config
        try:
            if config["MAIL_USE_SSL"]:
                self.smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30,
                                             context=ssl.create_default_context())  # fmt: skip
            else:
                self.smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
                if config["MAIL_USE_TLS"]:
                    self.smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"メールサーバーに接続できません: {error}") from error

    def send(self, message: Message) -> None:
        try:
            refused = self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()))
            raise _failure(code, answer) from error
        except smtplib.SMTPResponseException as error:
            raise _failure(error.smtp_code, error.smtp_error) from error
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"送信中に接続が切れました: {error}") from error
        if refused:
            code, answer = next(iter(refused.values()))
            raise _failure(code, answer)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()


def _failure(code: int, answer) -> Exception:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    kind = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return kind(f"{code} {text}")


class FileConnection:
    """Writes each message as an .eml file: what would be sent, readable in any mail program."""

    def __init__(self, folder: Path):
        self.folder = folder

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: Message) -> None:
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(message.as_bytes())

    def close(self) -> None:
        pass


class MemoryConnection:
    """Keeps each message as a receiver would read it (parsed back from its bytes)."""

    def __init__(self, store: list):
        self.store = store

    def open(self) -> None:
        pass

    def send(self, message: Message) -> None:
        self.store.append(email.message_from_bytes(message.as_bytes(), policy=email.policy.default))

    def close(self) -> None:
        pass


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


def memory_store() -> list:
    return current_app.extensions.setdefault("kosodate_mail", [])


@contextmanager
def backend():
    kind = current_app.config["MAIL_BACKEND"]
    if kind == "smtp":
        connection = SMTPConnection(current_app.config)
    elif kind == "file":
        connection = FileConnection(mail_folder())
    elif kind == "memory":
        connection = MemoryConnection(memory_store())
    else:
        raise ValueError(f"MAIL_BACKEND must be smtp, file or memory, not {kind!r}")
    connection.open()
    try:
        yield connection
    finally:
        connection.close()
