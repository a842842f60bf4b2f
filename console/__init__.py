"""The web console: server-rendered pages over the generated gRPC clients, for people who
would rather click than type ``agentctl``. It holds no data of its own (the API key lives
in a server-side session for as long as someone is signed in) and never touches a
database; what a page shows is what the config and runtime services answer."""
