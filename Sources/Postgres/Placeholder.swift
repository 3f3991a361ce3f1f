// Postgres room: replaced by its real sources.
