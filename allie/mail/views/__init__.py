"""Pages of the email channel."""
