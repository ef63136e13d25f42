"""`make cluster-test`: nginx, two web nodes, two schedulers, PostgreSQL and Redis on loopback."""
