"""``aioptout agents``: list the crawler registry, or look up a token or User-Agent header."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from ..agents import Agent, Registry, RegistryError, default_registry, usage_labels_for
from ._common import EXIT_CODES_HELP, Exit, TextJson, emit_json, fail, stderr, stdout


class PurposeOption(StrEnum):
    training = "training"
    search = "search"
    user_fetch = "user-fetch"
    agent = "agent"
    control = "control"
    dataset = "dataset"
    other = "other"


_HELP = f"""List the AI crawler registry, or show which agents a token or User-Agent maps to.

A Disallow for an agent's token reserves the usages of its purpose: \
training → train-any, search → search, user-fetch and agent → ai-input, dataset → tdm. \
A control token such as Google-Extended reserves the labels it controls for the crawlers \
it governs.

\b
Examples:
  aioptout agents --purpose training
  aioptout agents Googlebot
  aioptout agents "Mozilla/5.0 (compatible; GPTBot/1.1; +https://openai.com/gptbot)"
  aioptout agents --format json --registry my-agents.json

{EXIT_CODES_HELP} Here: 0 listed (also when nothing matched), 2 bad option, \
3 registry file unreadable or invalid.
"""


def _row(agent: Agent, registry: Registry) -> dict[str, object]:
    out = agent.to_dict()
    out["usage_labels"] = list(usage_labels_for(agent))
    out["controlled_by"] = [c.token for c in registry.control_tokens_for(agent.token)]
    return out


def _table(agents: list[Agent], registry: Registry) -> Table:
    table = Table(show_edge=False, header_style="bold")
    for column in ("token", "operator", "purpose", "respects robots.txt", "usage", "controls"):
        table.add_column(column, overflow="fold")
    for agent in agents:
        token = agent.token
        if not agent.valid_token:
            token += f" (matches as {agent.matched_token or 'nothing'})"
        if agent.purpose == "control":
            controls = f"governs {', '.join(agent.governs)}"
        else:
            controls = ", ".join(c.token for c in registry.control_tokens_for(agent.token))
            controls = f"controlled by {controls}" if controls else ""
        table.add_row(
            token,
            agent.operator or "?",
            agent.purpose,
            agent.respects_robots,
            ", ".join(usage_labels_for(agent)) or "-",
            controls,
        )
    return table


def agents_command(
    token_or_ua: Annotated[
        str | None,
        typer.Argument(
            metavar="TOKEN_OR_UA",
            help="A robots.txt token (GPTBot) or a full User-Agent header to look up.",
        ),
    ] = None,
    *,
    purpose: Annotated[
        PurposeOption | None,
        typer.Option("--purpose", help="Only agents of this purpose."),
    ] = None,
    output_format: Annotated[
        TextJson, typer.Option("--format", help="text (a table) or json.")
    ] = TextJson.text,
    registry_file: Annotated[
        str | None,
        typer.Option(
            "--registry",
            metavar="FILE",
            help="Use this registry file (spec/agents.schema.json) instead of the bundled one.",
        ),
    ] = None,
) -> None:
    try:
        registry = default_registry() if registry_file is None else Registry.load(registry_file)
    except RegistryError as exc:
        fail(str(exc), Exit.INPUT)
    if token_or_ua is None:
        agents = list(registry)
    else:
        exact = registry.get(token_or_ua.strip())
        agents = [exact] if exact is not None else registry.tokens_in_user_agent(token_or_ua)
    if purpose is not None:
        agents = [a for a in agents if a.purpose == purpose.value]
    if output_format is TextJson.json:
        emit_json(
            {
                "schema_version": 1,
                "query": token_or_ua,
                "agents": [_row(a, registry) for a in agents],
            }
        )
        return
    if not agents:
        what = "the registry" if token_or_ua is None else repr(token_or_ua)
        stderr().print(f"no registry agent matches {what}", markup=False)
        return
    stdout().print(_table(agents, registry))


def register(app: typer.Typer) -> None:
    app.command("agents", help=_HELP)(agents_command)
