"""ERP XML bodies as JSON-like data: repeated elements become lists, attributes ``@name``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any


class XmlBodyError(ValueError):
    pass


def _convert(element: ET.Element) -> Any:
    children = list(element)
    text = (element.text or "").strip()
    if not children and not element.attrib:
        return text or None
    out: dict[str, Any] = {f"@{k}": v for k, v in element.attrib.items()}
    listed: set[str] = set()
    for child in children:
        value = _convert(child)
        if child.tag in listed:
            out[child.tag].append(value)
        elif child.tag in out:
            out[child.tag] = [out[child.tag], value]
            listed.add(child.tag)
        else:
            out[child.tag] = value
    if text:
        out["#text"] = text
    return out


def xml_to_data(text: str | bytes) -> dict[str, Any]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise XmlBodyError(f"the ERP answered XML that cannot be parsed: {exc}") from None
    return {root.tag: _convert(root)}
