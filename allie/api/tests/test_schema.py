from __future__ import annotations

from io import StringIO

from django.core.management import call_command


def test_the_schema_is_served(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/tickets/" in text
    assert "TicketCreate" in text


def test_the_schema_validates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "/api/v1/tickets/{reference}/transitions/" in target.read_text()


def test_the_docs_page_loads_its_assets_locally_under_a_strict_csp(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert "'unsafe-inline'" not in script_src
    html = response.content.decode()
    assert "<script>" not in html
    assert "<style>" not in html
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_the_docs_script_is_served_as_a_file(client, db):
    response = client.get("/api/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


def test_the_static_assets_of_the_docs_exist(client, db):
    out = StringIO()

    call_command(
        "findstatic", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", stdout=out
    )

    assert "swagger-ui-bundle.js" in out.getvalue()
