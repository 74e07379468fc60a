"""Use cases of the email channel: intake, IMAP polling, the outbox and notifications."""
