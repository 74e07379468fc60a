"""The SLA domain: plain Python (stdlib, zoneinfo and the `holidays` package), no Django, no I/O.

- ``calendar``: business hours, holidays, closures and openings; business-time arithmetic.
- ``clock``: the first response, next update and resolution clocks of one ticket.
- ``document``: the JSON document read and written by ``allie sla simulate``.
"""
