"""A minimal channel gateway on the client SDK: messages arrive (here: lines on stdin, one
per message, as ``<channel-id> <text>``), the agent that answers each is resolved
in-process from the production snapshot the SDK follows, and the gateway would hand it to
the model. No RPC on the hot path; a publish is picked up within milliseconds; the
gateway keeps answering while the runtime is down (and, with --cache-dir, starts so).

    pip install "./clients/python[local]"
    python examples/gateway/gateway.py --runtime 127.0.0.1:50052 --workspace demo \\
        --key "$GATEWAY_KEY" --cache-dir /var/lib/gateway
    web hello there
"""

from __future__ import annotations

import argparse
import sys

from agentconfig import errors
from agentconfig.client import SyncLocalResolver
from agentconfig.v1 import runtime_service_pb2 as rpb


def answer(resolver: SyncLocalResolver, line: str) -> str:
    channel_id, _, text = line.strip().partition(" ")
    try:
        resolved = resolver.resolve_channel(channel_id, rpb.ConversationContext(message=text))
    except errors.NotFound as exc:
        return f"{channel_id}: {exc.message}"
    agent = resolved.agent
    served = resolved.served_from
    return (f"{channel_id}: {agent.agent.name} ({agent.agent_id}, {agent.agent.model}) "
            f"answers from v{served.version}; instructions: "
            f"{agent.effective_instructions[:60]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", default="127.0.0.1:50052")
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--key", default="", help="a gateway (channel role) API key")
    parser.add_argument("--cache-dir", default=None, help="keep a disk copy here")
    args = parser.parse_args()
    with SyncLocalResolver(args.workspace, args.runtime, key=args.key,
                           cache_dir=args.cache_dir) as resolver:
        print(f"serving v{resolver.version} of {args.workspace!r}", flush=True)
        for line in sys.stdin:
            if line.strip():
                print(answer(resolver, line), flush=True)


if __name__ == "__main__":
    main()
