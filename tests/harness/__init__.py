"""Real servers for the tests and benchmarks: Postgres from the installed PostgreSQL
binaries and Redis from redis-server, each on a free port in a temporary folder."""
