"""The password policy, and argon2id hashing with OWASP's parameters and a rehash when they change."""

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from config import BaseConfig
from kosodate.auth.models import User
from kosodate.auth.passwords import (
    generate_password,
    hash_password,
    password_problem,
    verify_password,
)
from kosodate.extensions import db

from .auth_helpers import audit_actions
from .conftest import DEMO_PASSWORD, AuthActions
from .factories import PASSWORD, make_agency, make_council, make_user


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-pass1", "12文字以上"),
        ("x" * 129, "128文字以内"),
        ("password1234", "よく使われている"),
        ("PASSWORD1234", "よく使われている"),
        ("aaaaaaaaaaaa", "同じ文字を繰り返した"),
        ("123456789012", "キーボードの並びや連続した数字"),
        ("qwertyuiopasdfgh", "キーボードの並びや連続した数字"),
        ("0987654321zxcvbnm", "キーボードの並びや連続した数字"),
        ("abababababab", "推測されやすい"),
        ("iloveyou2018!", "推測されやすい"),
        ("1qaz2wsx3edc4rfv5tgb", "推測されやすい"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, problem):
    assert problem in password_problem(password)


def test_a_password_made_of_the_users_own_email_or_name_is_refused():
    assert "@より前の部分" in password_problem("Nurse.Station-2018!", email="nurse.station@example.org")
    assert "@より前の部分" in password_problem("my-NURSE-pass-77", email="nurse@example.org")
    assert password_problem("my-nurse-pass-77") is None  # fine for somebody else
    assert "推測されやすい" in password_problem("hanako yamada 1", name="hanako yamada")


@pytest.mark.parametrize(
    "password",
    [
        "twelve-chars",
        "ながいパスフレーズを使いましょう",
        "tsukushi-momiji-2018-kaigi-" * 4 + "end",
        DEMO_PASSWORD,  # tests/conftest.py
        PASSWORD,  # tests/factories.py
        "bench-password-2017",  # bench/run.py
    ],
)
def test_acceptable_passwords_pass(password):
    assert password_problem(password, email="nurse@example.org", name="テスト利用者") is None


def test_generated_passwords_always_pass_the_policy():
    for _ in range(50):
        assert password_problem(generate_password(email="abc@example.org"), email="abc@example.org") is None


def test_hashes_are_argon2id_and_verify(app):
    hashed = hash_password("correct-horse-battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct-horse-battery")
    assert not verify_password(hashed, "wrong-horse-battery")
    assert not verify_password("not-a-hash", "anything-at-all")


def test_production_hashes_with_owasps_19_mib_two_passes_one_lane():
    assert (BaseConfig.ARGON2_MEMORY_COST, BaseConfig.ARGON2_TIME_COST, BaseConfig.ARGON2_PARALLELISM) == (
        19456, 2, 1,
    )  # fmt: skip


def test_an_old_hash_is_rehashed_at_sign_in(app, client):
    user = make_user(make_agency(make_council()), email="nurse@example.org")
    user.password_hash = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    db.session.commit()
    assert AuthActions(client).login("nurse@example.org", PASSWORD).status_code == 302
    stored = db.session.scalar(sa.select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$v=19$m=64,t=1,p=1$")  # the test settings
    assert verify_password(stored, PASSWORD)
    assert audit_actions() == ["auth.password_rehashed", "auth.login"]
