"""Whether the desk's own mail server vouched for a message's From domain (RFC 8601).

Anyone can write any From. The server that received the message checked SPF, DKIM and DMARC
and wrote what it found in an `Authentication-Results` field headed by its own id
(`mx.example.org; dmarc=pass header.from=example.org`). Only such fields count: a sender can
add fields of their own before the message reaches us, so the desk names the ids it trusts,
and a well-run receiving server removes fields that claim its id.

A From domain is vouched for by a trusted field holding, for that very domain, `dmarc=pass`,
or `dkim=pass` signed by it (`header.d`), or `spf=pass` for it (`smtp.mailfrom`). DKIM and
SPF must name the From domain exactly: relaxed alignment (a parent domain) needs the public
suffix list, and DMARC's own verdict already covers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_COMMENT = re.compile(r"\([^()]*\)")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_RESULT = re.compile(r"^([a-z0-9_-]+)(?:/\d+)?=([a-z]+)$")
_PROPERTY = re.compile(r"^([a-z0-9_-]+\.[a-z0-9_.-]+)=(\S*)$")
_MAX_FIELD = 8_192  # longer fields are not read (real ones are a few hundred characters)


@dataclass(frozen=True)
class MethodResult:
    """One `method=result` of a field with its properties (`header.d`, `smtp.mailfrom`...)."""

    method: str
    result: str
    properties: tuple[tuple[str, str], ...] = ()

    def property(self, name: str) -> str:
        return next((value for key, value in self.properties if key == name), "")


@dataclass(frozen=True)
class AuthenticationResults:
    authserv_id: str
    results: tuple[MethodResult, ...]


def parse_field(value: str) -> AuthenticationResults | None:
    """Read one `Authentication-Results` value; None when it has no authserv-id."""
    if len(value) > _MAX_FIELD:
        return None
    text = _QUOTED.sub(lambda found: found[1].replace(";", " ").replace(" ", "_"), value)
    previous = None
    while previous != text:  # nested comments, innermost first
        previous, text = text, _COMMENT.sub(" ", text)
    head, *statements = text.split(";")
    words = head.split()
    if not words:
        return None
    results = []
    for statement in statements:
        tokens = statement.split()
        if not tokens:
            continue
        found = _RESULT.match(tokens[0].lower())
        if found is None:
            continue  # "none", or a method we cannot read: it vouches for nothing
        properties = []
        for token in tokens[1:]:
            pair = _PROPERTY.match(token)
            if pair is not None:
                properties.append((pair[1].lower(), pair[2].lower()))
        results.append(MethodResult(found[1], found[2], tuple(properties)))
    return AuthenticationResults(authserv_id=words[0].lower(), results=tuple(results))


def vouched_for(domain: str, fields: Iterable[str], trusted_ids: Iterable[str]) -> bool:
    """Whether a trusted server's field says that mail from `domain` passed DMARC, DKIM or SPF."""
    domain = domain.strip().lower().rstrip(".")
    trusted = {server.strip().lower() for server in trusted_ids if server.strip()}
    if not domain or not trusted:
        return False
    for value in fields:
        parsed = parse_field(value)
        if parsed is None or parsed.authserv_id not in trusted:
            continue
        if any(_passes(result, domain) for result in parsed.results):
            return True
    return False


def _passes(result: MethodResult, domain: str) -> bool:
    if result.result != "pass":
        return False
    if result.method == "dmarc":
        return _domain_of(result.property("header.from")) == domain
    if result.method == "dkim":
        signer = result.property("header.d") or _domain_of(result.property("header.i"))
        return _domain_of(signer) == domain
    if result.method == "spf":
        return _domain_of(result.property("smtp.mailfrom")) == domain
    return False


def _domain_of(value: str) -> str:
    """The domain of an address or a bare domain, lower case, without a final dot."""
    return value.rsplit("@", 1)[-1].strip().lower().rstrip(".")
