"""Answering from a verified snapshot: the same code in the runtime's read path and in the
client SDK's LocalResolver, so the two cannot drift (tests/conformance holds them to one
table of inputs and answers)."""
