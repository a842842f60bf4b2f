"""Settings from environment variables (prefix AGENTCONFIG_CONSOLE_), read once at start.
The embedded mode passes its own addresses instead."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTCONFIG_CONSOLE_", extra="ignore")

    # host:port the console's HTTP server listens on
    listen: str = "127.0.0.1:8080"
    config_service: str = "127.0.0.1:50051"
    runtime_service: str = "127.0.0.1:50052"
    # Set when the console is served over HTTPS (directly or behind a proxy): the session
    # cookie is then only sent over HTTPS.
    cookie_secure: bool = False
    # A signed-in session ends after this long without a request.
    session_idle_seconds: float = 8 * 3600.0
    # ... and after this long in any case (a page that polls keeps a session busy): sign in
    # again
    session_max_seconds: float = 24 * 3600.0
    # TLS towards the services: a CA turns it on; a client certificate and key make it mTLS.
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    # The workspace the sign-in form suggests.
    default_workspace: str = "demo"
