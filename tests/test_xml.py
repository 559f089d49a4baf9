"""The bounded XML reader: DTDs and entities refused in every encoding, depth and size capped."""

from __future__ import annotations

import pytest

from aioptout import _xml

# The classic attacks (OWASP XXE Prevention Cheat Sheet; defusedxml's README lists the same).
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    "<lolz>&lol3;</lolz>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    "<foo>&xxe;</foo>\n"
)
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>'


def _declared(document: str, encoding: str) -> str:
    return document.replace('<?xml version="1.0"?>',
                            f'<?xml version="1.0" encoding="{encoding}"?>')


def encodings(document: str) -> dict[str, bytes]:
    """One document in every way a server might send it."""
    return {
        "utf-8": document.encode("utf-8"),
        "utf-8 with BOM": b"\xef\xbb\xbf" + document.encode("utf-8"),
        "utf-16 with BOM": document.encode("utf-16"),
        "utf-16 with BOM and declaration": _declared(document, "UTF-16").encode("utf-16"),
        "utf-16le declared, no BOM": _declared(document, "UTF-16LE").encode("utf-16-le"),
        "utf-16be declared, no BOM": _declared(document, "UTF-16BE").encode("utf-16-be"),
        "latin-1 declared": _declared(document, "ISO-8859-1").encode("latin-1"),
        "str": document,
        "str claiming utf-16": "\ufeff" + _declared(document, "UTF-16"),
    }


ATTACKS = [(name, label, data)
           for name, document in (("billion laughs", BILLION_LAUGHS),
                                  ("external entity", EXTERNAL_ENTITY))
           for label, data in encodings(document).items()]


@pytest.mark.parametrize(("attack", "encoding", "data"), ATTACKS,
                         ids=[f"{a}-{e}" for a, e, _ in ATTACKS])
def test_entities_are_refused_in_every_encoding(attack: str, encoding: str,
                                                data: bytes | str) -> None:
    with pytest.raises(_xml.XmlRefused) as refused:
        _xml.parse(data)
    assert refused.value.reason == _xml.DTD
    # The position is where "<!DOCTYPE" starts: line 2 (line 1 is the declaration).
    assert (refused.value.line, refused.value.column) == (2, 1)


def test_an_external_dtd_is_refused_before_anything_is_fetched() -> None:
    with pytest.raises(_xml.XmlRefused) as refused:
        _xml.parse(EXTERNAL_DTD)
    assert (refused.value.reason, refused.value.line, refused.value.column) == (_xml.DTD, 1, 22)


def test_iterparse_refuses_the_same_way() -> None:
    for data in encodings(BILLION_LAUGHS).values():
        with pytest.raises(_xml.XmlRefused) as refused:
            list(_xml.iterparse(data))
        assert refused.value.reason == _xml.DTD


@pytest.mark.parametrize("data", encodings('<?xml version="1.0"?>\n<a b="é">ü<c/></a>').values())
def test_plain_documents_read_alike_in_every_encoding(data: bytes | str) -> None:
    root = _xml.parse(data)
    assert (root.tag, root.get("b"), root.text, [c.tag for c in root]) == ("a", "é", "ü", ["c"])


def test_deep_nesting_is_refused_without_recursion() -> None:
    deep = b"<a>" * 200_000 + b"</a>" * 200_000
    for reader in (_xml.parse, lambda d: list(_xml.iterparse(d))):
        with pytest.raises(_xml.XmlRefused) as refused:
            reader(deep)
        assert refused.value.reason == _xml.TOO_DEEP
    assert _xml.parse(b"<a>" * 256 + b"</a>" * 256).tag == "a"
    with pytest.raises(_xml.XmlRefused):
        _xml.parse(b"<a>" * 257 + b"</a>" * 257)
    with pytest.raises(_xml.XmlRefused):
        _xml.parse(b"<a><a><a></a></a></a>", max_depth=2)


def test_size_and_element_caps() -> None:
    with pytest.raises(_xml.XmlRefused) as refused:
        _xml.parse(b"<a>" + b" " * 100 + b"</a>", max_bytes=50)
    assert refused.value.reason == _xml.TOO_LARGE
    flat = b"<r>" + b"<i/>" * 1001 + b"</r>"
    with pytest.raises(_xml.XmlRefused) as refused:
        _xml.parse(flat, max_elements=1000)
    assert refused.value.reason == _xml.TOO_LARGE
    assert len(_xml.parse(flat, max_elements=1002)) == 1001


@pytest.mark.parametrize(("data", "line", "column"), [
    (b"", 1, 1),
    (b"<a>", 1, 4),
    (b"<a>\n<b></a>", 2, 6),
    (b"<a>&undefined;</a>", 1, 4),
    (b"\x00\x00\xfe\xff", 1, 1),
])
def test_malformed_documents_are_refused_with_a_position(data: bytes, line: int,
                                                         column: int) -> None:
    with pytest.raises(_xml.XmlRefused) as refused:
        _xml.parse(data)
    assert refused.value.reason == _xml.MALFORMED
    assert (refused.value.line, refused.value.column) == (line, column)


def test_an_encoding_expat_cannot_decode_is_malformed_not_a_crash() -> None:
    utf7 = '<?xml version="1.0" encoding="UTF-7"?><a>+AGEAYgBj-</a>'.encode("utf-7")
    with pytest.raises(_xml.XmlRefused) as refused:
        _xml.parse(utf7)
    assert refused.value.reason == _xml.MALFORMED


def test_iterparse_yields_each_element_once_with_its_ancestors() -> None:
    data = b"<r><u><loc>1</loc></u><u><loc>2</loc><x/></u></r>"
    seen = [(path, element.tag, element.text) for path, element in _xml.iterparse(data)]
    assert seen == [
        (("r", "u"), "loc", "1"), (("r",), "u", None),
        (("r", "u"), "loc", "2"), (("r", "u"), "x", None), (("r",), "u", None),
        ((), "r", None),
    ]


def test_iterparse_detaches_what_it_has_yielded() -> None:
    # Memory stays with the depth: the root holds no children once they are seen.
    data = b"<r>" + b"<u><loc>x</loc></u>" * 1000 + b"</r>"
    for path, element in _xml.iterparse(data):
        if not path:
            assert len(element) == 0
        elif path == ("r",):
            assert len(element) == 0  # its <loc> was detached when it ended


def test_no_module_parses_xml_behind_the_readers_back() -> None:
    import re
    from pathlib import Path

    package = Path(_xml.__file__).parent
    parsing = re.compile(
        r"^\s*(?:import|from)\s+(?:xml\.(?:etree|dom|sax|parsers)|defusedxml|lxml)\b",
        re.MULTILINE)
    guarded = re.compile(r"^if TYPE_CHECKING:\n(?:    .*\n)+", re.MULTILINE)
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "_xml.py"
                 and parsing.search(guarded.sub("", path.read_text("utf-8")))]
    assert offenders == []
