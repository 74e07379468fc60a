"""Admin of the email channel, one module per part (Django imports this package)."""
