"""One test case, turn by turn, through the internal chat: each turn is a ChatService.turn
in the case's own conversation (so history and a squad's current speaker carry over), with
the case's mocks, the turn's script and the responder the case names (scripted unless it
asks for the configured model); its answer is checked against the turn's expectations.

A turn answered from other content than the run's target (the Draft was edited during
the run) ends the case with that error: a run only ever reports one revision or version."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from agentconfig.errors import AgentConfigError, Unavailable
from agentconfig.kinds import kind_by_enum
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from runtime_service.service.chat import ChatService, ChatTurn
from runtime_service.simulator.expectations import check_turn, judged


class Judge(abc.ABC):
    """Decides a turn's ``judge_criterion`` with a model: (verdict, the model's reason)."""

    @abc.abstractmethod
    async def judge(self, criterion: str, user_message: str, reply: str,
                    ) -> tuple[bool, str]: ...


@dataclass(frozen=True)
class Target:
    source: int  # rpb.TestTargetSource
    version: int  # VERSION and PRODUCTION
    draft_revision: int  # DRAFT
    content_hash: str

    @property
    def draft(self) -> bool:
        return self.source == rpb.TEST_TARGET_SOURCE_DRAFT

    def drift(self, served: rpb.ServedFrom) -> str:
        """Why an answer does not belong to this target ("" when it does)."""
        if self.draft and served.draft_revision != self.draft_revision:
            return (f"the Draft changed during the run: revision {self.draft_revision} was "
                    f"tested, this turn saw revision {served.draft_revision}")
        if not self.draft and served.version != self.version:
            return f"answered from v{served.version}, not v{self.version}"
        return ""


def stored_trace(trace: rpb.ChatTrace) -> rpb.ChatTrace:
    """A run keeps each turn's trace without the effective instructions: the revision or
    version it names holds them, and a suite's run stays one bounded message."""
    kept = rpb.ChatTrace()
    kept.CopyFrom(trace)
    kept.ClearField("effective_instructions")
    return kept


def chat_turn(workspace_id: str, target: Target, case: tpb.TestCase, index: int,
              conversation_id: str) -> ChatTurn:
    turn = case.turns[index]
    context = rpb.ConversationContext()
    context.CopyFrom(turn.context)
    context.message = context.message or turn.user_message
    context.turn = context.turn or index + 1
    kind = kind_by_enum(case.target_kind)
    responder = case.responder or rpb.RESPONDER_KIND_SCRIPTED
    return ChatTurn(workspace_id, kind.name if kind else "", case.target_id, target.draft,
                    target.version, turn.user_message, context, conversation_id,
                    mocks=tuple(case.mocks), responder=responder, script=turn.script)


async def _expectations(judge: Judge | None, turn: tpb.TestTurn, answer: rpb.ChatResponse,
                        ) -> list[tpb.ExpectationResult]:
    found = check_turn(turn.expect, answer)
    criterion = turn.expect.judge_criterion
    if criterion and judge is None:
        found.append(judged(criterion, None, ""))
    elif criterion and judge is not None:
        found.append(judged(criterion, *await judge.judge(criterion, turn.user_message,
                                                          answer.reply)))
    return found


async def run_case(chat: ChatService, judge: Judge | None, workspace_id: str, target: Target,
                   case: tpb.TestCase, conversation_id: str) -> tpb.CaseResult:
    result = tpb.CaseResult(test_case_id=case.test_case_id, test_case_etag=case.etag)
    for index, turn in enumerate(case.turns):
        try:
            answer = await chat.turn(chat_turn(workspace_id, target, case, index,
                                               conversation_id))
        except Unavailable:
            raise  # a dependency is down: the run cannot say anything about this case
        except AgentConfigError as exc:
            result.error = f"turn {index + 1}: {exc.message}"
            break
        drift = target.drift(answer.trace.served_from)
        if drift:
            result.error = f"turn {index + 1}: {drift}"
            break
        checked = await _expectations(judge, turn, answer)
        result.turns.add(index=index, passed=all(e.passed for e in checked),
                         reply=answer.reply, trace=stored_trace(answer.trace),
                         expectations=checked)
    result.passed = not result.error and all(t.passed for t in result.turns)
    return result
