"""The database set-up for web tests lives in tests/conftest.py, shared with the browser tests."""
