"""The base form's rule on control characters (maruf_reg.forms)."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from maruf_reg.forms import has_control_characters


def _by_category(char: str, *, multiline: bool) -> bool:
    """The rule as Unicode states it: category Cc or Cs, but a tab (and line breaks if multiline)."""
    allowed = {"\n", "\r", "\t"} if multiline else {"\t"}
    return unicodedata.category(char) in ("Cc", "Cs") and char not in allowed


@pytest.mark.parametrize("multiline", [False, True])
def test_the_pattern_agrees_with_unicodedata_for_every_code_point(multiline: bool) -> None:
    disagree = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if has_control_characters(chr(code), multiline=multiline)
        != _by_category(chr(code), multiline=multiline)
    ]
    assert disagree == []


@pytest.mark.parametrize(
    ("text", "multiline", "refused"),
    [
        ("Ayşe Öztürk", False, False),
        ("نور الهدى", False, False),  # Arabic, with its own letters and spaces
        ("名前\u200d", False, False),  # a zero-width joiner is a format character, not a control
        ("tab\there", False, False),
        ("two\nlines", False, True),
        ("two\r\nlines", True, False),
        ("nul\x00", True, True),
        ("bell\x07", False, True),
        ("c1\x85", True, True),
        ("lone \ud800 surrogate", True, True),
        ("", False, False),
    ],
)
def test_texts(text: str, multiline: bool, refused: bool) -> None:
    assert has_control_characters(text, multiline=multiline) is refused
