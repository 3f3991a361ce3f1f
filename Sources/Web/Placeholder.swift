// Web room: replaced by its real sources.
