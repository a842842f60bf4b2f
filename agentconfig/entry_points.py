"""What every server entry point shares: ``--help`` that lists its settings (generated from
its pydantic-settings classes, so it cannot drift), ``--version``, a one-line usage error
(exit 2) for an unknown argument, and a one-line StartupError or invalid setting (exit 1)
without a traceback.
Nothing here starts anything."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import NoReturn, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from agentconfig.errors import StartupError

T = TypeVar("T")
S = TypeVar("S", bound=BaseSettings)
DISTRIBUTION = "agentconfig"


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _default(settings: type[BaseSettings], name: str) -> str:
    field = settings.model_fields[name]
    if field.default_factory is not None:
        return "(computed at start)"
    if isinstance(field.default, bool):
        return str(field.default).lower()
    return repr(field.default) if field.default == "" else str(field.default)


def settings_help(settings: type[BaseSettings]) -> str:
    """One line per setting: its environment variable and its default."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    rows = [(f"{prefix}{name}".upper(), _default(settings, name))
            for name in settings.model_fields]
    width = max(len(env) for env, _ in rows)
    return "\n".join(f"  {env:<{width}}  default: {default}" for env, default in rows)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser(prog: str, description: str,
           settings: Iterable[tuple[str, type[BaseSettings]]]) -> argparse.ArgumentParser:
    """A parser with ``--version`` and, after the options, each settings class's
    environment variables under its title."""
    sections = [f"{title}:\n{settings_help(cls)}"
                for title, cls in settings]
    made = _Parser(prog=prog, description=description, epilog="\n\n".join(sections),
                   formatter_class=argparse.RawDescriptionHelpFormatter)
    made.add_argument("--version", action="version", version=f"{prog} {version()}")
    return made


def _invalid(exc: ValidationError, prefix: str = "") -> NoReturn:
    """One line per bad setting, named as the operator set it, instead of a traceback."""
    for problem in exc.errors():
        name = "_".join(str(part) for part in problem["loc"])
        what = f"setting {prefix}{name.upper()}" if name else "settings"  # a model check
        print(f"error: invalid {what}: {problem['msg']}", file=sys.stderr)
    sys.exit(1)


def load_settings(settings: type[S]) -> S:
    """The settings from the environment; a bad value exits 1 naming its variable."""
    try:
        return settings()
    except ValidationError as exc:
        _invalid(exc, str(settings.model_config.get("env_prefix", "")).upper())


def run_or_exit(start: Callable[[], T]) -> T:
    """Run ``start``; a StartupError (or settings built inside it that do not validate)
    becomes one line on stderr and exit status 1."""
    try:
        return start()
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except ValidationError as exc:
        _invalid(exc)
