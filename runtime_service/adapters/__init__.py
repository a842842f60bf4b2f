"""Adapters implement runtime_service.service.ports."""
