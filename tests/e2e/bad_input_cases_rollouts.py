"""Bad-input rows for staged rollouts, the outcome counts runtimes report, and scheduled
publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from agentconfig.v1 import rollouts_pb2 as rpb
from agentconfig.v1 import schedules_pb2 as spb
from tests.e2e.bad_input_setup import Case, Request, World

IA = grpc.StatusCode.INVALID_ARGUMENT
FP = grpc.StatusCode.FAILED_PRECONDITION
NF = grpc.StatusCode.NOT_FOUND


def _start(w: World, **fields: object) -> Request:
    base: dict[str, object] = {"workspace_id": w.ws, "candidate_version": 2,
                               "steps_bp": [1000, 10_000]}
    return "StartRollout", rpb.StartRolloutRequest(**(base | fields))  # type: ignore[arg-type]


def _report(w: World, **fields: object) -> Request:
    base: dict[str, object] = {"workspace_id": w.ws, "rollout_id": "r-0000000000",
                               "reporter": "rt-1"}
    return "ReportOutcomeCounts", rpb.ReportOutcomeCountsRequest(
        **(base | fields))  # type: ignore[arg-type]


def _outcome(version: int, **counts: int) -> rpb.VersionOutcomes:
    return rpb.VersionOutcomes(version=version, counts=rpb.OutcomeCounts(**counts))


CASES: list[Case] = [
    Case("rollout-no-steps", lambda w: _start(w, steps_bp=[]), IA, "steps", "BAD_STEPS"),
    Case("rollout-steps-fall", lambda w: _start(w, steps_bp=[5000, 1000]), IA, "steps",
         "BAD_STEPS"),
    Case("rollout-step-over-100", lambda w: _start(w, steps_bp=[10_001]), IA, "steps",
         "BAD_STEPS"),
    Case("rollout-every-fraction", lambda w: _start(w, every=Duration(seconds=1, nanos=5)),
         IA, "every", "BAD_DURATION"),
    Case("rollout-every-negative", lambda w: _start(w, every=Duration(seconds=-60)), IA,
         "every", "BAD_DURATION"),
    Case("rollout-bad-guard", lambda w: _start(w, guards=["errors > lots"]), IA, "guards[0]",
         "BAD_GUARD"),
    Case("rollout-repeated-channel", lambda w: _start(w, channel_ids=["web", "web"]), IA,
         "channels", "BAD_CHANNELS"),
    Case("rollout-author-too-long", lambda w: _start(w, author="a" * 1000), IA, "author"),
    Case("rollout-candidate-zero", lambda w: _start(w, candidate_version=0), IA,
         "candidate_version", "BAD_VERSION"),
    Case("rollout-candidate-missing", lambda w: _start(w, candidate_version=99), NF,
         reason="VERSION_NOT_FOUND"),
    Case("rollout-candidate-is-production", lambda w: _start(w, candidate_version=1), FP,
         reason="CANDIDATE_NOT_NEWER"),
    Case("get-rollout-none", lambda w: ("GetRollout", rpb.GetRolloutRequest(
        workspace_id=w.ws)), NF, reason="ROLLOUT_NOT_FOUND"),
    Case("get-rollout-huge-id", lambda w: ("GetRollout", rpb.GetRolloutRequest(
        workspace_id=w.ws, rollout_id="r" * 5000)), NF, reason="ROLLOUT_NOT_FOUND"),
    Case("list-rollouts-negative-size", lambda w: ("ListRollouts", rpb.ListRolloutsRequest(
        workspace_id=w.ws, page_size=-1)), IA, "page_size"),
    Case("list-rollouts-foreign-token", lambda w: ("ListRollouts", rpb.ListRolloutsRequest(
        workspace_id=w.ws, page_token=w.draft_token)), IA, "page_token"),
    Case("advance-unknown-rollout", lambda w: ("AdvanceRollout", rpb.AdvanceRolloutRequest(
        workspace_id=w.ws, rollout_id="r-nope")), NF, reason="ROLLOUT_NOT_FOUND"),
    Case("promote-no-rollout-id", lambda w: ("PromoteRollout", rpb.PromoteRolloutRequest(
        workspace_id=w.ws)), NF, reason="ROLLOUT_NOT_FOUND"),
    Case("abort-reason-too-long", lambda w: ("AbortRollout", rpb.AbortRolloutRequest(
        workspace_id=w.ws, rollout_id="r-nope", reason="x" * 5000)), IA, "reason",
         "TOO_LONG"),
    Case("report-no-reporter", lambda w: _report(w, reporter=""), IA, "reporter", "BAD_ID"),
    Case("report-version-zero", lambda w: _report(w, outcomes=[_outcome(0, turns=1)]), IA,
         "outcomes[0].version", "BAD_VERSION"),
    Case("report-more-errors-than-turns", lambda w: _report(
        w, outcomes=[_outcome(1, turns=1, errors=2)]), IA, "outcomes[0].counts", "BAD_COUNT"),
    Case("report-negative-count", lambda w: _report(
        w, outcomes=[_outcome(1, turns=-1)]), IA, "outcomes[0].counts", "BAD_COUNT"),
    Case("report-unknown-rollout", lambda w: _report(w, outcomes=[_outcome(1, turns=1)]), NF,
         reason="ROLLOUT_NOT_FOUND"),
]


def _at(seconds: float) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(datetime.now(UTC) + timedelta(seconds=seconds))
    return out


def _schedule(w: World, **fields: object) -> Request:
    base: dict[str, object] = {"workspace_id": w.ws, "reviewed_revision": w.revision,
                               "run_time": _at(3600)}
    return "SchedulePublish", spb.SchedulePublishRequest(
        **(base | fields))  # type: ignore[arg-type]


SCHEDULE_CASES: list[Case] = [
    Case("schedule-no-time", lambda w: ("SchedulePublish", spb.SchedulePublishRequest(
        workspace_id=w.ws, reviewed_revision=w.revision)), IA, "run_time", "REQUIRED"),
    Case("schedule-in-the-past", lambda w: _schedule(w, run_time=_at(-60)), IA, "run_time",
         "BAD_TIME"),
    Case("schedule-too-far", lambda w: _schedule(w, run_time=_at(400 * 86400)), IA,
         "run_time", "BAD_TIME"),
    Case("schedule-no-revision", lambda w: _schedule(w, reviewed_revision=0), IA,
         "reviewed_revision", "REQUIRED"),
    Case("schedule-stale-revision", lambda w: _schedule(w, reviewed_revision=w.revision - 1),
         grpc.StatusCode.ABORTED, reason="STALE_REVISION"),
    Case("schedule-nothing-to-publish", lambda w: _schedule(w), FP,
         reason="NOTHING_TO_PUBLISH"),
    Case("schedule-bad-rollout", lambda w: _schedule(w, rollout=spb.ScheduledRollout(
        steps_bp=[5000, 10])), IA, "steps", "BAD_STEPS"),
    Case("schedule-message-nul", lambda w: _schedule(w, message="a\x00"), IA, "message",
         "BAD_CHARACTER"),
    Case("cancel-unknown-schedule", lambda w: ("CancelSchedule", spb.CancelScheduleRequest(
        workspace_id=w.ws, schedule_id="s-nope")), NF, reason="SCHEDULE_NOT_FOUND"),
    Case("list-schedules-bad-token", lambda w: ("ListSchedules", spb.ListSchedulesRequest(
        workspace_id=w.ws, page_token="garbage")), IA, "page_token"),
]
CASES += SCHEDULE_CASES
CASES += [
    Case("cancel-huge-schedule-id", lambda w: ("CancelSchedule", spb.CancelScheduleRequest(
        workspace_id=w.ws, schedule_id="s" * 5000)), NF, reason="SCHEDULE_NOT_FOUND"),
    Case("abort-huge-rollout-id", lambda w: ("AbortRollout", rpb.AbortRolloutRequest(
        workspace_id=w.ws, rollout_id="r" * 5000)), NF, reason="ROLLOUT_NOT_FOUND"),
]
CASES += [
    Case("abort-reason-nul", lambda w: ("AbortRollout", rpb.AbortRolloutRequest(
        workspace_id=w.ws, rollout_id="r-nope", reason="bad\x00")), IA, "reason",
         "BAD_CHARACTER"),
]
