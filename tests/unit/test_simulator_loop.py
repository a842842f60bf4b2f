"""The turn loop and the tool decisions on fakes: every outcome of a tool call is a
visible invocation fed back to the model, never a crash; the loop is bounded."""

from __future__ import annotations

from collections.abc import Sequence

from agentconfig.resolution.resolve import resolve_target
from agentconfig.resolution.snapshot import build
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.egress import LOOPBACK, Egress
from runtime_service.simulator.loop import MAX_STEPS, LoopDone, run_turn, stopped_reply
from runtime_service.simulator.offer import http_tools
from runtime_service.simulator.ports import (
    CallResult,
    Message,
    ModelCall,
    ModelRequest,
    Move,
)
from runtime_service.simulator.toolbox import Toolbox
from tests.harness import builders as b
from tests.unit.simulator_fakes import FakeCaller, FakeMcp, FakeResponder, call
from tests.unit.test_runtime_resolve import snapshot

LOCAL = "http://127.0.0.1:9/weather"


def agent(url: str = LOCAL) -> rpb.ResolvedAgent:
    serving = build(snapshot([b.tool("weather", endpoint_url=url),
                              b.agent("support", tool_ids=["weather"])]))
    return resolve_target(serving, "agent", "support", {})[0]


def mock(tool: str, result: str = "", error: str = "") -> rpb.ToolMock:
    out = rpb.ToolMock(tool=tool)
    if error:
        out.error = error
    else:
        out.result.string_value = result
    return out


class Turn:
    """One turn on fakes; ``live`` counts the reads of live_tool_ids."""

    def __init__(self, moves: Sequence[Move], mocks: Sequence[rpb.ToolMock] = (),
                 live: frozenset[str] = frozenset(), url: str = LOCAL) -> None:
        self.responder = FakeResponder(moves)
        self.caller = FakeCaller({"weather": CallResult(value={"sky": "clear"})})
        self.live_reads = 0
        self._live = live
        self.agent = agent(url)
        self.toolbox = Toolbox(http_tools(self.agent), mocks, self.live, self.caller,
                               FakeMcp({}), Egress.parse(LOOPBACK), clock=lambda: 0.0)

    async def live(self) -> frozenset[str]:
        self.live_reads += 1
        return self._live

    async def run(self) -> tuple[list[rpb.StreamChatResponse], LoopDone]:
        request = ModelRequest(self.agent, (Message("user", "hi"),),
                               tuple(http_tools(self.agent)), rpb.ConversationContext(), 0)
        events = [e async for e in run_turn(self.responder, self.toolbox, request)]
        done = events.pop()
        assert isinstance(done, LoopDone)
        return [e for e in events if isinstance(e, rpb.StreamChatResponse)], done


async def test_a_mocked_call_is_answered_and_fed_back() -> None:
    turn = Turn([Move(calls=(call("weather", "c1", city="Lisbon"),))],
                [mock("weather", "sunny")])
    events, done = await turn.run()
    assert [e.WhichOneof("event") for e in events] == [
        "tool_call_started", "tool_call_finished", "reply_delta"]
    [invocation] = done.invocations
    assert invocation.outcome == rpb.TOOL_OUTCOME_MOCKED
    assert invocation.result.string_value == "sunny" and invocation.agent_id == "support"
    fed = turn.responder.seen[1].messages
    assert [m.role for m in fed] == ["user", "assistant", "tool"]
    assert (fed[2].call_id, fed[2].content) == ("c1", '"sunny"')
    assert done.reply == "done" and turn.live_reads == 0 and not turn.caller.calls


async def test_a_schema_violation_is_visible_and_the_turn_still_answers() -> None:
    turn = Turn([Move(calls=(call("weather", city=3),))], [mock("weather", "sunny")])
    _, done = await turn.run()
    [invocation] = done.invocations
    assert invocation.outcome == rpb.TOOL_OUTCOME_SCHEMA_VIOLATION
    assert list(invocation.violations) == ["$.city: 3 is not of type 'string'"]
    assert "violations" in turn.responder.seen[1].messages[-1].content
    assert done.reply == "done"


async def test_arguments_that_are_not_an_object_are_a_violation() -> None:
    turn = Turn([Move(calls=(ModelCall("c1", "weather", "[1, 2"),))])
    _, done = await turn.run()
    [invocation] = done.invocations
    assert invocation.outcome == rpb.TOOL_OUTCOME_SCHEMA_VIOLATION
    assert invocation.violations[0].startswith("$: arguments must be a JSON object")
    assert not invocation.call.HasField("arguments")


async def test_each_other_outcome() -> None:
    turn = Turn([Move(calls=(call("ghost"), call("weather", city="Porto")))],
                live=frozenset())
    _, done = await turn.run()
    assert [i.outcome for i in done.invocations] == [rpb.TOOL_OUTCOME_NOT_OFFERED,
                                                    rpb.TOOL_OUTCOME_NO_MOCK]
    errored = Turn([Move(calls=(call("weather", city="Porto"),))],
                   [mock("weather", error="rate limited")])
    _, done = await errored.run()
    assert (done.invocations[0].outcome, done.invocations[0].error) == (
        rpb.TOOL_OUTCOME_ERROR, "rate limited")


async def test_a_live_tool_is_called_for_real_on_an_allowed_host_only() -> None:
    turn = Turn([Move(calls=(call("weather", city="Porto"), call("weather", city="Faro")))],
                live=frozenset({"weather"}))
    _, done = await turn.run()
    assert [i.outcome for i in done.invocations] == [rpb.TOOL_OUTCOME_CALLED] * 2
    assert dict(done.invocations[0].result.struct_value) == {"sky": "clear"}
    assert turn.caller.calls == [("weather", {"city": "Porto"}), ("weather", {"city": "Faro"})]
    assert turn.live_reads == 1  # read once per turn
    far = Turn([Move(calls=(call("weather", city="Porto"),))], live=frozenset({"weather"}),
               url="https://tools.example.com/weather")
    _, done = await far.run()
    assert done.invocations[0].outcome == rpb.TOOL_OUTCOME_ERROR
    assert "tools.example.com" in done.invocations[0].error and not far.caller.calls


async def test_the_loop_is_bounded() -> None:
    turn = Turn([Move(calls=(call("weather", city="x"),))] * 20, [mock("weather", "ok")])
    events, done = await turn.run()
    assert done.steps == MAX_STEPS and done.reply == stopped_reply(MAX_STEPS)
    assert len(done.invocations) == MAX_STEPS
    assert events[-1].reply_delta == done.reply
    ids = [i.call.call_id for i in done.invocations]
    assert len(set(ids)) == MAX_STEPS  # empty ids are filled, each unique in the turn


async def test_calls_past_the_limit_of_one_move_are_not_made() -> None:
    turn = Turn([Move(calls=tuple(call("weather", city=str(i)) for i in range(20)))],
                [mock("weather", "ok")])
    _, done = await turn.run()
    outcomes = [i.outcome for i in done.invocations]
    assert outcomes == [rpb.TOOL_OUTCOME_MOCKED] * 16 + [rpb.TOOL_OUTCOME_ERROR] * 4
