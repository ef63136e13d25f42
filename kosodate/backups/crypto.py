"""Encryption of archives with age (pyrage): streamed in 64 KiB chunks, each authenticated, so an
archive of hundreds of MB never sits in memory and a cut or altered one is refused."""

import pyrage
from flask import current_app
from pyrage import x25519

MAGIC = b"age-encryption.org/v1"


class KeyProblem(Exception):
    """BACKUP_KEY is missing, malformed or not the archive's; the message is for the user."""


def configured_identity() -> x25519.Identity | None:
    key = current_app.config.get("BACKUP_KEY")
    if not key:
        return None
    try:
        return x25519.Identity.from_str(key.strip())
    except pyrage.IdentityError:
        raise KeyProblem(
            "BACKUP_KEY の形式が正しくありません（AGE-SECRET-KEY-1… の1行です。"
            "`flask --app app backup keygen` で作れます）。"
        ) from None


def new_identity() -> x25519.Identity:
    return x25519.Identity.generate()


def is_encrypted(path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(len(MAGIC)) == MAGIC


def encrypt_file(source, target, identity: x25519.Identity) -> None:
    with open(source, "rb") as reader, open(target, "wb") as writer:
        pyrage.encrypt_io(reader, writer, [identity.to_public()])


def decrypt_file(source, target, identity: x25519.Identity | None) -> None:
    """Decrypt to `target`; a wrong key, or a cut or altered archive, raises KeyProblem or ValueError.

    Whatever was written to `target` before a failure must not be used: the last chunk proves the end.
    """
    if identity is None:
        raise KeyProblem(
            "このバックアップは暗号化されています。作成したときの BACKUP_KEY を設定してください。"
        )
    with open(source, "rb") as reader, open(target, "wb") as writer:
        try:
            pyrage.decrypt_io(reader, writer, [identity])
        except pyrage.DecryptError as error:
            if "No matching keys" in str(error):
                raise KeyProblem(
                    "BACKUP_KEY がこのバックアップのものではありません（鍵が違います）。"
                ) from None
            raise ValueError(f"decryption failed: {error}") from None
        except OSError as error:  # pyrage reports a stream cut short as an I/O error
            raise ValueError(f"decryption failed: {error}") from None


def encrypt_bytes(data: bytes, identity: x25519.Identity) -> bytes:
    return pyrage.encrypt(data, [identity.to_public()])
