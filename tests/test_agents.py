"""The agent registry: bundled data, control-token relations, User-Agent matching, the CLI."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import typer
from typer.testing import CliRunner

from aioptout import agents as agents_module
from aioptout._cli.agents import register
from aioptout.agents import (
    PURPOSES,
    Agent,
    Registry,
    RegistryError,
    default_registry,
    matched_token,
    usage_labels_for,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(
    os.environ.get("AIOPTOUT_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
ROBOTS_JSON = CORPUS / "ai-robots.json"
SCHEMA = json.loads((ROOT / "spec" / "agents.schema.json").read_text("utf-8"))
BUNDLED = json.loads((ROOT / "aioptout" / "data" / "agents.json").read_text("utf-8"))
# RFC 9309 §2.2.1: product-token = 1*(ALPHA / "_" / "-")
# Spec §6 agent token: RFC 9309's product-token characters and digits.
AGENT_TOKEN = re.compile(r"[A-Za-z0-9_-]+")

needs_corpus = pytest.mark.skipif(not ROBOTS_JSON.exists(), reason="corpus not available")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return default_registry()


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_agents", ROOT / "scripts" / "build_agents.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the bundled file -------------------------------------------------------------------------


def test_bundled_file_matches_its_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(BUNDLED, SCHEMA)


def test_bundled_file_records_its_sources() -> None:
    upstream = BUNDLED["sources"][0]
    assert upstream["url"] == "https://github.com/ai-robots-txt/ai.robots.txt"
    assert upstream["commit"] == "738c80df2169027ce0e07c9976fd3f2f57dd8f7b"
    assert upstream["licence"] == "MIT"
    assert upstream["copyright"] == "Copyright (c) 2024 ai.robots.txt"


@needs_corpus
def test_bundled_file_is_regenerated_exactly_from_corpus_and_overrides(tmp_path: Path) -> None:
    script = _load_script()
    assert script.render(script.build(ROBOTS_JSON)) == (
        ROOT / "aioptout" / "data" / "agents.json"
    ).read_text("utf-8")
    assert script.main(["--check", "--robots-json", str(ROBOTS_JSON)]) == 0
    stale = tmp_path / "agents.json"
    stale.write_text("{}", "utf-8")
    assert script.main(["--check", "--robots-json", str(ROBOTS_JSON), "--output", str(stale)]) == 1


@needs_corpus
def test_build_refuses_an_entry_without_purpose(tmp_path: Path) -> None:
    script = _load_script()
    upstream = json.loads(ROBOTS_JSON.read_text("utf-8"))
    upstream["NewBot"] = {
        "operator": "X",
        "respect": "Yes",
        "function": "Something new.",
        "frequency": "",
        "description": "",
    }
    path = tmp_path / "robots.json"
    path.write_text(json.dumps(upstream), "utf-8")
    with pytest.raises(script.BuildError, match="NewBot"):
        script.build(path)


def test_agents_sorted_case_insensitively_and_unique(registry: Registry) -> None:
    tokens = [a["token"] for a in BUNDLED["agents"]]
    assert tokens == sorted(tokens, key=str.lower)
    assert len({t.lower() for t in tokens}) == len(tokens)
    assert [a.token for a in registry] == tokens


def test_every_token_is_checked_as_an_agent_token(registry: Registry) -> None:
    # RFC 9309 §2.2.1: "Crawlers MUST use case-insensitive matching to find the group that
    # matches the product token"; product-token = 1*(ALPHA / "_" / "-"), widened by digits.
    for agent in registry:
        assert agent.valid_token is (AGENT_TOKEN.fullmatch(agent.token) is not None), agent
        lead = re.match(r"[A-Za-z0-9_-]*", agent.token)
        assert lead is not None and agent.matched_token == lead.group()
    invalid = {a.token for a in registry if not a.valid_token}
    # signals.md §9.1 lists these as not valid product tokens.
    assert {
        "ChatGPT Agent",
        "Brightbot 1.0",
        "Datenbank Crawler",
        "Echobot Bot",
        "Kangaroo Bot",
        "Sidetrade indexer bot",
        "Poseidon Research Crawler",
        "netEstate Imprint Crawler",
        "Terra Cotta",
        "iaskspider/2.0",
        "MistralAI-User/1.0",
    } <= invalid
    # Digits are agent-token characters (ai.robots.txt#242 counts 21 tokens outside RFC 9309's
    # characters; the 6 with digits are whole agent tokens).
    assert not {"AI2Bot", "img2dataset", "Crawl4AI"} & invalid
    assert len(invalid) == 15


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("ChatGPT Agent", "ChatGPT"),
        ("AI2Bot", "AI2Bot"),
        ("iaskspider/2.0", "iaskspider"),
        ("2bot", "2bot"),
        (".bot", ""),
        ("GPTBot", "GPTBot"),
    ],
)
def test_matched_token(token: str, expected: str) -> None:
    assert matched_token(token) == expected


def test_case_variants_are_merged(registry: Registry) -> None:
    # signals.md §9.1: "meta-externalagent / Meta-ExternalAgent, Webzio-Extended / webzio-extended"
    merged = registry.get("Meta-ExternalAgent")
    assert merged is not None and merged is registry.get("meta-externalagent")
    assert merged.token == "meta-externalagent"
    assert merged.operator == "Meta" and merged.purpose == "training"
    assert [a.token.lower() for a in registry].count("webzio-extended") == 1
    assert [a.token.lower() for a in registry].count("meta-externalfetcher") == 1


@needs_corpus
def test_every_upstream_token_resolves(registry: Registry) -> None:
    upstream = json.loads(ROBOTS_JSON.read_text("utf-8"))
    assert len(upstream) == 166
    for token in upstream:
        assert registry.get(token) is not None, token
    assert len(registry) == 166 - 3 + 2  # three case pairs merged; Googlebot and bingbot added


@pytest.mark.parametrize(
    ("token", "purpose", "operator"),
    [
        ("GPTBot", "training", "OpenAI"),
        ("OAI-SearchBot", "search", "OpenAI"),
        ("ChatGPT-User", "user-fetch", "OpenAI"),
        ("ChatGPT Agent", "agent", "OpenAI"),
        ("ClaudeBot", "training", "Anthropic"),
        ("Claude-SearchBot", "search", "Anthropic"),
        ("Claude-User", "user-fetch", "Anthropic"),
        ("CCBot", "dataset", "Common Crawl Foundation"),
        ("Bytespider", "training", "ByteDance"),
        ("PerplexityBot", "search", "Perplexity"),
        ("Google-Extended", "control", "Google"),
        ("Applebot-Extended", "control", "Apple"),
        ("Applebot", "search", "Apple"),
        ("Googlebot", "search", "Google"),
        ("bingbot", "search", "Microsoft"),
        ("gptbot", "training", "OpenAI"),
    ],
)
def test_purposes_of_major_agents(
    registry: Registry, token: str, purpose: str, operator: str
) -> None:
    # signals.md §9.2 purpose table.
    agent = registry.get(token)
    assert agent is not None
    assert (agent.purpose, agent.operator) == (purpose, operator)


def test_by_purpose(registry: Registry) -> None:
    assert {a.token for a in registry.by_purpose("control")} == {
        "Applebot-Extended",
        "Google-Extended",
        "Webzio-Extended",
    }
    assert sum(len(registry.by_purpose(p)) for p in PURPOSES) == len(registry)
    with pytest.raises(ValueError):
        registry.by_purpose("crawling")


# --- control tokens ----------------------------------------------------------------------------


def test_control_relations(registry: Registry) -> None:
    # signals.md §6.3: Google-Extended "is a robots.txt product token only … Crawling is done
    # with Googlebot's UA"; Applebot-Extended controls whether Applebot's data trains models.
    assert [a.token for a in registry.control_tokens_for("Googlebot")] == ["Google-Extended"]
    assert [a.token for a in registry.control_tokens_for("googlebot")] == ["Google-Extended"]
    assert [a.token for a in registry.control_tokens_for("Applebot")] == ["Applebot-Extended"]
    assert [a.token for a in registry.control_tokens_for("omgili")] == ["Webzio-Extended"]
    assert registry.control_tokens_for("GPTBot") == []
    google = registry.get("Google-Extended")
    apple = registry.get("Applebot-Extended")
    assert google is not None and apple is not None
    assert google.controls == ("train-any", "ai-input")
    assert apple.controls == ("train-any",)
    # Search is not controlled: "It does not affect Search inclusion or ranking".
    assert "search" not in google.controls


def test_every_governed_token_is_in_the_registry(registry: Registry) -> None:
    for control in registry.by_purpose("control"):
        assert control.governs and control.controls
        for token in control.governs:
            assert registry.get(token) is not None, (control.token, token)


@pytest.mark.parametrize(
    ("token", "labels"),
    [
        ("GPTBot", ("train-any",)),
        ("OAI-SearchBot", ("search",)),
        ("ChatGPT-User", ("ai-input",)),
        ("Operator", ("ai-input",)),
        ("CCBot", ("tdm",)),
        ("Google-Extended", ("train-any", "ai-input")),
        ("GoogleOther", ()),
    ],
)
def test_usage_labels_for(registry: Registry, token: str, labels: tuple[str, ...]) -> None:
    agent = registry.get(token)
    assert agent is not None
    assert usage_labels_for(agent) == labels


# --- User-Agent matching -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        # Published User-Agent strings of the operators.
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; "
            "+https://openai.com/gptbot)",
            ["GPTBot"],
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
            "+claudebot@anthropic.com)",
            ["ClaudeBot"],
        ),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ["Googlebot"]),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/"
            "applebot)",
            ["Applebot"],
        ),
        (
            "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile "
            "Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
            ["Bytespider"],
        ),
        ("CCBot/2.0 (https://commoncrawl.org/faq/)", ["CCBot"]),
        ("GPTBot", ["GPTBot"]),
        ("gptbot/1.0", ["GPTBot"]),
        (
            "Mozilla/5.0 (compatible; ChatGPT-User/1.0; +https://openai.com/bot) GPTBot/1.1",
            ["ChatGPT-User", "GPTBot"],
        ),
        ("Code/1.96.0 (GitHub Copilot)", ["Code"]),
        (
            "Mozilla/5.0 (compatible; iaskspider/2.0; +https://iask.ai)",
            ["iaskspider", "iaskspider/2.0"],
        ),
        ("Mozilla/5.0 (compatible; ChatGPT Agent)", ["ChatGPT Agent"]),
    ],
)
def test_tokens_in_user_agent(registry: Registry, user_agent: str, expected: list[str]) -> None:
    assert [a.token for a in registry.tokens_in_user_agent(user_agent)] == expected


@pytest.mark.parametrize(
    "user_agent",
    [
        "Xcode/14.0 (Apple)",  # ai.robots.txt#242: 'Code' inside 'Xcode'
        "Visual Studio Code",  # 'Code' is a word; the registry needs Code/version
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "MySpider/1.0",  # ai.robots.txt#212
        "Mozilla/5.0 (compatible; Googlebot-Image/1.0)",  # another product token
        "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36",
        "curl/8.0 (+https://example.com/gptbot; spider@example.com)",  # URLs and mail skipped
        "GPTBot2/1.0",
        "Terra Cottage/1.0",
        "Trae",  # a bare ordinary word
        "",
    ],
)
def test_no_false_positives(registry: Registry, user_agent: str) -> None:
    assert registry.tokens_in_user_agent(user_agent) == []


def test_spider_with_version_is_the_spider_agent(registry: Registry) -> None:
    assert [a.token for a in registry.tokens_in_user_agent("Spider/1.0")] == ["Spider"]


# --- user registry files -----------------------------------------------------------------------


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "reg.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, "utf-8")
    return path


def test_user_registry_with_computed_fields(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "schema_version": 1,
            "agents": [
                {"token": "MyBot", "purpose": "training", "operator": "Me"},
                {"token": "My Bot 2", "purpose": "search"},
                {
                    "token": "My-Extended",
                    "purpose": "control",
                    "governs": ["MyBot"],
                    "controls": ["train-ai"],
                },
            ],
        },
    )
    jsonschema.validate(json.loads(path.read_text("utf-8")), SCHEMA)
    reg = Registry.load(path)
    two = reg.get("my bot 2")
    assert two is not None and not two.valid_token and two.matched_token == "My"
    assert [a.token for a in reg.control_tokens_for("mybot")] == ["My-Extended"]
    assert [a.token for a in reg.tokens_in_user_agent("x (MyBot/1)")] == ["MyBot"]
    assert reg.get("GPTBot") is None
    assert Registry.load(str(path)).get("MyBot") == reg.get("MyBot")


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("{not json", "line 1 column 2"),
        ("[]", "top level"),
        ({"schema_version": 2, "agents": []}, "schema_version"),
        ({"schema_version": 1}, "agents"),
        ({"schema_version": 1, "agents": [{"token": "A", "purpose": "spying"}]}, "agents[0]"),
        ({"schema_version": 1, "agents": [{"purpose": "search"}]}, "agents[0]"),
        (
            {
                "schema_version": 1,
                "agents": [
                    {"token": "A", "purpose": "search"},
                    {"token": "a", "purpose": "search"},
                ],
            },
            "agents[1]",
        ),
        (
            {
                "schema_version": 1,
                "agents": [{"token": "A B", "purpose": "search", "valid_token": True}],
            },
            "agents[0]",
        ),
        (
            {"schema_version": 1, "agents": [{"token": "X-Extended", "purpose": "control"}]},
            "agents[0]",
        ),
        (
            {
                "schema_version": 1,
                "agents": [
                    {
                        "token": "X",
                        "purpose": "control",
                        "governs": ["Y"],
                        "controls": ["train-everything"],
                    }
                ],
            },
            "agents[0]",
        ),
        (
            {
                "schema_version": 1,
                "agents": [{"token": "X", "purpose": "search", "governs": ["Y"]}],
            },
            "agents[0]",
        ),
        (
            {"schema_version": 1, "agents": [{"token": "X", "purpose": "search", "operator": 3}]},
            "agents[0]",
        ),
    ],
)
def test_invalid_registry_raises_a_clear_error(tmp_path: Path, content: Any, where: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(RegistryError) as info:
        Registry.load(path)
    # The message names the file and the place in it.
    assert str(path) in str(info.value) and where in str(info.value)


def test_unreadable_registry(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="no such file"):
        Registry.load(tmp_path / "missing.json")
    with pytest.raises(RegistryError, match="directory"):
        Registry.load(tmp_path)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe{}")
    with pytest.raises(RegistryError, match="UTF-8"):
        Registry.load(binary)


def test_oversized_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agents_module, "MAX_REGISTRY_BYTES", 10)
    path = _write(tmp_path, {"schema_version": 1, "agents": []})
    with pytest.raises(RegistryError, match="larger"):
        Registry.load(path)


def test_default_registry_is_cached() -> None:
    assert default_registry() is default_registry()


def test_agent_is_frozen(registry: Registry) -> None:
    agent = registry.get("GPTBot")
    assert isinstance(agent, Agent)
    with pytest.raises(AttributeError):
        agent.purpose = "search"  # type: ignore[misc]


# --- CLI ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root so that 'agents' is a subcommand, as in the real CLI."""

    return app


