"""vadkit: the shared package of the LSTM voice-activity-detection recipe.

Modules, bottom to top: errors, io, config -> data, features, postprocess, metrics, models
-> tts, noise, mix (corpus building) -> train, decode, scoring, plots.  Step scripts in
steps/ and local/ parse arguments and call one function here.
"""
__version__ = "0.1.0"


def __getattr__(name):
    # `from vadkit import Vad` without importing torch for every vadkit module (PEP 562)
    if name in ("Vad", "VadResult"):
        from vadkit import vad
        return getattr(vad, name)
    if name == "StreamingVad":
        from vadkit import streaming
        return streaming.StreamingVad
    raise AttributeError(f"module 'vadkit' has no attribute {name!r}")
