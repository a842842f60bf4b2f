"""Test cases beside the diff: the suite's latest run on the reviewed Draft revision (each
case passed or failed, and for a failure the expectations that did not hold), a button to
run it on that revision, and "save as test case" from an internal-chat conversation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from agentctl.commands.suite_save import from_conversation
from agentctl.errors import CliError
from console.errors import ConsoleError, Invalid
from console.web import EDITOR, call, form, session


async def latest_on(request: Request, ws: str, revision: int) -> tuple[int, tpb.TestRun | None]:
    """(how many cases the workspace has, the newest run on Draft ``revision`` or None)."""
    cases = await call(request, "ListTestCases", tpb.ListTestCasesRequest(
        workspace_id=ws, page_size=100))
    if not cases.test_cases:
        return 0, None
    runs = await call(request, "ListTestRuns", tpb.ListTestRunsRequest(workspace_id=ws,
                                                                       page_size=20))
    found = next((r for r in runs.test_runs if r.source == rpb.TEST_TARGET_SOURCE_DRAFT
                  and r.draft_revision == revision), None)
    if found is None:
        return len(cases.test_cases), None
    full = await call(request, "GetTestRun", tpb.GetTestRunRequest(
        workspace_id=ws, test_run_id=found.test_run_id))
    return len(cases.test_cases), full.test_run


async def run_suite(request: Request) -> Response:
    ws = session(request, EDITOR).workspace
    await call(request, "RunTests", rpb.RunTestsRequest(
        workspace_id=ws, source=rpb.TEST_TARGET_SOURCE_DRAFT), EDITOR, runtime=True)
    return RedirectResponse("/review#suite", status_code=303)


async def save_case(request: Request) -> Response:
    """The conversation's turns as a test case: what was observed becomes its expectations."""
    me = session(request, EDITOR)
    data = await form(request)
    conversation_id = data.get("conversation_id", "")
    case_id = data.get("test_case_id", "").strip() or f"chat-{conversation_id[:40].lower()}"
    found = await call(request, "GetConversation", rpb.GetConversationRequest(
        workspace_id=me.workspace, conversation_id=conversation_id), EDITOR, runtime=True)
    try:
        case = from_conversation(found.conversation, case_id, data.get("name", ""))
    except CliError as exc:
        raise Invalid(exc.message, status=422) from None
    try:
        await call(request, "CreateTestCase", tpb.CreateTestCaseRequest(
            workspace_id=me.workspace, test_case=case), EDITOR)
    except ConsoleError as exc:
        exc.message = f"could not save test case {case_id}: {exc.message}"
        raise
    back = f"/chat?version={data.get('version', '0')}&target={data.get('target', '')}"
    return RedirectResponse(f"{back}&saved={case_id}", status_code=303)


routes = [Route("/tests/run", run_suite, methods=["POST"]),
          Route("/tests/save", save_case, methods=["POST"])]
