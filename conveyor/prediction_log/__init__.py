"""The prediction log: the contract between serving (which writes it) and monitoring (which reads it)."""
