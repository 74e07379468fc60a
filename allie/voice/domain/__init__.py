"""Rules of the voice of the client, in plain Python (no Django): time is always passed in."""
