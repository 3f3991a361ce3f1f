// Crypto room: replaced by its real sources.
