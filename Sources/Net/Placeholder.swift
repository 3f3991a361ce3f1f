// Net room: replaced by its real sources.
