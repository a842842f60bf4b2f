"""A test case's ``judge_criterion`` decided by the model the runtime is configured with:
the model reads the criterion, the user's message and the reply, and answers YES or NO with
a reason. Only built when a real model is configured (bootstrap); with the deterministic
responder there is nothing to ask, and the runner reports the criterion as not judged."""

from __future__ import annotations

from agentconfig.errors import AgentConfigError
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.service.case_runner import Judge
from runtime_service.simulator.ports import Message, ModelRequest, Move, Responder

INSTRUCTIONS = (
    "You judge a customer-service assistant's reply in an automated test. Read the "
    "criterion, the user's message and the reply. Answer on one line: YES or NO, then a "
    "short reason. Answer YES only if the reply clearly meets the criterion.")


def _question(criterion: str, user_message: str, reply: str) -> str:
    return (f"Criterion: {criterion}\n\nUser's message:\n{user_message}\n\n"
            f"Assistant's reply:\n{reply}\n\nDoes the reply meet the criterion?")


class ResponderJudge(Judge):
    def __init__(self, responder: Responder) -> None:
        self._responder = responder

    async def judge(self, criterion: str, user_message: str, reply: str) -> tuple[bool, str]:
        agent = rpb.ResolvedAgent(agent_id="test-judge", effective_instructions=INSTRUCTIONS)
        request = ModelRequest(agent, (Message("user", _question(criterion, user_message,
                                                                   reply)),),
                               (), rpb.ConversationContext(), 0)
        answer = ""
        try:
            async for item in self._responder.move(request):
                if isinstance(item, Move):
                    answer = item.reply.strip()
        except AgentConfigError as exc:  # the model is down: this expectation fails
            return False, f"could not be judged: {exc.message}"
        return answer.upper().startswith("YES"), answer or "(no answer)"
