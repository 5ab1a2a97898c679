"""How tightly a compressed member may pack: one rule for every archive seqcli opens (a zip of
sentence pairs, an .npz's arrays, a .mat's compressed elements), checked before the reader
that would inflate the member is handed it."""

from __future__ import annotations

from seqcli.errors import DataError
from seqcli.recipe.inputs import MiB, size_text

# Text packs 3 to 10 to 1, real numbers 1.2 to 10, zero padding a little more; a member of
# nothing but zeros packs 1,000 to 1, so a small file can ask for gigabytes. Below FLOOR any
# ratio fits: what it unpacks to is harmless whatever the ratio.
MAX_RATIO = 100
FLOOR = 64 * MiB


def most_unpacked(packed: int) -> int:
    """The most a member packed into `packed` bytes may unpack to."""
    return max(FLOOR, MAX_RATIO * packed)


def check_packing(where: str, *, unpacked: int, packed: int, advice: str) -> None:
    """Refuse a member that unpacks to more than most_unpacked(packed), as a zip bomb does;
    `advice` says how to give seqcli the same data unpacked."""
    if unpacked > most_unpacked(packed):
        ratio = unpacked / max(packed, 1)
        raise DataError(
            f"{where}: unpacks to {size_text(unpacked)} from {size_text(packed)} "
            f"({ratio:,.0f} to 1), as a zip bomb does; a member over {size_text(FLOOR)} may "
            f"pack at most {MAX_RATIO} to 1 ({advice})"
        )
