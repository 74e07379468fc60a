"""classify: auto-replies, bounces, the desk's own mail and loops; and the rate window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.mail.domain.noise import Noise, NoiseKind, RateWindow, classify
from allie.mail.domain.parsing import ParsedMessage, parse_message
from allie.mail.tests import build, load

DESK = {"soutien@desk.test", "Support@Desk.test"}


def _classify(message: ParsedMessage) -> Noise | None:
    return classify(message, desk_addresses=DESK)


def _message(**headers: str) -> ParsedMessage:
    fields = {"From": "Alice Bouchard <alice@finances.test>", "To": "soutien@desk.test"}
    fields |= {name.replace("_", "-"): value for name, value in headers.items()}
    parsed = parse_message(build(fields))
    assert isinstance(parsed, ParsedMessage)
    return parsed


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("auto_reply_outlook_fr.eml", NoiseKind.AUTO_REPLY, "Auto-Submitted: auto-replied"),
        ("auto_reply_vacation_en.eml", NoiseKind.AUTO_REPLY, "Auto-Submitted: auto-replied"),
        ("auto_reply_absence_fr.eml", NoiseKind.AUTO_REPLY, "X-Autorespond: Absence du bureau"),
        (
            "auto_reply_subject_en.eml",
            NoiseKind.AUTO_REPLY,
            "subject: Automatic reply: [D-000127] New laptop",
        ),
        ("bounce_dsn.eml", NoiseKind.BOUNCE, "multipart/report; report-type=delivery-status"),
        ("read_receipt.eml", NoiseKind.AUTO_REPLY, "read receipt (disposition-notification)"),
    ],
)
def test_stored_noise(name: str, kind: NoiseKind, reason: str) -> None:
    assert _classify(load(name)) == Noise(kind, reason)


@pytest.mark.parametrize(
    "name",
    [
        "outlook_reply_fr.eml",
        "outlook_reply_en.eml",
        "gmail_reply_fr.eml",
        "apple_mail_reply_fr.eml",
        "thunderbird_reply_en.eml",
        "encoded_words.eml",
        "html_only.eml",
        "no_message_id_no_date.eml",
        "malformed_headers.eml",
    ],
)
def test_ordinary_mail_is_not_noise(name: str) -> None:
    assert _classify(load(name)) is None


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"Auto_Submitted": "auto-generated"}, NoiseKind.AUTO_REPLY),
        ({"Auto_Submitted": "Auto-Replied; owner-email=x@y"}, NoiseKind.AUTO_REPLY),
        ({"X_Autoreply": "yes"}, NoiseKind.AUTO_REPLY),
        ({"X_Autorespond": "oui"}, NoiseKind.AUTO_REPLY),
        ({"Precedence": "bulk"}, NoiseKind.AUTO_REPLY),
        ({"Precedence": "Junk"}, NoiseKind.AUTO_REPLY),
        ({"Precedence": "list"}, NoiseKind.AUTO_REPLY),
        ({"Precedence": "auto_reply"}, NoiseKind.AUTO_REPLY),
        ({"Subject": "Réponse automatique : Panne"}, NoiseKind.AUTO_REPLY),
        ({"Subject": "RE: Absence du bureau"}, NoiseKind.AUTO_REPLY),
        ({"Subject": "Out of Office: Printer"}, NoiseKind.AUTO_REPLY),
        ({"Subject": "Autoreply: x"}, NoiseKind.AUTO_REPLY),
        ({"Subject": "Auto-Reply"}, NoiseKind.AUTO_REPLY),
        ({"Return_Path": "<>"}, NoiseKind.BOUNCE),
        ({"From": "MAILER-DAEMON@mx.finances.test"}, NoiseKind.BOUNCE),
        ({"From": "Mail System <Postmaster@finances.test>"}, NoiseKind.BOUNCE),
        ({"From": "MAILER-DAEMON (Mail Delivery System)"}, NoiseKind.BOUNCE),
        ({"From": "Soutien <SOUTIEN@desk.test>"}, NoiseKind.OWN_ADDRESS),
        ({"From": "support@desk.test"}, NoiseKind.OWN_ADDRESS),
        ({"X_Allie_Loop": "desk.test"}, NoiseKind.LOOP),
        ({"X_Loop": "soutien@desk.test"}, NoiseKind.LOOP),
        # the most certain reason wins: our own loop header before anything else
        ({"X_Allie_Loop": "1", "Auto_Submitted": "auto-replied"}, NoiseKind.LOOP),
        ({"Return_Path": "<>", "Auto_Submitted": "auto-replied"}, NoiseKind.AUTO_REPLY),
    ],
)
def test_noise_headers(headers: dict[str, str], kind: NoiseKind) -> None:
    noise = _classify(_message(**headers))
    assert noise is not None
    assert noise.kind == kind
    assert noise.reason


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "no"},
        {"Precedence": "first-class"},
        {"Subject": "Out of office doesn't work in Outlook"},
        {"Subject": "Ma réponse automatique ne part plus"},
        {"Return_Path": "<alice@finances.test>"},
        {"X_Loop": "liste@autre.test"},  # someone else's loop marker
        {"From": "daemon-fan@finances.test"},
    ],
)
def test_not_noise(headers: dict[str, str]) -> None:
    assert _classify(_message(**headers)) is None


def test_loop_header_name_is_a_parameter() -> None:
    message = _message(X_Other_Desk="1")
    assert classify(message, desk_addresses=DESK) is None
    noise = classify(message, desk_addresses=DESK, loop_header="x-other-desk")
    assert noise == Noise(NoiseKind.LOOP, "x-other-desk header present")


# Rate window --------------------------------------------------------------------------------

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
WINDOW = RateWindow(limit=3, window=timedelta(minutes=10))


def test_rate_window_allows_up_to_the_limit() -> None:
    recent = [NOW - timedelta(minutes=m) for m in (1, 2)]
    decision = WINDOW.check(recent, NOW)
    assert decision.allowed
    assert decision.count == 2
    assert decision.retry_at is None


def test_rate_window_refuses_at_the_limit_and_says_when() -> None:
    recent = [NOW - timedelta(minutes=m) for m in (1, 2, 9)]
    decision = WINDOW.check(recent, NOW)
    assert not decision.allowed
    assert decision.count == 3
    assert decision.retry_at == NOW + timedelta(minutes=1)
    assert WINDOW.allows(recent, decision.retry_at)


def test_rate_window_ignores_what_left_the_window() -> None:
    recent = [NOW - timedelta(minutes=m) for m in (10, 11, 60)]  # 10 minutes ago is out
    assert WINDOW.allows(recent, NOW)


def test_rate_window_with_limit_zero_refuses_everything() -> None:
    decision = RateWindow(limit=0, window=timedelta(minutes=1)).check([], NOW)
    assert not decision.allowed
    assert decision.retry_at is None


@pytest.mark.parametrize(("limit", "window"), [(-1, timedelta(minutes=1)), (1, timedelta(0))])
def test_rate_window_rejects_a_meaningless_configuration(limit: int, window: timedelta) -> None:
    with pytest.raises(ValueError, match="RateWindow"):
        RateWindow(limit=limit, window=window)


@given(
    st.integers(1, 5),
    st.integers(1, 120),
    st.lists(st.integers(-200, 5), max_size=12),
)
def test_rate_window_properties(limit: int, minutes: int, offsets: list[int]) -> None:
    window = RateWindow(limit=limit, window=timedelta(minutes=minutes))
    recent = [NOW + timedelta(minutes=offset) for offset in offsets]
    decision = window.check(recent, NOW)
    inside = [t for t in recent if t > NOW - timedelta(minutes=minutes)]
    assert decision.allowed == (len(inside) < limit)
    if decision.retry_at is not None:
        # allowed exactly from retry_at on, with no newer message in between
        assert window.allows(recent, decision.retry_at)
        assert not window.allows(recent, decision.retry_at - timedelta(microseconds=1))
