"""What the recipe knows about each recurrent cell, without torch: its name, its parts and the
options only it takes. models/cells.py adds how each one runs, keyed by the same spec.

A cell may come in forms, picked by one option of the recipe (the rnn's `memory`, a gated
cell's `gate_activation`): each form is a spec of its own under (cell, form); the default
form is the plain cell, which runs on torch's fused kernel."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class CellSpec:
    name: str  # the recipe word, model.cell
    description: str
    gates: tuple[str, ...]  # weight blocks of a layer, in the order the module stacks them
    state: tuple[str, ...]  # parts of the recurrent state: h, or h and c
    records: tuple[str, ...]  # what a traced step records per time step, beside h
    options: tuple[str, ...] = ()  # model options only this cell takes
    memory_gate: str | None = None  # the record whose mean says how much memory is kept
    form_option: str | None = None  # the option that picks one of the cell's forms
    form: str | None = None  # this spec's form; None: the default
    # One short name per record, in the same order, for `seqcli gates --gate` and its tables;
    # "h" is the hidden state of every cell. Without them the record names themselves serve.
    aliases: tuple[str, ...] = ()


GATE_FORM = "gate_activation"
CELL_SPECS = {
    "rnn": CellSpec(
        "rnn",
        "vanilla Elman cell, Keras' SimpleRNN",
        gates=("hidden",),
        state=("h",),
        records=("preactivation",),
        options=("nonlinearity", "memory"),
        form_option="memory",
        aliases=("pre",),
    ),
    "lstm": CellSpec(
        "lstm",
        "input, forget and output gates and a cell state",
        gates=("input", "forget", "cell", "output"),
        state=("h", "c"),
        records=("input_gate", "forget_gate", "candidate", "output_gate", "cell"),
        options=("forget_bias", GATE_FORM),
        memory_gate="forget_gate",
        form_option=GATE_FORM,
        aliases=("i", "f", "g", "o", "c"),
    ),
    "gru": CellSpec(
        "gru",
        "update and reset gates",
        gates=("reset", "update", "new"),
        state=("h",),
        records=("reset_gate", "update_gate", "candidate"),
        options=(GATE_FORM,),
        memory_gate="update_gate",
        form_option=GATE_FORM,
        aliases=("r", "z", "n"),
    ),
    "leaky": CellSpec(
        "leaky",
        "leaky integrator: h = a h + (1 - a) tanh(W x + U h + b), a per-unit leak in (0, 1)",
        gates=("hidden",),
        state=("h",),
        records=("preactivation", "candidate", "leak"),
        options=("leak",),
        memory_gate="leak",
        aliases=("pre", "g", "a"),
    ),
}
CELL_NAMES = tuple(CELL_SPECS)
# The forms besides each cell's default, by (cell, form).
CELL_FORMS = {
    ("rnn", "after_activation"): replace(
        CELL_SPECS["rnn"],
        records=("activation", "memory"),
        aliases=("act", "m"),
        form="after_activation",
    ),
    ("rnn", "through_network"): replace(
        CELL_SPECS["rnn"],
        records=("preactivation", "memory"),
        aliases=("pre", "m"),
        form="through_network",
    ),
    ("lstm", "hard_sigmoid"): replace(CELL_SPECS["lstm"], form="hard_sigmoid"),
    ("gru", "hard_sigmoid"): replace(CELL_SPECS["gru"], form="hard_sigmoid"),
}
# Every cell-only option, and the cells that take it.
CELL_OPTIONS = {
    option: tuple(spec.name for spec in CELL_SPECS.values() if option in spec.options)
    for option in dict.fromkeys(o for spec in CELL_SPECS.values() for o in spec.options)
}
MEMORY_GATES = tuple(
    dict.fromkeys(s.memory_gate for s in CELL_SPECS.values() if s.memory_gate is not None)
)


def form_key(config) -> str | tuple[str, str]:
    """The key of the spec (and of models/cells.py's record) a model section's cell runs as:
    the cell's name, or (name, form) for a form other than the default."""
    option = CELL_SPECS[config.cell].form_option
    form = getattr(config, option) if option else None
    return (config.cell, form) if (config.cell, form) in CELL_FORMS else config.cell


def spec_of(config) -> CellSpec:
    key = form_key(config)
    return CELL_FORMS[key] if isinstance(key, tuple) else CELL_SPECS[key]
