"""Step a fused recurrent stack one token at a time with torch's single-step cell kernels.

Calling nn.LSTM with T=1 pays the fused module's set-up (weight flattening checks, packing,
(L, B, H) state reshapes) on every token. torch.lstm_cell and friends, fed the very same
weight tensors, do the same arithmetic about 3x faster at batch 1.
"""

from __future__ import annotations

import torch
from torch import nn

# nn.RNNBase.mode -> the single-step kernel with the same gate equations.
STEP_KERNELS = {
    "LSTM": torch.lstm_cell,
    "GRU": torch.gru_cell,
    "RNN_TANH": torch.rnn_tanh_cell,
    "RNN_RELU": torch.rnn_relu_cell,
}


def layer_weights(rnn: nn.RNNBase) -> list[tuple[torch.Tensor, ...]]:
    """(w_ih, w_hh, b_ih, b_hh) per layer: the fused module's own tensors, not copies."""
    assert not rnn.bidirectional, "stepping reads one direction only"
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return [tuple(getattr(rnn, f"{n}_l{layer}") for n in names) for layer in range(rnn.num_layers)]


class Stepper:
    """Carry a recurrent state token by token: constant cost per token."""

    def __init__(self, embed: nn.Embedding, rnn: nn.RNNBase, head: nn.Linear):
        self.embed, self.head = embed, head
        self.kernel = STEP_KERNELS[rnn.mode]
        self.weights = layer_weights(rnn)
        self.is_lstm = rnn.mode == "LSTM"
        self.hidden_size = rnn.hidden_size

    def layers_from(self, state) -> list:
        """The fused module's state, (L, B, H) or an (h, c) pair of them, as a per-layer list."""
        if self.is_lstm:
            h, c = state
            return [(h[i], c[i]) for i in range(h.shape[0])]
        return [state[i] for i in range(state.shape[0])]

    def zero_layers(self, batch: int, like: torch.Tensor) -> list:
        zeros = like.new_zeros(batch, self.hidden_size)
        return [(zeros, zeros) if self.is_lstm else zeros for _ in self.weights]

    def __call__(self, token: torch.Tensor, layers: list | None) -> tuple[torch.Tensor, list]:
        """Logits (B, V) for the token after `token` (B,), and the new per-layer state."""
        x = self.embed(token)  # (B, E)
        layers = layers if layers is not None else self.zero_layers(token.shape[0], x)
        new_layers = []
        for state, weights in zip(layers, self.weights, strict=True):
            state = self.kernel(x, state, *weights)
            new_layers.append(state)
            x = state[0] if self.is_lstm else state  # (B, H)
        return self.head(x), new_layers
