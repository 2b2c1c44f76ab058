"""Building corpora into the data-directory contract: the mixing engine (mixing) and its sounds,
the built-in TTS corpus (tts, builtin), the real-speech mix (mix, augment), downloads (download),
users' folders (folders) and the notebook's .mat lists (mat)."""
