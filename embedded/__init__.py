"""The embedded default: both services in one process, on a SQLite file and an in-process
notification bus, with a demo workspace. Same use cases and servicers as the real
topology; only the storage engine and the notifier differ."""
