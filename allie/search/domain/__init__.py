"""Search rules in plain Python: reading what a person typed, marking matches safely."""
