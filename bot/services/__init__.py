"""Use cases: each module runs one kind of work against storage and the core."""
