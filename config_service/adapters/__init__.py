"""Adapters implement the ports of ``config_service.service.ports``."""
