"""vadkit: the shared package of the LSTM voice-activity-detection recipe.

Modules, bottom to top: errors, io, config -> data, features, postprocess, metrics, models
-> tts, noise, mix (corpus building) -> train, decode, scoring, plots.  Step scripts in
steps/ and local/ parse arguments and call one function here.
"""
__version__ = "0.1.0"
