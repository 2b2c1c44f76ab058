#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Data prep of a noise-only dev set: data/dev_noise from the noise files a corpus's dev set was mixed from.

e.g.: local/prepare_noise_set.py --config conf/features_mfcc_pcen.yaml data/local/mix/dev/noises data/dev_noise
      local/prepare_noise_set.py --telephone mulaw ... data/local/mix/dev/noises data/dev_noise_tel

Reads a list of noise files (one per line, as stage 0 writes <corpus>/dev/noises; relative names from the
recipe dir), resamples each to the feature config's rate into <data-root>/local/<set>/wav/, and writes the data
dir with an empty rttm (no speech anywhere) and orig.scp (the file at its own rate, which public VADs score).
With --telephone CODEC the noise goes through the telephone channel of the AMI sets' copies first (as
prepare_ami.py makes ami_dev_tel; no orig.scp).  Stage 5 tunes every wideband set's operating point with
data/dev_noise and the telephone copies' with data/dev_noise_tel (steps/score.py --tune-noise, tune_noise_max
in conf/score.yaml).  Give only files without voices: the noise list of a dev set, never a test set's.
"""
from __future__ import annotations

from pathlib import Path

from vadkit import cli, config, io, names
from vadkit.config import FeatureConfig
from vadkit.corpora import augment
from vadkit.data import datadir
from vadkit.errors import InputError


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default="conf/features.yaml", help="its sample_rate_hz is the rate written "
                   "(default: %(default)s)")
    p.add_argument("--telephone", choices=("none", *augment.CODECS), default="none",
                   help="a codec: the noise through the 8 kHz telephone channel (default: %(default)s)")
    p.add_argument("noise_list", help="the noise files, one per line (stage 0: data/local/<corpus>/dev/noises)")
    p.add_argument("out_dir", help="the data dir to write, e.g. data/dev_noise")
    a = p.parse_args(argv)
    rate = config.load(a.config, FeatureConfig).sample_rate_hz
    if not Path(a.noise_list).is_file():
        raise InputError(f"{a.noise_list}: no such list; run stage 0 (corpus) first")
    files = [line.strip() for line in Path(a.noise_list).read_text(encoding="utf-8").splitlines() if line.strip()]
    if not files:
        raise InputError(f"{a.noise_list}: names no noise file; the dev set was mixed from none (stage 0)")
    for f in files:
        if not Path(f).is_file():
            raise InputError(f"{a.noise_list}: names {f}, which is not there (relative names are read from "
                             f"{Path.cwd()}); run stage 0 again or restore the noise folder")
    out = Path(a.out_dir)
    wav_dir = out.parent / "local" / out.name / "wav"
    ids = names.unique(names.id_of(Path(f).stem) for f in files)
    wavs, originals = {}, {}
    for rec_id, f in zip(ids, files):
        x, own_rate = io.read_audio(f)   # empty or corrupt audio: an error naming the file
        wavs[rec_id] = str(wav_dir / f"{rec_id}.wav")
        y = io.resample(x, own_rate, rate)
        io.write_wav(wavs[rec_id], augment.telephone(y, rate, a.telephone) if a.telephone != "none" else y, rate)
        if own_rate != rate and a.telephone == "none":
            originals[rec_id] = f
    datadir.write_data_dir(out, wavs, {k: [] for k in wavs}, originals=originals,
                           files=dict(zip(ids, files)))
    cli.log.info("%s: %d noise recordings, %.1f min, no speech", out, len(wavs),
                 sum(io.audio_info(w)[1] / rate for w in wavs.values()) / 60)


if __name__ == "__main__":
    cli.run(main)