runner = CliRunner()


def _json(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["agents", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    jsonschema.validate(out, SCHEMA)
    return out


def test_cli_lists_everything_as_json(app: typer.Typer, registry: Registry) -> None:
    out = _json(app)
    assert out["schema_version"] == 1 and out["query"] is None
    assert len(out["agents"]) == len(registry)


def test_cli_purpose_filter(app: typer.Typer) -> None:
    out = _json(app, "--purpose", "control")
    assert [a["token"] for a in out["agents"]] == [
        "Applebot-Extended",
        "Google-Extended",
        "Webzio-Extended",
    ]


def test_cli_token_lookup_shows_control_tokens(app: typer.Typer) -> None:
    out = _json(app, "googlebot")
    assert [(a["token"], a["controlled_by"]) for a in out["agents"]] == [
        ("Googlebot", ["Google-Extended"])
    ]


def test_cli_user_agent_lookup(app: typer.Typer) -> None:
    ua = "Mozilla/5.0 (compatible; GPTBot/1.1; +https://openai.com/gptbot)"
    out = _json(app, ua)
    assert out["query"] == ua
    assert [(a["token"], a["usage_labels"]) for a in out["agents"]] == [("GPTBot", ["train-any"])]


def test_cli_no_match_is_not_an_error(app: typer.Typer) -> None:
    assert _json(app, "Xcode/14.0")["agents"] == []
    result = runner.invoke(app, ["agents", "Xcode/14.0"])
    assert result.exit_code == 0 and result.stdout == ""


def test_cli_text_table(app: typer.Typer) -> None:
    result = runner.invoke(app, ["agents", "Google-Extended"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Google-Extended" in result.stdout and "governs Googlebot" in result.stdout


def test_cli_bad_option_exits_2(app: typer.Typer) -> None:
    assert runner.invoke(app, ["agents", "--purpose", "spying"]).exit_code == 2
    assert runner.invoke(app, ["agents", "--format", "xml"]).exit_code == 2


def test_cli_bad_registry_exits_3(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["agents", "--registry", str(tmp_path / "none.json")])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    bad = _write(tmp_path, "{")
    assert runner.invoke(app, ["agents", "--registry", str(bad)]).exit_code == 3


def test_cli_user_registry(app: typer.Typer, tmp_path: Path) -> None:
    path = _write(
        tmp_path, {"schema_version": 1, "agents": [{"token": "MyBot", "purpose": "training"}]}
    )
    out = _json(app, "--registry", str(path))
    assert [a["token"] for a in out["agents"]] == ["MyBot"]
