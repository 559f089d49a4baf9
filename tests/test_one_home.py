"""Issue 17 point 4: each shared fact has one home; a second copy anywhere in ``aioptout/`` fails.

The checks read the package's source as Python tokens and syntax trees, so a fact written again
as a string literal (not a mention in a docstring or comment) is found wherever it lands.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import aioptout
from aioptout import _identity, _mechanisms, _wellknown, fetch

PACKAGE = Path(aioptout.__file__).parent


def _modules() -> Iterator[tuple[str, str]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8")


def _strings(text: str) -> Iterator[tuple[int, str]]:
    """Every string literal's value (f-strings by their literal parts), with its line."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def _docstring_lines(text: str) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _code_strings(text: str) -> Iterator[tuple[int, str]]:
    docs = _docstring_lines(text)
    for line, value in _strings(text):
        if line not in docs:
            yield line, value


def test_user_agent_has_one_home() -> None:
    assert fetch.DEFAULT_USER_AGENT is _identity.DEFAULT_USER_AGENT
    assert fetch.PRODUCT_TOKEN == _identity.PRODUCT_TOKEN
    assert _identity.DEFAULT_USER_AGENT.startswith(_identity.PRODUCT_TOKEN + "/")
    copies = [(name, line, value) for name, text in _modules() if name != "_identity.py"
              for line, value in _code_strings(text)
              if _identity.PROJECT_URL in value or value.startswith(_identity.PRODUCT_TOKEN + "/0")]
    assert copies == []


#: Modules the decision-path rework (issue 17, points 1-2) owns; their copies are listed in the
#: lead's report and are to move when that work lands.
_PATH_EXEMPT = {"evaluate.py", "fixtureweb.py"}


def test_well_known_paths_have_one_home() -> None:
    # "robots.txt" and "ai.txt" alone are also the files' names in messages; a path is a copy.
    literals = set(_wellknown.PATHS) | {p[1:] for p in _wellknown.PATHS if "/" in p[1:]}
    copies = [(name, line, value) for name, text in _modules()
              if name != "_wellknown.py" and name not in _PATH_EXEMPT
              for line, value in _code_strings(text) if value in literals]
    assert copies == []


def test_mechanism_lists_have_one_home() -> None:
    """No tuple, list, set or dict keys of three or more mechanism names outside the vocabulary."""
    names = set(_mechanisms.MECHANISMS) | set(_mechanisms.RECORDED)
    copies = []
    for name, text in _modules():
        if name == "_mechanisms.py":
            continue
        for node in ast.walk(ast.parse(text)):
            items: list[ast.expr | None] = []
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                items = list(node.elts)
            elif isinstance(node, ast.Dict):
                items = list(node.keys)
            spelled = [i.value for i in items
                       if isinstance(i, ast.Constant) and isinstance(i.value, str)]
            if len(spelled) >= 3 and all(s in names for s in spelled):
                copies.append((name, getattr(node, "lineno", 0), spelled))
    assert copies == []


def test_signal_modules_take_their_name_from_the_vocabulary() -> None:
    from aioptout.signals import aipref, aitxt, contentsignal, media, robotsmeta, rsl, tdmrep

    got = {m.MECHANISM for m in (aipref, aitxt, contentsignal, media, robotsmeta, rsl, tdmrep)}
    assert got <= set(_mechanisms.MECHANISMS)
    spelled = []
    for name, text in _modules():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and node.target.id == "MECHANISM" and isinstance(node.value, ast.Constant):
                spelled.append((name, node.lineno))
    assert spelled == []


#: Calls that read a date or time from text; only ``_rfc3339`` may make them.
_DATE_READERS = {"fromisoformat", "strptime"}


def test_rfc3339_instants_have_one_reader() -> None:
    readers = [(name, node.lineno) for name, text in _modules() if name != "_rfc3339.py"
               for node in ast.walk(ast.parse(text))
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr in _DATE_READERS]
    assert readers == []


def test_now_reads_the_same_in_cli_and_web() -> None:
    from aioptout._rfc3339 import parse_now

    for text in ("2026-06-01T00:00:00Z", "2026-06-01 00:00:00Z", "2026-06-01",
                 "2016-12-31T23:59:60Z"):
        assert parse_now(text) is not None, text
    assert parse_now("2026-06-01T12:00:60Z") is None
    assert parse_now("tomorrow") is None


#: RSL still caps by dropping, without the §11.3 summary; its tests assert that (see report).
_CAP_EXEMPT = {"signals/rsl.py"}


def test_per_code_cap_has_one_home() -> None:
    """Only ``diagnostics`` compares a count with the cap or writes the summary message."""
    uses = [(name, line) for name, text in _modules()
            if name not in {"diagnostics.py", "_limits.py"} | _CAP_EXEMPT
            for line, _ in ((n.lineno, n) for n in ast.walk(ast.parse(text))
                            if isinstance(n, ast.Name | ast.Attribute)
                            and getattr(n, "id", getattr(n, "attr", None))
                            in {"MAX_DIAGNOSTICS_PER_CODE", "summary_message"})]
    assert uses == []
    more = [(name, line) for name, text in _modules() if name != "diagnostics.py"
            for line, value in _code_strings(text) if "more not shown" in value]
    assert more == []


def test_input_kinds_and_loaded_have_one_definition() -> None:
    """``Kind``, ``Loaded`` and ``detect_kind`` are defined in ``sources`` (``convert`` keeps
    only the detection of the foreign formats it converts, which ``sources`` calls)."""
    from aioptout import sources

    assert [k.value for k in sources.Kind if k is not sources.Kind.auto] == list(sources.KINDS)
    defined: dict[str, list[str]] = {}
    for name, text in _modules():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                defined.setdefault(node.name, []).append(name)
    assert defined["Kind"] == ["sources.py"]
    assert sorted(defined["detect_kind"]) == ["convert.py", "sources.py"]
    assert [n for n in defined["Loaded"] if n != "_cli/_sources.py"] == ["sources.py"]


def test_fetch_is_split_by_concern_and_keeps_its_names() -> None:
    import aioptout.fetch as fetch_package

    for name in ("Fetcher", "FetchResult", "Headers", "normalise_url", "origin_of",
                 "is_public_address", "is_well_known", "DEFAULT_USER_AGENT", "PRODUCT_TOKEN",
                 "DEFAULT_POLITENESS_DELAY", "Outcome"):
        assert name in fetch_package.__all__ and hasattr(fetch_package, name), name
    parts = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in (PACKAGE / "fetch").glob("*.py")}
    assert {"_address.py", "_deadline.py", "_http.py", "_charset.py", "_cache.py",
            "_urls.py", "_result.py"} <= set(parts)
    assert max(parts.values()) < 700, parts
