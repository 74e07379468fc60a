"""Real servers the suite starts on loopback for its own use (dovecot for IMAP)."""
