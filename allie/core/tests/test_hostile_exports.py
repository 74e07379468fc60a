"""Hostile cells in every CSV download: formulas after blanks, quotes, semicolons and line breaks,
full-width signs, numbers that must stay numbers, and a file Excel opens in French."""

from __future__ import annotations

import codecs
import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from allie.core.reports import FORMULA_SIGNS, neutralise
from allie.tickets.services import open_ticket
from tests.factories import ServiceFactory

EXPORTS = ["sla:compliance", "voice:commitments", "voice:outcomes", "voice:themes"]
DDE = "=cmd|' /C calc'!A0"


def opens_formula(cell: str) -> bool:
    """What a spreadsheet that trims blanks and quotes would read as a formula."""
    rest = re.sub(r'^[\s"]+', "", cell)
    return bool(rest) and rest[0] in FORMULA_SIGNS


@pytest.mark.parametrize(
    "cell",
    [
        " " + DDE,
        "   @SUM(A1)",
        '"=1+1"',
        ' "=HYPERLINK(""http://x"")',
        "\u00a0=1+1",
        "\u3000+1",
        "\uff1dHYPERLINK(1)",
        "\uff0b1",
        "\uff0d1",
        "\uff20SUM(A1)",
        "|cmd",
    ],
)
def test_a_formula_behind_blanks_quotes_or_in_full_width_gets_a_leading_quote(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Dupont;" + DDE, "Dupont;'" + DDE),
        ("Dupont; -2+3", "Dupont;' -2+3"),
        ("Ligne 1\n@SUM(A1)", "Ligne 1\n'@SUM(A1)"),
        ("Ligne 1\r\n=1+1", "Ligne 1\r\n'=1+1"),
        ("a;b;=c", "a;b;'=c"),
        ("\n=1+1", "'\n'=1+1"),
    ],
)
def test_a_formula_after_a_semicolon_or_a_line_break_is_neutralised_where_it_starts(cell, expected):
    # Excel in French splits a comma-separated file on semicolons; each piece becomes a cell.
    assert neutralise(cell) == expected
    assert not any(opens_formula(piece) for piece in re.split(r"[;\r\n]", expected))


def test_computed_numbers_stay_numbers_but_typed_text_does_not():
    assert [neutralise(-3), neutralise(-2.5), neutralise(Decimal("-1.50"))] == [
        "-3",
        "-2.5",
        "-1.50",
    ]
    assert neutralise(float("nan")) == ""
    assert neutralise("-3") == "'-3"


@pytest.mark.parametrize("cell", ['Tremblay, "Jo"; équipe', "a=b; c+d", "Ligne 1\nLigne 2"])
def test_quotes_commas_semicolons_and_line_breaks_alone_leave_the_text_as_it_is(cell):
    assert neutralise(cell) == cell


@pytest.mark.parametrize("name", EXPORTS)
def test_every_export_starts_with_a_byte_order_mark_for_excel(client, desk, name):
    client.force_login(desk.person("admin"))

    response = client.get(reverse(name), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(codecs.BOM_UTF8)
    heading = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert heading[0] in {"Service", "Agent", "Équipe"}


def test_excel_in_french_reads_no_formula_from_a_hostile_service_name(client, desk):
    hostile = ServiceFactory(name_fr="Réseau;" + DDE, owner_team=desk.support)
    spaced = ServiceFactory(name_fr=' "=HYPERLINK(""http://x"")', owner_team=desk.support)
    for service in (hostile, spaced):
        open_ticket(requester=desk.person("alice"), title="Panne", service=service)
    client.force_login(desk.person("admin"))

    response = client.get(reverse("sla:compliance"), {"format": "csv"})

    text = response.content.decode("utf-8-sig")
    as_written = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert sorted(as_written) == sorted(["Réseau;'" + DDE, '\' "=HYPERLINK(""http://x"")'])
    in_french_excel = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert any(cell.startswith("'" + DDE) for cell in in_french_excel)  # a cell of its own
    assert not any(opens_formula(cell) for cell in in_french_excel)
