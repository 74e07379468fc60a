"""The key journey in a real browser: a request, a handoff between two agents, a resolution."""

from __future__ import annotations

import re

import pytest

from allie.tickets.models import Ticket
from tests.factories import FormFieldFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_request_through_catalogue_handoff_reply_and_resolution(live_server, sign_in, desk, shoot):
    FormFieldFactory(
        service=desk.service,
        key="asset_tag",
        label_fr="Numéro d'inventaire",
        label_en="Asset tag",
        required=True,
    )

    # The requester submits through the catalogue.
    alice = sign_in("alice@finances.test")
    alice.goto(f"{live_server.url}/portal/catalogue/")
    shoot(alice, "01-catalogue")
    alice.click(f"a[href='/portal/new/{desk.service.code}/']")
    alice.fill("#id_title", "Mon portable ne démarre plus")
    alice.fill("#id_description", "L'écran reste noir depuis ce matin.")
    alice.click("button.primary")
    assert alice.locator("#id_answer_asset_tag").is_visible()  # required answer missing
    alice.fill("#id_answer_asset_tag", "PC-4521")
    alice.click("button.primary")
    alice.wait_for_url(re.compile(r".*/portal/requests/D-\d{6}/$"))
    reference = alice.url.rstrip("/").rsplit("/", 1)[1]
    shoot(alice, "02-request-submitted")
    ticket = Ticket.objects.get(reference=reference)
    assert ticket.form_answers == {"asset_tag": "PC-4521"}

    # An agent acknowledges it and hands it off to a colleague.
    agathe = sign_in("agathe@desk.test")
    agathe.goto(f"{live_server.url}/desk/queues/teams/")
    agathe.click(f"text={reference}")
    agathe.click("button[name=command][value=acknowledge]")
    agathe.wait_for_selector("select[name=to_person]")
    agathe.select_option("select[name=to_person]", label="Bruno Gagnon")
    agathe.fill("#id_handoff_reason", "Bruno connaît ce modèle de portable.")
    agathe.click("form:has(input[name=action][value=propose]) button[type=submit]")
    agathe.wait_for_selector("button[name=action][value=withdraw]")
    shoot(agathe, "03-handoff-proposed")
    ticket.refresh_from_db()
    assert ticket.owner == desk.agathe

    # The other agent accepts, replies and resolves.
    bruno = sign_in("bruno@desk.test")
    bruno.goto(f"{live_server.url}/desk/queues/handoffs/")
    bruno.click(f"text={reference}")
    bruno.click("button[name=action][value=accept]")
    bruno.wait_for_selector("button[name=action][value=accept]", state="detached")
    bruno.fill("#id_reply_body", "Nous avons remplacé la batterie; tout fonctionne.")
    bruno.click("form[action$='/reply/'] button[type=submit]")
    bruno.wait_for_selector("text=Nous avons remplacé la batterie")
    bruno.click("button[name=command][value=resolve]")
    bruno.wait_for_selector(".badge.status-resolved")
    shoot(bruno, "04-resolved-by-agent")
    ticket.refresh_from_db()
    assert ticket.owner == desk.bruno
    assert ticket.handoff_count == 1
    assert ticket.status == "resolved"

    # The requester sees it resolved, with the reply and the new owner.
    alice.reload()
    assert alice.locator(".badge.status-resolved").first.is_visible()
    assert alice.locator("text=Nous avons remplacé la batterie").is_visible()
    assert "Bruno Gagnon" in alice.inner_text("main")
    shoot(alice, "05-requester-sees-resolved")
