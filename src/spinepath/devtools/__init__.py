"""Tools for developing spinepath (tests, benchmarks); never imported by the product itself."""
