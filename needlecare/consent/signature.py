"""A drawn signature as SVG path data: the only grammar accepted, and its sanitised form. Pure: no Django.

The pad (static/needlecare/consent-pages.js) draws on a 600 x 200 box and sends each stroke as
``M x y`` followed by ``L x y`` for every further point. Nothing else is accepted (no curves, no
arcs, no letters, no markup), so what is stored can only ever draw lines inside that box:

>>> sanitise_signature("M10 20L30.25 40 M50,60 L9999 70")
'M10 20L30.2 40M50 60L600 70'
"""

import re

VIEWBOX_WIDTH = 600
VIEWBOX_HEIGHT = 200
# A point is at least four characters ("L1 2"), so the length bound also bounds the points; both are
# checked all the same, the point count being what the limit is for.
MAX_SIGNATURE_CHARS = 20_000
MAX_POINTS = MAX_SIGNATURE_CHARS // 4

_NUMBER = r"[0-9]{1,4}(?:\.[0-9]{1,2})?"
_POINT = rf"{_NUMBER}[ ,]{_NUMBER}"
# At least one line (an L): a path of lone moves draws nothing. Written without look-arounds so that
# JSON Schema, Python and pydantic's regex engine read it the same way.
SIGNATURE_PATTERN = rf"^M ?{_POINT}(?: ?M ?{_POINT})*(?: ?L ?{_POINT})(?: ?[ML] ?{_POINT})*$"
_GRAMMAR = re.compile(SIGNATURE_PATTERN)
_COMMAND = re.compile(rf"([ML]) ?({_NUMBER})[ ,]({_NUMBER})")

EMPTY = "Please sign in the box."
UNREADABLE = "The signature could not be read: clear the box and sign again."
TOO_LONG = "The signature is too long: clear the box and sign again."


class SignatureError(ValueError):
    """The path data is empty, too long, or not in the signature grammar; the message says which."""


def sanitise_signature(path: object) -> str:
    """The path data in its canonical form (clamped to the box, one decimal), or SignatureError.

    >>> sanitise_signature("M0 0L5 5")
    'M0 0L5 5'
    """
    if not isinstance(path, str) or not path.strip():
        raise SignatureError(EMPTY)
    if len(path) > MAX_SIGNATURE_CHARS:
        raise SignatureError(TOO_LONG)
    if not _GRAMMAR.fullmatch(path):
        raise SignatureError(UNREADABLE)
    commands = _COMMAND.findall(path)
    if len(commands) > MAX_POINTS:
        raise SignatureError(TOO_LONG)
    return "".join(
        f"{command}{_coordinate(x, VIEWBOX_WIDTH)} {_coordinate(y, VIEWBOX_HEIGHT)}"
        for command, x, y in commands
    )


def _coordinate(text: str, bound: int) -> str:
    value = min(round(float(text), 1), float(bound))
    return f"{value:.1f}".removesuffix(".0")


def point_count(path: str) -> int:
    """How many points a (sanitised) path has.

    >>> point_count("M0 0L5 5L6 6")
    3
    """
    return len(_COMMAND.findall(path))
