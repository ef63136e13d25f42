"""The password policy and hashing."""

import pytest

from kosodate.auth.passwords import (
    generate_password,
    hash_password,
    password_problem,
    verify_password,
)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-pass1", "12文字以上"),
        ("x" * 129, "128文字以内"),
        ("password1234", "よく使われている"),
        ("PASSWORD1234", "よく使われている"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, problem):
    assert problem in password_problem(password)


@pytest.mark.parametrize("password", ["twelve-chars", "x" * 128, "ながいパスフレーズを使いましょう"])
def test_acceptable_passwords_pass(password):
    assert password_problem(password) is None


def test_generated_passwords_pass_the_policy():
    assert password_problem(generate_password()) is None


def test_hashes_are_argon2id_and_verify(app):
    hashed = hash_password("correct-horse-battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct-horse-battery")
    assert not verify_password(hashed, "wrong-horse-battery")
    assert not verify_password("not-a-hash", "anything-at-all")
