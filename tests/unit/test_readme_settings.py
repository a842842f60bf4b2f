"""The README tells a newcomer that chat replies come from a deterministic responder by
default and how to point the chat at a real model; every setting it names exists, so the
instructions cannot drift from the settings class."""

from __future__ import annotations

import re
from pathlib import Path

from runtime_service.settings import RuntimeSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
PREFIX = "AGENTCONFIG_RUNTIME_"


def test_readme_says_how_replies_are_made() -> None:
    assert "deterministic responder by default" in README
    assert f"{PREFIX}RESPONDER=openai" in README


def test_every_runtime_setting_the_readme_names_exists() -> None:
    named = set(re.findall(rf"{PREFIX}([A-Z_]+)", README))
    assert {"RESPONDER", "OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL"} <= named
    assert {n.lower() for n in named} <= set(RuntimeSettings.model_fields)
