import pytest
import torch

from seqcli.models import detach
from seqcli.models.language_model import LanguageModel
from seqcli.recipe import validate_recipe
from tests.conftest import tiny_recipe

VOCAB = 11


def model_for(corpus, **model):
    recipe = validate_recipe(tiny_recipe(corpus, model=model), source="test")
    torch.manual_seed(0)
    return LanguageModel(recipe.model, num_tokens=VOCAB).eval()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2])
def test_output_shape_and_state_carry_over(corpus, cell, layers):
    model = model_for(corpus, cell=cell, layers=layers)
    x = torch.randint(VOCAB, (3, 10))
    whole = model(x)
    first = model(x[:, :6])
    second = model(x[:, 6:], state=detach(first.state))
    assert whole.out.shape == (3, 10, VOCAB)
    torch.testing.assert_close(torch.cat([first.out, second.out], 1), whole.out)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_loss_is_cross_entropy_of_targets(corpus, cell):
    model = model_for(corpus, cell=cell)
    x, y = torch.randint(VOCAB, (2, 5)), torch.randint(VOCAB, (2, 5))
    out = model(x, targets=y)
    expected = torch.nn.functional.cross_entropy(out.out.reshape(-1, VOCAB), y.reshape(-1))
    torch.testing.assert_close(out.loss, expected)


def test_tied_weights_share_one_tensor(corpus):
    model = model_for(corpus, hidden_size=16, embedding_size=16, tie_weights=True)
    assert model.head.weight is model.embed.weight
