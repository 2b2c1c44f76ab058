import numpy as np
import pytest
import torch

from vadkit import config
from vadkit.config import ExperimentConfig, ModelConfig
from vadkit.errors import InputError
from vadkit.models.logits import sigmoid
from vadkit.models.networks import build_model, predict_logits

from builders import make_model_dir
from conftest import ROOT


@pytest.mark.parametrize("name", ["lstm", "blstm", "lstm2", "lstm_small", "crnn"])
def test_shipped_models_forward_shape(name):
    cfg = config.load(ROOT / f"conf/{name}.yaml", ExperimentConfig).model
    model = build_model(cfg)
    out = model(torch.randn(3, 40, cfg.input_dims))
    assert out.shape == (3, 40)


def test_notebook_architectures():
    lstm = build_model(ModelConfig())
    assert lstm.lstm.hidden_size == 256 and lstm.output.in_features == 256
    blstm = build_model(ModelConfig(bidirectional=True))
    assert blstm.output.in_features == 512


def test_bidirectional_two_layers_second_layer_takes_true_size():
    m = build_model(ModelConfig(input_dims=60, hidden_size=32, num_layers=2, bidirectional=True))
    assert m.lstm.weight_ih_l1.shape == (4 * 32, 2 * 32)
    assert m(torch.randn(2, 17, 60)).shape == (2, 17)


def test_logits_do_not_depend_on_the_other_recordings():
    # bit-identical, so decoding in --nj parts gives the same numbers as one job
    torch.manual_seed(0)
    m = build_model(ModelConfig(input_dims=5, hidden_size=8, bidirectional=True))
    feats = [torch.randn(n, 5).numpy() for n in (7, 30, 12)]
    together = predict_logits(m, feats)
    single = [predict_logits(m, [f])[0] for f in feats]
    for a, b in zip(together, single):
        assert a.shape == b.shape and np.array_equal(a, b)


def test_one_sigmoid_for_model_probabilities(tmp_path):
    from vadkit.models.checkpoint import TrainedModel
    x = np.array([-800.0, -3.0, 0.0, 2.5, 800.0], np.float32)
    with np.errstate(over="ignore"):
        got = sigmoid(x)
    assert got.dtype == np.float32 and got.tolist() == pytest.approx([0.0, 0.0474259, 0.5, 0.9241418, 1.0])
    tm = TrainedModel(make_model_dir(tmp_path / "m"), "cpu")
    feats = [np.random.default_rng(1).standard_normal((50, 60)).astype(np.float32)]
    logits = predict_logits(tm.net, [tm.norm.apply(feats[0][:, :tm.model_config.input_dims])])
    assert tm.probs(feats)[0].tobytes() == sigmoid(logits[0]).tobytes()


@pytest.mark.badinput
def test_unknown_arch():
    with pytest.raises(InputError, match="unknown model arch 'gru'"):
        build_model(ModelConfig(arch="gru"))


def test_a_label_delay_looks_ahead_exactly_that_far_and_streams_in_pieces():
    torch.manual_seed(0)
    net = build_model(ModelConfig(input_dims=5, hidden_size=8, num_layers=2, label_delay=3)).eval()
    x = torch.randn(1, 40, 5)
    with torch.no_grad():
        whole = net(x)[0]
        later = x.clone()
        later[:, 20:] = torch.randn(1, 20, 5)
        changed = net(later)[0]
        assert torch.equal(changed[:17], whole[:17]) and not torch.allclose(changed[17], whole[17])
        out, state = [], None
        for a, b in [(0, 2), (2, 3), (3, 3), (3, 25), (25, 40)]:   # the first pieces give no output yet
            lg, state = net.forward_state(x[:, a:b], state)
            out.append(lg[0])
        assert sum(map(len, out)) == 37
        out.append(net.forward_state(x[:, :0], state, final=True)[0][0])
        assert torch.allclose(torch.cat(out), whole, atol=1e-6)
        # a padded batch: each recording runs past its own end, as alone
        xb, lengths = torch.randn(2, 30, 5), torch.tensor([30, 17])
        both = net(xb, lengths)
        assert torch.allclose(both[1, :17], net(xb[1:, :17])[0], atol=1e-6)
        assert torch.allclose(both[0], net(xb[:1])[0], atol=1e-6)


@pytest.mark.badinput
@pytest.mark.parametrize("changes", [dict(label_delay=-1), dict(label_delay=2.5), dict(label_delay=3, bidirectional=True),
                                     dict(label_delay=3, arch="crnn")])
def test_a_label_delay_is_for_unidirectional_lstms(changes):
    with pytest.raises(ValueError, match="label_delay"):
        ModelConfig(**changes)
