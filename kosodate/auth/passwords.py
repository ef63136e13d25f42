"""Password policy and argon2id hashing."""

import gzip
import re
import secrets
from functools import cache
from itertools import pairwise
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 128
#: zxcvbn's score (0–4) a password must reach: 3 is "safely unguessable" for an online attack
MIN_STRENGTH = 3
#: zxcvbn looks at this many characters (its time grows fast with the length)
STRENGTH_CHECKED_LENGTH = 72
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")
#: keyboard rows and number/letter orders: a password made of runs along them is refused
RUNS = ("1234567890", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")
MIN_RUN = 3


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


@cache
def _steps() -> dict[tuple[str, str], frozenset[int]]:
    """For two neighbouring characters, the directions (+1, -1) they go in along some run."""
    steps: dict[tuple[str, str], set[int]] = {}
    for run in RUNS:
        for a, b in pairwise(run):
            steps.setdefault((a, b), set()).add(1)
            steps.setdefault((b, a), set()).add(-1)
    return {pair: frozenset(directions) for pair, directions in steps.items()}


def is_keyboard_or_number_run(password: str) -> bool:
    """True when the password is nothing but runs of 3 or more along a keyboard row or in counting
    order, each one way: 123456789012, qwertyuiopasdfgh, 0987654321zxcvbnm (not abab…, a repeat)."""
    text, length, direction = password.lower(), 1, 0
    for pair in pairwise(text):
        directions = _steps().get(pair, frozenset())
        if direction in directions or (length == 1 and directions):
            direction = direction if direction in directions else min(directions)
            length += 1
            continue
        if length < MIN_RUN:
            return False
        length, direction = 1, 0
    return length >= MIN_RUN


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a password is refused, in Japanese, or None when it is acceptable. The user's e-mail
    and name, when known, may not be what the password is made of."""
    if len(password) < MIN_LENGTH:
        return f"パスワードは{MIN_LENGTH}文字以上にしてください。"
    if len(password) > MAX_LENGTH:
        return f"パスワードは{MAX_LENGTH}文字以内にしてください。"
    if password.lower() in common_passwords():
        return "よく使われているパスワードのため使えません。別のパスワードにしてください。"
    if len(set(password)) == 1:
        return "同じ文字を繰り返しただけのパスワードは使えません。"
    if is_keyboard_or_number_run(password):
        return "キーボードの並びや連続した数字・文字だけのパスワードは使えません。"
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= MIN_RUN and local_part in password.lower():
        return "メールアドレスの@より前の部分を含むパスワードは使えません。"
    from zxcvbn import zxcvbn  # here, not at import: its word lists take 14 MB in every web worker

    hints = [hint for hint in (email, *re.split(r"[^0-9a-z]+", local_part), name) if len(hint) >= MIN_RUN]
    if zxcvbn(password[:STRENGTH_CHECKED_LENGTH], user_inputs=hints)["score"] < MIN_STRENGTH:
        return (
            "推測されやすいパスワードです。繰り返しや並び、名前を避け、"
            "関係のない言葉をいくつかつなげるなどして長くしてください。"
        )
    return None


def generate_password(*, email: str = "", name: str = "") -> str:
    """A random password that passes the policy, for the CLI to print once."""
    while True:
        password = secrets.token_urlsafe(15)
        if password_problem(password, email=email, name=name) is None:
            return password


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other argon2 settings than the current ones."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash(secrets.token_hex(16))


def spend_verification_time(password: str) -> None:
    """Verify against a throwaway hash so an unknown e-mail takes as long as a wrong password."""
    config = current_app.config
    verify_password(
        _dummy_hash(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]),
        password,
    )
