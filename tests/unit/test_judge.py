"""A criterion judged by the configured model (runtime_service/adapters/judge.py), with a
fake model: YES passes, anything else fails with the model's reason, a model that is down
fails the expectation (not the run)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from agentconfig.errors import Unavailable
from runtime_service.adapters.judge import ResponderJudge
from runtime_service.simulator.ports import ModelRequest, Move, Responder


class Answers(Responder):
    def __init__(self, reply: str | None) -> None:
        self.reply = reply
        self.seen: list[ModelRequest] = []

    async def move(self, request: ModelRequest) -> AsyncIterator[str | Move]:
        self.seen.append(request)
        if self.reply is None:
            raise Unavailable("model endpoint down")
        yield self.reply
        yield Move(reply=self.reply)


async def test_verdicts() -> None:
    model = Answers("YES: it says sorry")
    assert await ResponderJudge(model).judge("apologises", "Late!", "Sorry!") == (
        True, "YES: it says sorry")
    question = model.seen[0].messages[0].content
    assert "apologises" in question and "Late!" in question and "Sorry!" in question
    assert model.seen[0].tools == ()
    assert await ResponderJudge(Answers("NO, it does not")).judge("c", "m", "r") == (
        False, "NO, it does not")
    verdict, reason = await ResponderJudge(Answers(None)).judge("c", "m", "r")
    assert not verdict and reason.startswith("could not be judged")
