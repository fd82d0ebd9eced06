"""arq jobs: thin wrappers over domain services. The truth is in Postgres, never only in Redis."""
