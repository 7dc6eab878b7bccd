"""Shared parts of the REST API: pagination, errors, permissions, schema and viewset mixins."""
