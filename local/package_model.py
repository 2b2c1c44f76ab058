#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Ship a trained model with the package: vadkit/pretrained/<name>/ (final.pt, decode.yaml, MODEL_CARD.md).

e.g.: local/package_model.py --tuned exp/blstm60/decode_ami_dev/scoring/metrics.json \\
        --check-data data/ami_test --notes local/pretrained_notes.md exp/blstm60 vadkit/pretrained/blstm60

Weights go in float16 when the speech probabilities on --check-data's cached features stay within 1e-3
of the trained model's (else float32); decode.yaml holds conf/decode.yaml with the threshold and
post-processing tuned on dev (--tuned: a scoring/metrics.json of a dev set); MODEL_CARD.md the model,
its scores (exp/<model>/decode_*/scoring/metrics.json) and --notes (how it was trained, the data and
their licences).
"""
from pathlib import Path

from vadkit import cli, config
from vadkit.config import FeatureConfig
from vadkit.errors import InputError
from vadkit.features import cache, extract
from vadkit.models.checkpoint import TrainedModel
from vadkit.tool import pretrained, vad


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--tuned", required=True, metavar="METRICS_JSON", help="scoring/metrics.json of a dev set")
    p.add_argument("--check-data", required=True, help="data dir whose feature cache checks the float16 weights")
    p.add_argument("--notes", required=True, help="Markdown: training command and commit, data, licences")
    p.add_argument("--config", default="conf/decode.yaml", help="post-processing the tuned values go over")
    p.add_argument("exp_dir")
    p.add_argument("out_dir")
    a = p.parse_args(argv)
    decode = vad.tuned_decode_config(a.tuned, vad.load_decode_config(a.config))
    feats, _, info = cache.load(a.check_data, require_labels=False)
    try:   # an MFCC or PCEN model checks on its own columns of a kind mfcc_pcen cache
        columns = extract.model_columns(TrainedModel(a.exp_dir, device="cpu").feature_config,
                                        config.from_dict(FeatureConfig, info["features"]))
    except InputError as e:
        raise InputError(f"--check-data {a.check_data}: {e}; give a data dir cached with the model's features") from None
    feats = {k: v if columns is None else v[:, columns] for k, v in feats.items()}
    if not Path(a.notes).is_file():
        raise InputError(f"--notes {a.notes}: file not found; write the training command, data and licences there")
    notes = Path(a.notes).read_text()
    card = pretrained.card_text(a.exp_dir, Path(a.out_dir).name, decode, notes)
    done = pretrained.package(a.exp_dir, a.out_dir, decode, list(feats.values()), card)
    cli.log.info("%s: %s weights (%d bytes), max |dp| %.1e", a.out_dir, done["precision"], done["bytes"],
                 done["max_abs_dp"])


if __name__ == "__main__":
    cli.run(main)
