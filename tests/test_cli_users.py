"""`flask --app app users create`."""

import sqlalchemy as sa

from kosodate.auth.models import Role, User
from kosodate.auth.passwords import verify_password
from kosodate.extensions import db

from .factories import make_agency, make_council


def test_create_user_with_agency_and_password(runner):
    make_agency(make_council(), name="訪問看護ステーションもみじ")
    db.session.commit()
    result = runner.invoke(
        args=[
            "users", "create", "New.Nurse@Example.org", "--role", "agency_member",
            "--agency", "訪問看護ステーションもみじ", "--name", "新人 看護師",
            "--password", "long-enough-pass",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created new.nurse@example.org" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new.nurse@example.org"))
    assert user.role is Role.AGENCY_MEMBER
    assert user.agency.name == "訪問看護ステーションもみじ"
    assert verify_password(user.password_hash, "long-enough-pass")


def test_generated_password_is_printed_once_and_works(runner):
    result = runner.invoke(args=["users", "create", "root@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    user = db.session.scalar(sa.select(User).where(User.email == "root@example.org"))
    assert verify_password(user.password_hash, password)


def test_bad_input_is_refused_with_a_clear_message(runner):
    make_agency(make_council(), name="厚木市立病院")
    db.session.commit()
    cases = [
        (["x@example.org", "--role", "boss", "--agency", "厚木市立病院"], "不明な役割です: boss"),
        (
            ["x@example.org", "--role", "coordinator", "--agency", "どこか"],
            "関係機関が見つかりません: どこか",
        ),
        (["x@example.org", "--role", "coordinator"], "所属機関 (--agency) が必要です"),
        (["x@example.org", "--role", "admin", "--password", "short"], "12文字以上"),
        (["not-an-email", "--role", "admin"], "メールアドレスの形式が正しくありません"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0, args
        assert message in result.output, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_email_already_taken_in_another_case_is_refused(runner):
    assert runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"]).exit_code == 0
    result = runner.invoke(args=["users", "create", "A@EXAMPLE.org", "--role", "admin"])
    assert result.exit_code != 0
    assert "既に登録されています" in result.output
