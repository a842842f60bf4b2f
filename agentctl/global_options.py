"""The global options (addresses, workspace, key, user, TLS) before the command or after it:
``agentctl -w shop get agents`` and ``agentctl get agents -w shop`` are the same.

The app's callback declares them once (with their environment variables) and ``remember``s
what it was given; ``accept_everywhere`` gives every command the same flags (without the
environment variables, so a flag after the command wins over one before it or the
environment), and ``connection`` builds the one Connection from both on first use.

The mirror case: an option of the commands themselves that users naturally put first
(``-o json``, as in ``agentctl -o json get agents``) is declared on the callback too and named
in ``per_command``. A command that has it takes the value from before the command when it
was not given after it; a command that has not refuses it, rather than ignoring it."""

from __future__ import annotations

import copy
import enum
import functools
import inspect
from collections.abc import Callable, Collection
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import typer
from typer.models import OptionInfo

from agentctl import tls
from agentctl.client import Connection
from agentctl.errors import Usage
from agentctl.settings import resolve

_GIVEN = "agentctl.given"
_CONNECTION = "agentctl.connection"


def remember(ctx: typer.Context, given: dict[str, str | None]) -> None:
    """What the options before the command (or their variables) gave; None where neither."""
    ctx.meta[_GIVEN] = dict(given)


def connection(ctx: typer.Context) -> Connection:
    """The Connection of this invocation, built on first use from every global option."""
    if _CONNECTION not in ctx.meta:
        if _GIVEN not in ctx.meta:  # only when a command is invoked without the app
            raise Usage("no connection settings")
        settings = resolve(ctx.meta[_GIVEN])
        tls.check(settings)
        ctx.meta[_CONNECTION] = found = Connection(settings, ctx.command_path)
        ctx.find_root().call_on_close(found.close)
    built: Connection = ctx.meta[_CONNECTION]
    return built


def _flag_only(parameter: inspect.Parameter) -> inspect.Parameter:
    """The same option without its environment variable, keyword-only."""
    base, info = get_args(parameter.annotation)
    option = copy.copy(info)
    option.envvar = None
    return parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY,
                             annotation=Annotated[base, option])


def global_parameters(callback: Callable[..., Any], per_command: Collection[str] = (),
                      ) -> list[inspect.Parameter]:
    """The app callback's options (not the eager ones, ``--version``, nor the commands' own
    options in ``per_command``), as parameters a command can take too."""
    found = inspect.signature(callback, eval_str=True).parameters.values()
    return [_flag_only(p) for p in found if get_origin(p.annotation) is Annotated
            and isinstance(info := get_args(p.annotation)[1], OptionInfo)
            and not info.is_eager and p.name not in per_command]


def _from_before(ctx: typer.Context, names: Collection[str], kwargs: dict[str, Any]) -> None:
    """Fill the command's own options not given after it from what was given before it."""
    root = ctx.find_root()
    for name in names:
        if root.params.get(name) is None:
            continue
        if name not in kwargs:
            flag = "/".join(_flags(root.command.params, name))
            raise Usage(f"{flag} does not apply to '{ctx.command_path}'")
        source = ctx.get_parameter_source(name)
        if source is None or source.name == "DEFAULT":
            kwargs[name] = _like(kwargs[name], root.params[name])


def _like(default: Any, given: Any) -> Any:
    """``given`` (click's plain value) as the command's own type, e.g. an enum member."""
    return type(default)(given) if isinstance(default, enum.Enum) else given


def _flags(params: list[Any], name: str) -> list[str]:
    return next((sorted(p.opts, key=len) for p in params if p.name == name), [name])


def taking_before(command: Callable[..., Any], per_command: Collection[str],
                  ) -> Callable[..., Any]:
    """``command`` taking its own ``per_command`` options from before it too. A command
    without a ``typer.Context`` parameter (it connects to nothing) is left as it is."""
    context = _context_name(command)
    if not per_command or context is None:
        return command

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _from_before(kwargs[context], per_command, kwargs)
        return command(*args, **kwargs)

    return wrapper


def _context_name(command: Callable[..., Any]) -> str | None:
    return next((p.name for p in inspect.signature(command, eval_str=True).parameters.values()
                 if p.annotation is typer.Context), None)


def accepting(command: Callable[..., Any], extra: list[inspect.Parameter],
              ) -> Callable[..., Any]:
    """``command`` taking the global options too; what they give is remembered for
    ``connection``. A command without a ``typer.Context`` parameter is left as it is."""
    signature = inspect.signature(command, eval_str=True)
    context = _context_name(command)
    added = [p for p in extra if p.name not in signature.parameters]
    if context is None or not added:
        return command
    names = {p.name for p in added}

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx: typer.Context = kwargs[context]
        given = ctx.meta.setdefault(_GIVEN, {})
        for name in names:
            value = kwargs.pop(name, None)
            if value is not None:
                given[name] = value
        return command(*args, **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *added])
    wrapper.__annotations__ = get_type_hints(command, include_extras=True) | {
        p.name: p.annotation for p in added}
    return wrapper


def accept_everywhere(app: typer.Typer, callback: Callable[..., Any],
                      per_command: Collection[str] = ()) -> None:
    """Every command of ``app`` and its groups takes ``callback``'s options too, and its own
    ``per_command`` options from before it."""
    extra = global_parameters(callback, per_command)
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = taking_before(accepting(info.callback, extra), per_command)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            accept_everywhere(group.typer_instance, callback, per_command)
