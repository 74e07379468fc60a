"""Ticket domain: plain Python rules (lifecycle, priority, references), no Django, no I/O."""
