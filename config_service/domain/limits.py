"""Size limits, in one place so errors, docs and tests quote the same numbers."""

import re

WORKSPACE_ID = re.compile(r"^[a-z][a-z0-9-]{1,62}\Z")
ENTITY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}\Z")
CHANNEL_ID = ENTITY_ID
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")

MAX_ENTITIES_PER_WORKSPACE = 10_000
MAX_ENTITIES_PER_APPLY = 10_000
MAX_CHANNELS_PER_WORKSPACE = 500
MAX_NAME = 100
MAX_MODEL = 100
MAX_INSTRUCTIONS = 32_000
MAX_PROMPT = 16_000
MAX_TEMPLATE = 16_000
MAX_DESCRIPTION = 2_000
MAX_GREETING = 2_000
MAX_URL = 2_048
MAX_COMMAND = 1_024
MAX_LIST = 100
MAX_SCHEMA_BYTES = 64 * 1024
MAX_TIMEOUT_MS = 120_000
MAX_MESSAGE = 1_000
MAX_AUTHOR = 200
MAX_REQUEST_ID = 100
MAX_DISPLAY_NAME = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

# test cases and runs (live data)
MAX_TEST_CASES_PER_WORKSPACE = 500
MAX_TEST_TURNS = 20
MAX_TEST_MESSAGE = 8_000  # a user message, as the internal chat allows
MAX_SCRIPT_MOVES = 10
MAX_TOOL_CALLS = 20  # per scripted move, and expected per turn
MAX_EXPECTATION_TEXT = 1_000  # each reply_contains item, the regex, the criterion
MAX_TEST_CASE_BYTES = 256 * 1024  # the case's JSON body
MAX_RUN_TEXT = 32_000  # a reply or an error as a run stores it
MAX_LIVE_TOOLS = MAX_LIST
