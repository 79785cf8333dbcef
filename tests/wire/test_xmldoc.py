from __future__ import annotations

from camaudit.wire import xmldoc


def test_parse_and_helpers() -> None:
    root, problem = xmldoc.parse_xml(b'<a xmlns="urn:x"><b>1</b><!-- c --><d> 2 <e>3</e></d></a>')
    assert root is not None and problem == ""
    assert xmldoc.local(root.tag) == "a" and xmldoc.namespace(root.tag) == "urn:x"
    assert xmldoc.child_texts(root) == (("b", "1"), ("d", "2 3"))
    assert xmldoc.find_text(root, "e") == "3" and xmldoc.find_text(root, "zz") is None


def test_rejections() -> None:
    assert xmldoc.parse_xml(b"")[1] == "empty"
    assert "256 KiB" in xmldoc.parse_xml(b"<a>" + b" " * xmldoc.MAX_XML + b"</a>")[1]
    assert xmldoc.parse_xml(b"<a>")[1].startswith("bad XML")
    dtd = b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    assert xmldoc.parse_xml(dtd) == (None, "forbidden XML construct: EntitiesForbidden")
