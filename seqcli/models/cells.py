"""Recipe words to torch's fused recurrent modules, translated in one place."""

from __future__ import annotations

import torch
from torch import nn

from seqcli.recipe import ModelConfig

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
GATES = {
    "rnn": ("hidden",),
    "lstm": ("input", "forget", "cell", "output"),
    "gru": ("reset", "update", "new"),
}


def make_rnn(config: ModelConfig, *, input_size: int) -> nn.RNNBase:
    """Build the recurrent stack the recipe describes (batch-first)."""
    options = {"nonlinearity": config.nonlinearity or "tanh"} if config.cell == "rnn" else {}
    rnn = CELLS[config.cell](
        input_size,
        config.hidden_size,
        num_layers=config.layers,
        bidirectional=config.direction == "bi",
        dropout=config.dropout if config.layers > 1 else 0.0,
        batch_first=True,
        **options,
    )
    if config.forget_bias is not None:  # the recipe allows it for lstm only
        set_forget_bias(rnn, config.forget_bias)
    return rnn


def set_forget_bias(lstm: nn.LSTM, value: float) -> None:
    """Start the forget gate open (Gers et al. 2000; Keras' unit_forget_bias)."""
    hidden = lstm.hidden_size
    with torch.no_grad():
        for name, bias in lstm.named_parameters():
            if name.startswith("bias_"):
                # torch adds bias_ih and bias_hh, so one carries the value and the other none.
                fill = value if name.startswith("bias_ih") else 0.0
                bias[hidden : 2 * hidden].fill_(fill)


def map_state(fn, state):
    """Apply fn to every tensor of a state: a tensor, an (h, c) pair, a list of them, or None."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return fn(state)
    return type(state)(map_state(fn, part) for part in state)


def detach(state):
    """Cut the graph behind a carried state."""
    return map_state(torch.Tensor.detach, state)
