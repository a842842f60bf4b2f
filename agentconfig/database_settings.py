"""The Postgres settings both services read, as a pydantic mixin: the config service under
``AGENTCONFIG_DATABASE_*``, the runtime (its conversation records) under
``AGENTCONFIG_RUNTIME_DATABASE_*``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from agentconfig.database import DatabaseOptions


class DatabaseSettings(BaseModel):
    database_pool_size: Annotated[int, Field(ge=1, le=1000)] = 10
    database_max_overflow: Annotated[int, Field(ge=0, le=1000)] = 10
    database_pool_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    database_connect_timeout_seconds: Annotated[float, Field(gt=0)] = 5.0
    database_command_timeout_seconds: Annotated[float, Field(gt=0)] = 15.0
    # "" leaves it to the driver (or the URL's ?ssl=); as libpq: disable, prefer, require,
    # verify-ca, verify-full (the default when a CA file is given)
    database_tls_mode: Literal["", "disable", "prefer", "require", "verify-ca",
                               "verify-full"] = ""
    database_tls_ca_file: str = ""
    database_tls_cert_file: str = ""
    database_tls_key_file: str = ""

    def database_options(self) -> DatabaseOptions:
        return DatabaseOptions(
            self.database_pool_size, self.database_max_overflow,
            self.database_pool_timeout_seconds, self.database_connect_timeout_seconds,
            self.database_command_timeout_seconds, self.database_tls_mode,
            self.database_tls_ca_file, self.database_tls_cert_file, self.database_tls_key_file)
