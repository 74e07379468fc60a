"""The voice of the client: surveys that close the loop, the commitments ledger, outcome figures."""
