"""What the recipe knows about each recurrent cell, without torch: its name, its parts and the
options only it takes. models/cells.py adds how each one runs, keyed by the same spec."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CellSpec:
    name: str  # the recipe word, model.cell
    description: str
    gates: tuple[str, ...]  # weight blocks of a layer, in the order the module stacks them
    state: tuple[str, ...]  # parts of the recurrent state: h, or h and c
    records: tuple[str, ...]  # what a traced step records per time step, beside h
    options: tuple[str, ...] = ()  # model options only this cell takes
    memory_gate: str | None = None  # the record whose mean says how much memory is kept
    # One short name per record, in the same order, for `seqcli gates --gate` and its tables;
    # "h" is the hidden state of every cell. Without them the record names themselves serve.
    aliases: tuple[str, ...] = ()


CELL_SPECS = {
    "rnn": CellSpec(
        "rnn",
        "vanilla Elman cell, Keras' SimpleRNN",
        gates=("hidden",),
        state=("h",),
        records=("preactivation",),
        options=("nonlinearity",),
        aliases=("pre",),
    ),
    "lstm": CellSpec(
        "lstm",
        "input, forget and output gates and a cell state",
        gates=("input", "forget", "cell", "output"),
        state=("h", "c"),
        records=("input_gate", "forget_gate", "candidate", "output_gate", "cell"),
        options=("forget_bias",),
        memory_gate="forget_gate",
        aliases=("i", "f", "g", "o", "c"),
    ),
    "gru": CellSpec(
        "gru",
        "update and reset gates",
        gates=("reset", "update", "new"),
        state=("h",),
        records=("reset_gate", "update_gate", "candidate"),
        memory_gate="update_gate",
        aliases=("r", "z", "n"),
    ),
}
CELL_NAMES = tuple(CELL_SPECS)
# Every cell-only option, and the cells that take it.
CELL_OPTIONS = {
    option: tuple(spec.name for spec in CELL_SPECS.values() if option in spec.options)
    for option in dict.fromkeys(o for spec in CELL_SPECS.values() for o in spec.options)
}
MEMORY_GATES = tuple(s.memory_gate for s in CELL_SPECS.values() if s.memory_gate)
