"""many_to_many over a text corpus: next-token prediction (char-rnn, word_language_model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from seqcli.data import build_data, load_ids, training_windows
from seqcli.data.batching import evaluation_windows
from seqcli.data.vocab import Vocab
from seqcli.decoding.autoregress import autoregress
from seqcli.decoding.requests import Draw, Generated, Request
from seqcli.decoding.sampling import TokenPicker
from seqcli.engine.contract import Batch, Given, StackInput, TaskData
from seqcli.engine.memory import require_samples
from seqcli.engine.run import Run
from seqcli.errors import DataError, UsageError
from seqcli.metrics.language import token_metrics
from seqcli.models.language_model import LanguageModel
from seqcli.models.state import detach, map_state
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS


class LanguageModelBatches:
    """The recipe's windows (carried or random) as engine batches."""

    def __init__(self, windows):
        self.windows = windows
        self.pieces = range(1)
        self.parts = 1
        self.pending = []

    def __next__(self) -> Batch:
        if not self.pending:
            window = next(self.windows)
            rows = len(window.inputs) // self.parts  # the streams are a multiple of the parts
            for piece in self.pieces:
                inputs = window.inputs[piece * rows : (piece + 1) * rows]  # (B, T)
                targets = window.targets[piece * rows : (piece + 1) * rows]
                fresh = window.fresh_state
                self.pending.append(Batch({"x": inputs}, targets, inputs.numel(), fresh))
        return self.pending.pop(0)

    def __len__(self) -> int:
        return len(self.windows)

    def state_dict(self) -> dict:
        return self.windows.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.windows.load_state_dict(state)

    def shard(self, pieces: range, parts: int) -> None:
        self.pieces, self.parts = pieces, parts

    def reshard(self, state: dict, scale: float) -> dict:
        return self.windows.reshard(state, scale)


class LanguageModelTask:
    spec = SPECS["language_model"]
    meta = Vocab

    def prepare(self, recipe: Recipe, meta: Vocab | None = None) -> TaskData:
        bundle = build_data(recipe.data, vocab=meta)
        return TaskData(bundle.vocab, bundle.splits)

    def build_model(self, recipe: Recipe, meta: Vocab) -> LanguageModel:
        return LanguageModel(recipe.model, num_tokens=len(meta))

    def token_embeddings(self, run: Run) -> dict:
        return {"tokens": (run.model.embed, run.meta.tokens)}

    def batches(self, data: TaskData, recipe: Recipe) -> LanguageModelBatches:
        what = f"{recipe.data.path} (training split)"
        windows = training_windows(data.splits["train"], recipe.train, seed=recipe.seed, what=what)
        return LanguageModelBatches(windows)

    @torch.no_grad()
    def evaluate(self, run: Run, examples: np.ndarray, *, max_batches: int | None = None) -> dict:
        """Read the split once as carried windows, summing loss and hits over every token."""
        if len(examples) < 2:
            raise DataError("the held-out split is empty; raise data.val_fraction")
        train = run.recipe.train
        windows = evaluation_windows(examples, batch_size=train.batch_size, seq_len=train.seq_len)
        run.model.eval()
        lengths = torch.tensor(run.meta.char_lengths(), device=run.device)  # (V,)
        total_loss = 0.0
        correct = 0
        tokens = 0
        chars = 0
        state = None
        for _ in range(min(len(windows), max_batches or len(windows))):
            batch = next(windows)
            x, y = batch.inputs.to(run.device), batch.targets.to(run.device)
            out = run.model(x, state=state)
            state = detach(out.state)
            logits = out.out.flatten(0, 1)  # (B*T, V)
            total_loss += F.cross_entropy(logits, y.flatten(), reduction="sum").item()
            correct += (logits.argmax(-1) == y.flatten()).sum().item()
            tokens += y.numel()
            chars += int(lengths[y].sum())
        return token_metrics(total_loss, correct, tokens, chars=chars)

    def examples_from_file(self, run: Run, path: Path) -> np.ndarray:
        return load_ids(path, run.meta)

    def sample(self, run: Run, step: int) -> str | None:
        """A short sample from the recipe's prime, with its own generator (training RNG intact)."""
        config, vocab = run.recipe.generate, run.meta
        prime = vocab.encode(config.prime, what="generate.prime", skip_unknown=True) or [0]
        draw = Draw(config, seed=run.recipe.seed + step)
        tokens = sample_tokens(
            run, prime, length=config.sample_length, draw=draw, length_from="generate.sample_length"
        )
        return config.prime + vocab.decode(int(token[0]) for token in tokens)

    def generate(self, run: Run, request: Request) -> Generated:
        """Sample text after a prime: one sample streams token by token, several print whole."""
        prompt, vocab = request.prompt, run.meta
        ids = vocab.encode(prompt.text, what=prompt.source, skip_unknown=prompt.skip_unknown)
        if not ids:  # checked now, not at the first chunk, so nothing has been printed yet
            raise UsageError("the prime has no tokens in the model's vocabulary; give at least one")
        length = request.length or run.recipe.generate.length
        length_from = "--length" if request.length else "generate.length"
        tokens = sample_tokens(run, ids, length=length, draw=request.draw, length_from=length_from)
        return Generated(_stream(vocab, prompt.text, tokens, request.draw.num_samples))

    def stack_input(self, run: Run, given: Given) -> StackInput:
        """The text as a prime: one step per token, each step's state after reading it."""
        vocab = run.meta
        ids = vocab.encode(given.text, what=given.source)  # an unknown token is an error
        return StackInput({"x": torch.tensor([ids])}, vocab.tokenize(given.text), vocab.tokenizer)


