"""Django's PostgreSQL engine, with statements prepared where `allie.core.database` allows."""
