"""The mail domain: plain Python (stdlib ``email``, nh3, mail-parser-reply), no Django, no I/O.

- ``parsing``: raw bytes to a ``ParsedMessage``, or an ``Unparseable`` saying why.
- ``quotes``: the new part of a reply, without quoted history and signature.
- ``noise``: auto-replies, bounces, the desk's own mail and loops; the per-sender rate window.
- ``html``: HTML sanitised for display, and HTML turned into plain text.
"""
