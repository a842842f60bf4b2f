"""Which hosts the simulator may contact at all (MCP servers, live HTTP tools).

A builder writes the URLs of tools and MCP servers, and every chat turn lists its agent's
MCP servers: without a limit, an editor could make a runtime replica reach any address its
network can (an internal service, a metadata endpoint). So the operator names the hosts
(``AGENTCONFIG_RUNTIME_SIMULATOR_HOSTS``, shell-style patterns, "*" for any); the default is
loopback only. A host outside the list is never contacted, not even resolved: the trace says
why."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

LOOPBACK = "localhost,127.0.0.1,::1"


@dataclass(frozen=True)
class Egress:
    patterns: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Egress:
        return cls(tuple(p.strip().lower() for p in text.split(",") if p.strip()))

    def refusal(self, url: str) -> str:
        """Why this URL may not be contacted, or "" when it may."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return f"{url!r} is not a URL"
        if parts.scheme not in ("http", "https") or not host:
            return f"{url!r} is not an http(s) URL"
        if any(fnmatchcase(host, p) for p in self.patterns):
            return ""
        return (f"host {host!r} is not in AGENTCONFIG_RUNTIME_SIMULATOR_HOSTS "
                f"({', '.join(self.patterns) or 'empty'})")
