import pytest
import torch

from seqcli.models import detach
from seqcli.models.cells import make_rnn
from seqcli.models.language_model import LanguageModel
from seqcli.recipe import ModelConfig, validate_recipe
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


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 3])
def test_stepper_matches_fused_module(corpus, cell, layers):
    model = model_for(corpus, cell=cell, layers=layers, hidden_size=24)
    x = torch.randint(VOCAB, (2, 12))
    fused = model(x).out
    stepper, layers_state, steps = model.stepper(), None, []
    with torch.no_grad():
        for t in range(x.shape[1]):
            logits, layers_state = stepper(x[:, t], layers_state)
            steps.append(logits)
    torch.testing.assert_close(torch.stack(steps, 1), fused, atol=1e-6, rtol=1e-6)


def test_forget_gate_bias_starts_at_recipe_value():
    rnn = make_rnn(ModelConfig(cell="lstm", hidden_size=4, forget_bias=2.5), input_size=3)
    total = rnn.bias_ih_l0 + rnn.bias_hh_l0
    assert torch.all(total[4:8] == 2.5)


def test_relu_nonlinearity_reaches_the_module():
    rnn = make_rnn(ModelConfig(cell="rnn", nonlinearity="relu", hidden_size=4), input_size=3)
    assert rnn.nonlinearity == "relu"


def test_tied_weights_share_one_tensor(corpus):
    model = model_for(corpus, hidden_size=16, embedding_size=16, tie_weights=True)
    assert model.head.weight is model.embed.weight


def test_dropout_sits_between_layers_only_when_stacked(corpus):
    assert model_for(corpus, layers=1, dropout=0.3).rnn.dropout == 0.0
    assert model_for(corpus, layers=2, dropout=0.3).rnn.dropout == 0.3
