"""Tables, sessions, migrations and queries. Never imports telegram or bot config."""
