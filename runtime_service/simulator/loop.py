"""The turn loop: the model moves, each tool call it asks for is answered (toolbox.py) and
fed back, until it replies or the turn runs out of steps. The loop is an async stream of
the events a builder sees (tool call started and finished, reply pieces), closed by
LoopDone with what the turn produced; it does no I/O of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.ports import Message, ModelCall, ModelRequest, Move, Responder
from runtime_service.simulator.toolbox import Toolbox, feedback
from runtime_service.simulator.values import to_call

MAX_STEPS = 8  # model moves per turn
MAX_CALLS_PER_MOVE = 16


@dataclass(frozen=True)
class LoopDone:
    reply: str
    invocations: tuple[rpb.ToolInvocation, ...]
    steps: int


Event = rpb.StreamChatResponse | LoopDone


def stopped_reply(steps: int) -> str:
    return (f"(the simulator ended this turn: the model asked for tools {steps} times "
            "without replying)")


async def run_turn(responder: Responder, toolbox: Toolbox, request: ModelRequest,
                   max_steps: int = MAX_STEPS) -> AsyncIterator[Event]:
    """``request`` holds the history and this turn's user message; its step is ignored."""
    transcript = list(request.messages)
    invocations: list[rpb.ToolInvocation] = []
    seen_ids: set[str] = set()
    for step in range(max_steps):
        move: Move | None = None
        streamed = False
        async for item in responder.move(replace(request, messages=tuple(transcript),
                                                 step=step)):
            if isinstance(item, Move):
                move = item
            elif item:
                streamed = True
                yield rpb.StreamChatResponse(reply_delta=item)
        move = move or Move()
        if not move.calls:
            if move.reply and not streamed:
                yield rpb.StreamChatResponse(reply_delta=move.reply)
            yield LoopDone(move.reply, tuple(invocations), step + 1)
            return
        calls = _unique_ids(move.calls, step, seen_ids)
        transcript.append(Message("assistant", move.reply, calls=calls))
        for index, call in enumerate(calls):
            yield rpb.StreamChatResponse(tool_call_started=to_call(call))
            invocation = (await toolbox.invoke(call, request.agent.agent_id)
                          if index < MAX_CALLS_PER_MOVE else _skipped(call, request))
            invocations.append(invocation)
            yield rpb.StreamChatResponse(tool_call_finished=invocation)
            transcript.append(Message("tool", feedback(invocation), call_id=call.call_id,
                                      tool=call.tool))
    reply = stopped_reply(max_steps)
    yield rpb.StreamChatResponse(reply_delta=reply)
    yield LoopDone(reply, tuple(invocations), max_steps)


def _unique_ids(calls: Sequence[ModelCall], step: int, seen: set[str],
                ) -> tuple[ModelCall, ...]:
    """Results are matched to calls by id: an empty or repeated one gets a fresh id."""
    out = []
    for index, call in enumerate(calls):
        if not call.call_id or call.call_id in seen:
            call = replace(call, call_id=f"call-{step + 1}-{index + 1}")
        seen.add(call.call_id)
        out.append(call)
    return tuple(out)


def _skipped(call: ModelCall, request: ModelRequest) -> rpb.ToolInvocation:
    return rpb.ToolInvocation(
        call=to_call(call), outcome=rpb.TOOL_OUTCOME_ERROR, agent_id=request.agent.agent_id,
        error=f"not called: more than {MAX_CALLS_PER_MOVE} tool calls in one move")
