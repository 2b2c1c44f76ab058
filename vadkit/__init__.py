"""vadkit: the shared package of the LSTM voice-activity-detection recipe.

The subpackages are layers; a module imports only from its own subpackage or from a layer below
(tests/test_layers.py checks it).  Bottom to top:

  errors, names, config, intervals, plan, cli
                                   InputError, the id rule, one dataclass per YAML, region arithmetic, what a run of
                                   run.sh does (sets, experiment names), the step-script wrapper
  io         file formats: atomic writes, audio, Kaldi tables, label formats, ark | HDF5, .mat
  data       the data-directory contract
  features   the frame grid, MFCC/log-mel + deltas, normalisation, stage 2's feature cache
  corpora    building corpora: mixing, the built-in and mix corpora, downloads, folders, .mat lists
  models     networks, loading final.pt, ensembles          (corpora and models: one level)
  decode     frame probabilities of a data dir; probabilities -> segments
  eval       metrics, bootstrap, scoring, report tables, plots
  train      the training loop, distributed training
  tool       the VAD on files: Vad, StreamingVad, the command-line tool's files, export
  bench      timing, the benchmark, public VAD baselines

Step scripts in steps/ and local/ parse arguments and call one function here.
"""
__version__ = "0.1.0"

# The order of the layers, bottom first; entries on one line are one level (they may not import
# each other).  tests/test_layers.py reads it.
LAYERS = (
    ("errors", "names"),
    ("config", "intervals"),
    ("plan",),                      # reads model configs (a config's own ensemble)
    ("cli",),
    ("io",),
    ("data",),
    ("features",),
    ("corpora", "models"),
    ("decode",),
    ("eval",),
    ("train",),
    ("tool",),
    ("bench",),
)


def __getattr__(name):
    # `from vadkit import Vad` without importing torch for every vadkit module (PEP 562)
    if name in ("Vad", "VadResult"):
        from vadkit.tool import vad
        return getattr(vad, name)
    if name == "StreamingVad":
        from vadkit.tool import streaming
        return streaming.StreamingVad
    raise AttributeError(f"module 'vadkit' has no attribute {name!r}")
