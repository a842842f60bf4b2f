"""agentctl: the admin command line of agentconfig, built only on the generated gRPC clients
in ``agentconfig.v1``. ``agentctl.main:app`` is the console script."""

import os

# gRPC's core library logs connection and TLS handshake failures on stderr at info level;
# agentctl reports them itself as one line, so only errors pass unless the user asks.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
