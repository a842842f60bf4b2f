"""agentctl: the admin command line of agentconfig, built only on the generated gRPC clients
in ``agentconfig.v1``. ``agentctl.main:app`` is the console script."""
