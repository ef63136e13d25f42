"""/healthz answers without a login and says whether the database answers."""

from kosodate.extensions import db


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_gone(app, tmp_path):
    from .conftest import make_app

    broken = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path / "broken")
    with broken.app_context():
        response = broken.test_client().get("/healthz")
        db.session.remove()
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
