"""Which task a recipe's mapping, data format and label type make, or a message saying what
the mapping reads instead: the one lookup the schema and the tests make in the SPECS table."""

from __future__ import annotations

from seqcli.recipe.tasks import SPECS, TaskSpec


def task_of(mapping: str, data_format: str, label_type: str = "category") -> TaskSpec:
    """The task of a mapping and data format, or a ValueError saying what the mapping reads."""
    readers = [s for s in SPECS.values() if s.mapping == mapping]
    if not readers:
        built = sorted({s.mapping for s in SPECS.values()})
        raise ValueError(f"mapping '{mapping}' is not built yet; available: {', '.join(built)}")
    formats = [s for s in readers if data_format in s.formats]
    if not formats:
        names = sorted({f for s in readers for f in s.formats})
        raise ValueError(
            f"mapping '{mapping}' reads data.format {' or '.join(repr(f) for f in names)}, "
            f"not '{data_format}'"
        )
    fitting = [s for s in formats if s.label_type in (None, label_type)]
    if not fitting:
        kinds = " or ".join(sorted({repr(s.label_type) for s in formats}))
        raise ValueError(
            f"data.label_type: mapping '{mapping}' over data.format '{data_format}' reads "
            f"labels of type {kinds}, not '{label_type}'"
        )
    return fitting[0]
