"""many_to_many over a text corpus: next-token prediction (char-rnn, word_language_model)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from seqcli.data import build_data, load_ids, training_windows
from seqcli.data.vocab import Vocab
from seqcli.engine.evaluate import evaluate_split
from seqcli.decoding.sampling import Sampling, generate
from seqcli.errors import UsageError
from seqcli.models.language_model import LanguageModel
from seqcli.recipe.tasks import SPECS
from seqcli.engine.contract import Batch, TaskData
from seqcli.tasks.flags import reject_unknown


class LanguageModelBatches:
    """The recipe's windows (carried or random) as engine batches."""

    def __init__(self, windows):
        self.windows = windows

    def __next__(self) -> Batch:
        window = next(self.windows)
        return Batch(
            {"x": window.inputs}, window.targets, window.inputs.numel(), window.fresh_state
        )

    def __len__(self) -> int:
        return len(self.windows)

    def state_dict(self) -> dict:
        return self.windows.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.windows.load_state_dict(state)


class LanguageModelTask:
    spec = SPECS["language_model"]
    meta = Vocab
    generate_flags = frozenset(
        {"prime", "prime_file", "length", "temperature", "top_k", "top_p", "greedy",
         "num_samples", "seed", "unknown"}
    )  # fmt: skip

    def prepare(self, recipe, meta: Vocab | None = None) -> TaskData:
        bundle = build_data(recipe.data, vocab=meta)
        return TaskData(bundle.vocab, bundle.splits)

    def build_model(self, recipe, meta: Vocab) -> LanguageModel:
        return LanguageModel(recipe.model, num_tokens=len(meta))

    def batches(self, data: TaskData, recipe) -> LanguageModelBatches:
        what = f"{recipe.data.path} (training split)"
        windows = training_windows(data.splits["train"], recipe.train, seed=recipe.seed, what=what)
        return LanguageModelBatches(windows)

    def evaluate(self, run, examples, *, max_batches: int | None = None) -> dict[str, float]:
        return evaluate_split(run, examples, split="held-out", max_batches=max_batches)

    def examples_from_file(self, run, path: Path):
        return load_ids(path, run.meta)

    def sample(self, run, step: int) -> str | None:
        """A short sample from the recipe's prime, with its own generator (training RNG intact)."""
        config, vocab = run.recipe.generate, run.meta
        prime = vocab.encode(config.prime, what="generate.prime", skip_unknown=True) or [0]
        sampling = Sampling(config.temperature, config.top_k, config.top_p)
        tokens = generate(
            run, prime, length=config.sample_length, sampling=sampling,
            seed=run.recipe.seed + step,
        )  # fmt: skip
        return config.prime + vocab.decode(int(token[0]) for token in tokens)

    def generate(self, run, flags: dict) -> Iterator[str]:
        """Sample text after a prime: one sample streams token by token, several print whole."""
        reject_unknown(flags, self.generate_flags, "a language model")
        config, vocab = run.recipe.generate, run.meta
        text = _prime_text(flags.get("prime"), flags.get("prime_file"), default=config.prime)
        skip = {"error": False, "skip": True}.get(flags.get("unknown", "error"))
        if skip is None:
            raise UsageError(f"--unknown {flags['unknown']}: choose error or skip")
        ids = vocab.encode(text, what=_prime_source(flags), skip_unknown=skip)
        sampling = Sampling(
            *(flags.get(name, getattr(config, name)) for name in ("temperature", "top_k", "top_p")),
            greedy=flags.get("greedy", False),
        )
        num_samples = flags.get("num_samples", 1)
        tokens = generate(
            run, ids, length=flags.get("length", config.length), sampling=sampling,
            num_samples=num_samples, seed=flags.get("seed", 0),
        )  # fmt: skip
        return _stream(vocab, text, tokens, num_samples)


def _stream(vocab: Vocab, prime: str, tokens, num_samples: int) -> Iterator[str]:
    if num_samples == 1:
        yield prime
        for token in tokens:
            yield vocab.piece(int(token[0]))
        yield "\n"
        return
    samples = [[] for _ in range(num_samples)]
    for token in tokens:
        for sample, token_id in zip(samples, token.tolist(), strict=True):
            sample.append(vocab.piece(token_id))
    yield "\n\n".join(prime + "".join(sample) for sample in samples) + "\n"


def _prime_text(prime: str | None, prime_file: Path | None, *, default: str) -> str:
    if prime is not None and prime_file is not None:
        raise UsageError("give --prime or --prime-file, not both")
    if prime_file is None:
        return default if prime is None else prime.replace("\\n", "\n")
    if str(prime_file) == "-":
        return sys.stdin.read()
    try:
        return prime_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"--prime-file {prime_file}: cannot read ({err})") from None


def _prime_source(flags: dict) -> str:
    """Where the prime came from, for an error about its tokens."""
    if flags.get("prime_file") is not None:
        return f"--prime-file {flags['prime_file']}"
    return "--prime" if flags.get("prime") is not None else "the recipe's generate.prime"
