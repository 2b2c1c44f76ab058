"""Speech segments of your own recordings with a trained model (files, folders or a wav.scp).

The VAD tool's command line: steps/vad.py in the recipe, `vadkit-vad` once the package is installed
(the same options).

e.g.: steps/vad.py --format rttm -o out/ talk.wav more_audio/       (the shipped model, no training)
      steps/vad.py --model exp/lstm --format json -o out/ data/local/builtin/dev
      steps/vad.py --model exp/blstm --format rttm --min-silence-ms 200 talk.wav > talk.rttm
      steps/vad.py --model exp/blstm60 --tuned exp/blstm60/decode_ami_test/scoring/metrics.json meeting.wav

INPUT: audio files (any rate, resampled to the model's; stereo mixed down unless --channel),
folders (searched recursively) or Kaldi wav.scp files.  -o OUT: a folder (one <rec_id>.<ext> per
input) or one file (json: a list; rttm, segments: all lines); without -o, text goes to stdout.
JSON per input: {"file", "sample_rate", "duration", "frame_shift", "segments": [{"start", "end"}]}
(+ "probs", one per 10 ms frame, frame k centred at k*10 ms + 12.5 ms, with --probs true).
Model: --model, or the shipped offline model (vadkit/pretrained/, MODEL_CARD.md there).
Post-processing: --config (default: the model's own decode.yaml, else conf/decode.yaml), then --tuned (the threshold, gap bridging and
padding that scoring tuned on a dev set), then any key given below.
A recording that fails gets one error line naming it; the others are still done; the exit
status is the number that failed (at most 125).
Interrupts and re-runs: Ctrl-C (or SIGTERM) stops at once (exit 130, or 143) and keeps every finished
output; a combined -o FILE is assembled at the end from per-input parts kept in .FILE.parts/ beside it.
A re-run into the same -o skips the inputs whose output is current (same input file, model and
settings; a .<name>.stamp beside each output records them); --overwrite true redoes them.
"""
import re

from vadkit import cli
from vadkit.config import DecodeConfig
from vadkit.errors import InputError
from vadkit.tool import files, pretrained, vad


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--model", help=f"exp/<model> (holding final.pt), a .pt file or a shipped model's name "
                   f"(default: the shipped {pretrained.OFFLINE})")
    p.add_argument("--format", default="json", choices=sorted(files.FORMATS), help="output format (json)")
    p.add_argument("-o", "--output", help="output folder (ends in / or exists) or file; default stdout")
    p.add_bool("--probs", help="json: add the frame probabilities (default false)")
    p.add_argument("--channel", type=int, help="use this channel (0-based) instead of the mix of all")
    p.add_argument("--nj", type=int, default=1, help="parallel worker processes on the CPU (1)")
    p.add_argument("--chunk-s", type=float, default=20.0, help="network chunk length; 0: one exact pass (20)")
    p.add_argument("--context-s", type=float, default=3.0, help="context before (and after) each chunk (3)")
    p.add_argument("--device", default="auto", help="auto (cuda when present), cpu, cuda or cuda:N (auto)")
    p.add_argument("--overwrite", type=cli.bool_arg, default=False, metavar="true|false",
                   help="true: redo the inputs whose output in -o is current (default false: skip them)")
    p.add_argument("--config", help="post-processing YAML (default: the model's own decode.yaml, else conf/decode.yaml)")
    p.add_argument("--tuned", metavar="METRICS_JSON", help="use the threshold and post-processing tuned on dev "
                   "in this scoring/metrics.json (steps/score.py --tune-on; stage 5)")
    cli.add_config_options(p, DecodeConfig, "post-processing (override --config and --tuned)")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    a = p.parse_args(argv)
    if a.nj < 1:
        p.error("--nj must be >= 1")
    device = check_device(a.device)
    model = pretrained.resolve(a.model)
    decode = vad.load_decode_config(a.config, model if model.suffix == ".pt" else model / "final.pt")
    if a.tuned:
        decode = vad.tuned_decode_config(a.tuned, decode)
    decode = cli.apply_config_options(decode, a)
    return files.run(str(model), a.inputs, a.output, a.format, decode, a.channel, a.probs, a.nj,
                     overwrite=a.overwrite, chunk_s=a.chunk_s or None, context_s=a.context_s, device=device)


def check_device(device: str) -> str | None:
    """--device as torch takes it (None: auto); InputError naming --device when it cannot run here."""
    if device == "auto":
        return None
    if device != "cpu" and re.fullmatch(r"cuda(:\d+)?", device) is None:
        raise InputError(f"--device {device}: not a device; use auto, cpu, cuda or cuda:N")
    import torch
    if device == "cpu":
        return device
    if not torch.cuda.is_available():
        raise InputError(f"--device {device}: no CUDA device here (torch.cuda.is_available() is False); "
                         "use --device cpu or auto")
    n = torch.cuda.device_count()
    if int(device.partition(":")[2] or 0) >= n:
        raise InputError(f"--device {device}: this machine has {n} CUDA device(s), cuda:0 to cuda:{n - 1}; "
                         "use one of them, cpu or auto")
    return device


def console() -> None:
    """Entry point of the installed `vadkit-vad` command."""
    cli.run(main)