# Prime tokens per fused call: the call's logits are (1, PRIME_CHUNK, V), so a long prime
# costs the same memory as a short one and only more calls.
PRIME_CHUNK = 4096


def sample_tokens(
    run: Run, prime: list[int], *, length: int, draw: Draw, length_from: str = "--length"
) -> Iterator[torch.Tensor]:
    """The next token ids (num_samples,), `length` times, after reading the prime. The fused
    module reads the prime in chunks, carrying the state; only new tokens go one at a time."""
    model, device = run.model.eval(), run.device
    require_samples(run.recipe.model, len(run.meta), draw, length, device, length_from=length_from)
    stepper = model.stepper()
    state = read_prime(model, prime[:-1], device)
    if state is not None:
        # Every sample starts from the same prime: read it once, copy the state per sample.
        copies = map_state(lambda part: part.repeat(1, draw.num_samples, 1), state)
        state = stepper.layers_from(copies)
    generator = torch.Generator(device=device).manual_seed(draw.seed)
    # The repetition penalty needs which tokens the prime holds, not where.
    seen = torch.tensor(sorted(set(prime)), device=device)
    picker = TokenPicker(draw.sampling, generator, context=seen)
    last = torch.full((draw.num_samples,), prime[-1], device=device)  # (N,)
    picks = autoregress(stepper, last, steps=length, pick=picker, state=state)
    return (picked.token for picked in picks)


@torch.inference_mode()
def read_prime(model, tokens: list[int], device: torch.device):
    """The state (parts of (L, 1, H)) after reading the tokens, PRIME_CHUNK at a time; None
    for no tokens."""
    state = None
    for start in range(0, len(tokens), PRIME_CHUNK):
        chunk = torch.tensor([tokens[start : start + PRIME_CHUNK]], device=device)  # (1, C)
        state = model(chunk, state=state).state
    return state


def _stream(vocab: Vocab, prime: str, tokens, num_samples: int) -> Iterator[str]:
    if num_samples == 1:
        yield prime
        for token in tokens:
            yield vocab.piece(int(token[0]))
        yield "\n"
        return
    samples: list[list[str]] = [[] for _ in range(num_samples)]
    for token in tokens:
        for sample, token_id in zip(samples, token.tolist(), strict=True):
            sample.append(vocab.piece(token_id))
    yield "\n\n".join(prime + "".join(sample) for sample in samples) + "\n"
