"""The kernel: what every layer may use and which imports no app: environment variables (read
strictly), the clock, encryption at rest, password hashing, logging, request addresses, database
outages, paging, the Redis cache, raw rows and CSV cells."""
