"""Configuration: one dataclass per YAML section, defaults defined here once.

conf/features.yaml -> FeatureConfig; conf/decode.yaml -> DecodeConfig;
conf/<model>.yaml  -> ExperimentConfig (sections `model:` and `train:`);
conf/score.yaml -> ScoreConfig;
conf/corpus_builtin.yaml -> BuiltinCorpusConfig; conf/corpus_mix.yaml -> MixCorpusConfig (both MixingConfig);
conf/baselines.yaml -> BaselineConfig.
An unknown key is an InputError naming the file and the valid keys.  Units are in key names.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from vadkit.errors import InputError

T = TypeVar("T")


@dataclass
class FeatureConfig:
    sample_rate_hz: int = 8000    # the notebook's telephone rate; audio at other rates is resampled
    win_ms: float = 25.0          # analysis window
    hop_ms: float = 10.0          # frame shift: 100 frames/s, as the notebook's .mat files
    n_mfcc: int = 20              # static MFCCs (the notebook's 20)
    n_mels: int = 40              # mel bands behind the MFCCs
    fmin_hz: float = 20.0
    fmax_hz: float | None = None  # None: Nyquist
    deltas: int = 2               # 2: MFCC + delta + delta-delta = 60 dims
    delta_width: int = 9          # frames in the delta regression window
    kind: str = "mfcc"            # mfcc (n_mfcc statics), logmel (the n_mels log-mel bands as statics) or pcen
                                  #   (the n_mels bands through per-channel energy normalisation: each band divided
                                  #   by its own smoothed past, then root-compressed; steady sounds fade out), or
                                  #   mfcc_pcen (the n_mfcc MFCCs, then the n_mels PCEN bands)
    pcen_time_ms: float = 400.0   # pcen: time constant of each band's smoother (librosa.pcen's defaults below)
    pcen_gain: float = 0.98       # pcen: exponent of the division by the smoothed band (1: level-free)
    pcen_bias: float = 2.0        # pcen: offset before the root compression
    pcen_power: float = 0.5       # pcen: the root
    voicing: bool = False         # + each frame's voicing strength (normalised autocorrelation peak at 80-400 Hz)
                                  #   and its deltas, after the other dims (input_dims 60 still reads MFCC + deltas)

    def __post_init__(self):
        if self.kind not in ("mfcc", "logmel", "pcen", "mfcc_pcen"):
            raise ValueError(f"kind must be mfcc, logmel, pcen or mfcc_pcen, not {self.kind!r}")
        if self.has_pcen and not (self.pcen_time_ms > 0 and self.pcen_gain >= 0 and self.pcen_bias > 0
                                        and self.pcen_power > 0):
            raise ValueError("pcen needs pcen_time_ms > 0, pcen_gain >= 0, pcen_bias > 0 and pcen_power > 0")

    @property
    def has_pcen(self) -> bool:
        """Whether the features hold PCEN bands (kind pcen or mfcc_pcen), which no fixed gain shift moves."""
        return self.kind in ("pcen", "mfcc_pcen")


@dataclass
class ModelConfig:
    arch: str = "lstm"            # lstm: stacked (B)LSTM + linear output (the notebook's models)
    input_dims: int = 20          # first N feature dims fed to the model (20 = static MFCCs)
    input_kind: str = ""          # mfcc or pcen: read that front-end's columns of a kind mfcc_pcen cache (and be a
                                  #   model of it alone, as if trained on its own cache); "": the cache as it is
    hidden_size: int = 256
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.0          # between stacked layers
    conv_channels: int = 16       # crnn: channels of its two 3x3 conv layers
    subsample: int = 2            # crnn: frame subsampling of the second conv (stride in time)
    label_delay: int = 0          # unidirectional lstm: frame t's output comes after reading frame t + label_delay
                                  #   (a look-ahead of label_delay x 10 ms, as Kaldi's LSTM label delay; 0: none)
    turn_head: bool = False       # a second output, turn-level activity (pauses under train.turn_gap_ms are
                                  #   speech), beside the phrase-level one; decode.yaml's head: picks one

    def __post_init__(self):
        if self.input_kind not in ("", "mfcc", "pcen"):
            raise ValueError(f"input_kind must be mfcc, pcen or empty (the features as cached), not {self.input_kind!r}")
        if not isinstance(self.label_delay, int) or self.label_delay < 0:
            raise ValueError(f"label_delay must be an integer >= 0, not {self.label_delay!r}")
        if self.label_delay and (self.bidirectional or self.arch != "lstm"):
            raise ValueError("label_delay is for unidirectional lstm models (a BLSTM or crnn already looks ahead); "
                             "set it to 0")


@dataclass
class TrainConfig:
    epochs: int = 8
    steps_per_epoch: int | None = None  # None: as many batches as cover the train frames once
    batch_size: int = 51                # 300-frame segments, batch 51: as in the notebook
    segment_frames: int = 300
    lr: float = 1e-3                    # Adam, as in the notebook
    lr_schedule: str = "constant"       # constant (the notebook) or cosine: lr -> lr_min over all steps
    lr_min: float = 1e-5                # end of the cosine schedule
    grad_clip: float = 5.0
    seed: int = 1
    normalize: bool = True              # global mean/variance from train
    select_on: str = "dev_loss"         # dev_loss, dev_accuracy or last: picks the epoch kept as final.pt
    average_epochs: int = 1             # final.pt: the mean weights of this many epochs ending at the picked one
    amp: bool = False                   # mixed precision on CUDA (bf16 where supported, else fp16); no-op on CPU
    cmvn: str = "global"                # global (train set mean/std, in final.pt), file (each recording's own
                                        # mean/std) or sliding (causal window of cmvn_window_frames)
    cmvn_window_frames: int = 300
    specaug: bool = False               # SpecAugment on training batches: masks set to 0 (the normalised mean)
    specaug_time_masks: int = 2         # time masks per segment, each up to specaug_time_width frames
    specaug_time_width: int = 20
    specaug_freq_masks: int = 2         # feature-dim masks per segment, each up to specaug_freq_width dims
    specaug_freq_width: int = 8
    target_gap_ms: float = 0.0          # graded targets: a pause between speech shorter than this gets
    target_gap_peak: float = 0.5        #   target peak * (1 - length / target_gap_ms); 0: off (vadkit/train/augment.py)
    gain_db_max: float = 0.0            # level: a gain uniform in +-this dB per segment, on the features
    tilt_db_max: float = 0.0            # channel: a spectral tilt uniform in +-this dB, lowest to highest band
    noise_only_weight: float = 1.0      # loss weight of the frames of train recordings with no speech at all
                                        #   (the mix corpus's noise_only_prob): noise alone pushed towards 0
    turn_gap_ms: float = 1000.0         # model.turn_head's targets: every pause between speech shorter than
                                        #   this is speech (as human turn-level labels); the rest as the labels
    teacher: str = ""                   # distillation: a public VAD (silero, ten) whose frame probabilities on the
                                        #   train set are mixed into the targets ("": none; vadkit/train/augment.py)
    teacher_weight: float = 0.5         # target = (1 - w) * label target + w * teacher probability

    def __post_init__(self):
        if self.cmvn not in ("global", "file", "sliding"):
            raise ValueError(f"cmvn must be global, file or sliding, not {self.cmvn!r}")
        if self.cmvn_window_frames < 2:
            raise ValueError(f"cmvn_window_frames must be >= 2, not {self.cmvn_window_frames!r}")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"lr_schedule must be constant or cosine, not {self.lr_schedule!r}")
        if self.select_on not in ("dev_loss", "dev_accuracy", "last"):
            raise ValueError(f"select_on must be dev_loss, dev_accuracy or last, not {self.select_on!r}")
        if not isinstance(self.average_epochs, int) or self.average_epochs < 1:
            raise ValueError(f"average_epochs must be an integer >= 1, not {self.average_epochs!r}")
        for k in ("target_gap_ms", "gain_db_max", "tilt_db_max"):
            if not getattr(self, k) >= 0:
                raise ValueError(f"{k} must be >= 0, not {getattr(self, k)!r}")
        if not self.noise_only_weight > 0:   # 0 could leave a batch with no weight to divide the loss by
            raise ValueError(f"noise_only_weight must be > 0 (to leave noise alone out: the corpus's "
                             f"noise_only_prob: 0), not {self.noise_only_weight!r}")
        if not 0 <= self.target_gap_peak <= 1:
            raise ValueError(f"target_gap_peak must be in [0, 1], not {self.target_gap_peak!r}")
        if not self.turn_gap_ms > 0:
            raise ValueError(f"turn_gap_ms must be > 0 ms, not {self.turn_gap_ms!r}")
        if self.teacher not in ("", "silero", "ten"):
            raise ValueError(f"teacher must be silero, ten or \"\" (none), not {self.teacher!r}")
        if not 0 < self.teacher_weight <= 1:
            raise ValueError(f"teacher_weight must be in (0, 1], not {self.teacher_weight!r}")


MEMBER_NAME = re.compile(r"^(?P<model>[^/\s]+)_seed(?P<seed>\d+)$")   # exp/<model>_seed<k>: conf/<model>.yaml, seed k


@dataclass
class EnsembleConfig:
    """conf/<model>.yaml's `ensemble:` section: the model is the mean of several trainings' probabilities."""
    seeds: list[int] = field(default_factory=list)  # e.g. [1, 2]: run.sh trains exp/<model>_seed<k>/ per seed and
                                                    #   combines them into exp/<model>/ (empty: one training)
    members: list[str] = field(default_factory=list)  # or trainings of other confs: e.g. [blstm60_seed1,
                                                      #   blstm60_pcen_seed1] trains conf/blstm60_pcen.yaml with
                                                      #   seed 1 into exp/blstm60_pcen_seed1/, ...

    def __post_init__(self):
        s = self.seeds
        if not isinstance(s, list) or any(not isinstance(k, int) or isinstance(k, bool) for k in s) \
                or len(set(s)) != len(s) or len(s) == 1:
            raise ValueError(f"ensemble: seeds must be two or more different integers (or empty: one training), "
                             f"not {s!r}")
        m = self.members
        if not isinstance(m, list) or any(not isinstance(e, str) or not MEMBER_NAME.match(e) for e in m) \
                or len(set(m)) != len(m) or len(m) == 1 or (m and s):
            raise ValueError(f"ensemble: members must be two or more different <model>_seed<k> names (a training "
                             f"of conf/<model>.yaml with seed k), and not beside seeds; not {m!r}")


@dataclass
class ExperimentConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    ensemble: EnsembleConfig = field(default_factory=EnsembleConfig)


BRIDGE_SIDES = ("auto", "both", "past")
HEADS = ("phrase", "turn")   # a model's outputs, in order: phrase-level speech, then (model.turn_head) turn-level
BRIDGE_KEYS = ("bridge_half_life_ms", "bridge_weight", "bridge_sides")


@dataclass
class DecodeConfig:
    threshold: float = 0.5         # speech when prob >= threshold
    onset: float | None = None     # hysteresis: enter speech at >= onset (default: threshold)
    offset: float | None = None    # ... and leave it below offset (default: threshold)
    median_frames: int = 1         # median filter over decisions (odd; 1 = off)
    min_speech_ms: float = 0.0     # drop shorter speech regions
    min_silence_ms: float = 0.0    # bridge shorter gaps
    pad_ms: float = 0.0            # widen every region on both sides
    max_speech_s: float | None = None  # split longer regions at their least speech-like frame (None: off)
    # probability bridge (our models only, before everything above; vadkit.decode.postprocess.bridge): a frame
    # gets at least bridge_weight x the speech probability around it, decaying by half every bridge_half_life_ms
    bridge_half_life_ms: float = 0.0   # 0: off
    bridge_weight: float = 0.5
    bridge_sides: str = "auto"         # both: speech before and after (pauses between speech); past: after speech
                                       #   only (streamable); auto: both for bidirectional models, else past
    head: str = "phrase"               # the output decoded: phrase (pauses are non-speech; every model) or turn
                                       #   (pauses inside a turn are speech; models trained with turn_head)

    def __post_init__(self):
        probs = {"threshold": self.threshold, "onset": self.onset, "offset": self.offset}
        bad = [f"{k} must be a probability in [0, 1], not {v!r}" for k, v in probs.items()
               if v is not None and not (isinstance(v, (int, float)) and 0 <= v <= 1)]
        if not bad:   # hysteresis: leaving speech may not need more than entering it (decisions would flicker)
            on = self.threshold if self.onset is None else self.onset
            off = self.threshold if self.offset is None else self.offset
            if off > on:
                bad.append(f"offset ({off!r}) must not exceed onset ({on!r}; the threshold when unset)")
        if not (isinstance(self.median_frames, int) and self.median_frames >= 1 and self.median_frames % 2 == 1):
            bad.append(f"median_frames must be an odd number of frames >= 1 (1: off), not {self.median_frames!r}")
        bad += [f"{k} must be >= 0 ms, not {v!r}" for k, v in (("min_speech_ms", self.min_speech_ms),
                ("min_silence_ms", self.min_silence_ms), ("pad_ms", self.pad_ms))
                if not (isinstance(v, (int, float)) and v >= 0)]
        if not (isinstance(self.bridge_half_life_ms, (int, float)) and self.bridge_half_life_ms >= 0):
            bad.append(f"bridge_half_life_ms must be >= 0 ms (0: off), not {self.bridge_half_life_ms!r}")
        if not (isinstance(self.bridge_weight, (int, float)) and 0 <= self.bridge_weight <= 1):
            bad.append(f"bridge_weight must be in [0, 1], not {self.bridge_weight!r}")
        if self.bridge_sides not in BRIDGE_SIDES:
            bad.append(f"bridge_sides must be one of {', '.join(BRIDGE_SIDES)}, not {self.bridge_sides!r}")
        if self.head not in HEADS:
            bad.append(f"head must be {' or '.join(HEADS)}, not {self.head!r}")
        if self.max_speech_s is not None and not (isinstance(self.max_speech_s, (int, float)) and self.max_speech_s >= 0.05):
            bad.append(f"max_speech_s must be null or >= 0.05 s, not {self.max_speech_s!r}")
        if bad:
            raise ValueError("; ".join(bad))


@dataclass
class BaselineConfig:
    """conf/baselines.yaml: settings of the public VADs run as baselines (vadkit.baselines)."""
    energy_floor_percentile: float = 5.0   # a recording's noise floor: this percentile of its frame energies
    energy_margin_db: float = 0.0          # P(speech) = 0.5 this far above the floor
    energy_slope_db: float = 2.0           # logistic slope: P goes 0.27 -> 0.73 over 2 * this
    webrtc_frame_ms: int = 30              # 10, 20 or 30 (py-webrtcvad's example uses 30)
    ten_hop_samples: int = 256             # TEN VAD hop at 16 kHz: 256 (its default, 16 ms) or 160 (10 ms)

    def __post_init__(self):
        if self.webrtc_frame_ms not in (10, 20, 30):
            raise ValueError(f"webrtc_frame_ms must be 10, 20 or 30, not {self.webrtc_frame_ms!r}")
        if self.ten_hop_samples not in (160, 256):
            raise ValueError(f"ten_hop_samples must be 160 or 256, not {self.ten_hop_samples!r}")
        if self.energy_slope_db <= 0:
            raise ValueError(f"energy_slope_db must be > 0, not {self.energy_slope_db!r}")


@dataclass
class ScoreConfig:
    tune_metric: str = "f1"             # f1 (highest) or dcf (lowest): what the dev-tuned threshold optimises
    tune_step: float = 0.01             # thresholds tried on dev: tune_step, 2*tune_step, ... < 1
    tune_rule: str = "best"             # best: the best setting on dev; plateau: the middle of the longest run
    tune_margin: float = 0.005          # of thresholds within tune_margin of the best value (plateau only)
    tune_noise_max: float | None = None  # with a noise-only dev set: the largest share of it a setting may call
    #                                    speech (null: no limit)
    tune_min_silence_ms: list[float] = field(default_factory=list)  # also tried on dev with every threshold
    tune_pad_ms: list[float] = field(default_factory=list)          # (empty: the decode config's value only)
    tune_min_speech_ms: list[float] = field(default_factory=list)   # likewise the shortest speech region kept
    collar_s: float = 0.25              # segment scoring: no-score zone on each side of a reference boundary
    max_frame_shift: int = 20           # best-shift search: hypothesis delayed by -N..N frames
    bootstrap_resamples: int = 1000     # resamples of the recordings for the confidence intervals
    bootstrap_seed: int = 0
    confidence: float = 0.95            # interval level

    def __post_init__(self):
        if self.tune_metric not in ("f1", "dcf"):
            raise ValueError(f"tune_metric must be f1 or dcf, not {self.tune_metric!r}")
        if self.tune_rule not in ("best", "plateau"):
            raise ValueError(f"tune_rule must be best or plateau, not {self.tune_rule!r}")
        if not isinstance(self.tune_margin, (int, float)) or not 0 <= self.tune_margin < 1:
            raise ValueError(f"tune_margin must lie in [0, 1), not {self.tune_margin!r}")
        if self.tune_noise_max is not None and (isinstance(self.tune_noise_max, bool) or not isinstance(
                self.tune_noise_max, (int, float)) or not 0 <= self.tune_noise_max < 1):
            raise ValueError(f"tune_noise_max must be null or lie in [0, 1), not {self.tune_noise_max!r}")
        if not 0 < self.tune_step < 0.5:
            raise ValueError(f"tune_step must lie in (0, 0.5), not {self.tune_step!r}")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence must lie in (0, 1), not {self.confidence!r}")
        for name in ("tune_min_silence_ms", "tune_pad_ms", "tune_min_speech_ms"):
            v = getattr(self, name)
            if not isinstance(v, list) or any(not isinstance(x, (int, float)) or x < 0 for x in v):
                raise ValueError(f"{name} must be a list of milliseconds >= 0, not {v!r}")


def _build(cls: type[T], data: Any, where: str) -> T:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping of keys, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(fields)}")
    kwargs = {}
    for name, value in data.items():
        sub = fields[name].default_factory if fields[name].default_factory is not dataclasses.MISSING else None
        if sub is not None and dataclasses.is_dataclass(sub):
            kwargs[name] = _build(sub, value, f"{where}: {name}")
        else:
            kwargs[name] = value
    try:
        return cls(**kwargs)
    except ValueError as e:  # a __post_init__ check: name the file
        raise InputError(f"{where}: {e}") from None


def load(path: str | Path, cls: type[T]) -> T:
    """Load a YAML file into dataclass `cls`; unknown keys and bad YAML raise InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise InputError(f"{path}: invalid YAML ({e})") from None
    return _build(cls, data, str(path))


def from_dict(cls: type[T], data: dict, where: str = "config") -> T:
    return _build(cls, data, where)


def to_dict(cfg) -> dict:
    return dataclasses.asdict(cfg)


def with_defaults(recorded: dict, key: str, cls: type) -> dict:
    """A stamp written before a config key was added (feats.yaml, a corpus's .done): its `key` section read
    with today's defaults for the keys it lacks, so the new key alone does not redo finished work (None when
    the section no longer parses: the work is redone)."""
    if isinstance(recorded.get(key), dict):
        try:
            recorded[key] = to_dict(from_dict(cls, recorded[key]))
        except InputError:
            recorded[key] = None
    return recorded


def dump(cfg) -> str:
    """YAML text of a config (or a dict of configs), for the copy kept beside results."""
    data = {k: to_dict(v) for k, v in cfg.items()} if isinstance(cfg, dict) else to_dict(cfg)
    return yaml.safe_dump(data, sort_keys=False)


@dataclass
class MixingConfig:
    """What every mixed corpus shares: set sizes, recordings, levels and the reference-label rule.

    The label_* keys are the reference-label rule of vadkit.mix (its docstring states the rule).
    """
    sample_rate_hz: int = 8000
    train_minutes: float = 60.0
    dev_minutes: float = 5.0
    test_minutes: float = 10.0
    seed: int = 1
    # recordings
    min_rec_s: float = 10.0
    max_rec_s: float = 60.0
    speech_ratio_min: float = 0.40       # labelled speech / duration, per recording
    speech_ratio_max: float = 0.70
    min_pause_s: float = 0.3             # between utterances; above label_fill_gap_ms: pauses stay non-speech
    snr_db_min: float = -5.0             # background bed vs active-speech power
    snr_db_max: float = 20.0
    peak_dbfs_min: float = -20.0         # overall level of the mixture
    peak_dbfs_max: float = -3.0
    utt_gain_db_max: float = 4.0         # each utterance's level varies by +- this
    event_prob: float = 0.3              # chance of a non-speech event in a pause long enough for one
    event_db_min: float = -25.0          # event power vs active-speech power
    event_db_max: float = -5.0
    # reference labels
    label_frame_ms: float = 10.0
    label_floor_db: float = 30.0         # speech where frame energy > loudest frame - label_floor_db
    label_fill_gap_ms: float = 200.0     # shorter gaps inside an utterance become speech
    label_min_speech_ms: float = 50.0    # shorter regions are dropped


@dataclass
class BuiltinCorpusConfig(MixingConfig):
    """conf/corpus_builtin.yaml: the offline synthetic corpus (espeak-ng speech + non-speech)."""
    # talkers: voices are `<language>+<variant>`; variant lists must be disjoint between sets, and a
    # family of look-alike variants (iven*, edward*, Gene*, anika*) stays in one set.  Left out:
    # whisper, whisperf (unvoiced, a condition of their own) and "Mr serious" (a space in its name).
    languages: list[str] = field(default_factory=lambda: [
        "en", "en-US", "en-GB-scotland", "en-029", "es", "es-419", "fr", "fr-BE", "de", "it", "pt",
        "pt-BR", "nl", "pl", "sv", "cs", "ro", "fi", "tr", "id", "hu", "ru", "el", "sw", "da"])
    train_variants: list[str] = field(default_factory=lambda: [
        "Alex", "Alicia", "Andy", "Annie", "AnxiousAndy", "Demonic", "Diogo", "Henrique", "Hugo", "Jacky",
        "Lee", "Marco", "Mario", "Michael", "Mike", "Nguyen", "Reed", "RicishayMax", "RicishayMax2",
        "RicishayMax3", "Tweaky", "UniRobot", "adam", "announcer", "antonio", "aunty", "belinda", "benjamin",
        "boris", "caleb", "david", "ed", "f1", "f2", "f4", "fast", "grandma", "grandpa", "gustave",
        "kaukovalta", "klatt", "klatt3", "klatt5", "klatt6", "m1", "m2", "m4", "m6", "m8", "marcelo",
        "miguel", "mike2", "norbert", "pablo", "paul", "pedro", "quincy", "rob", "robert", "robosoft",
        "robosoft2", "robosoft3", "robosoft4", "robosoft5", "robosoft6", "robosoft7", "robosoft8", "sandro",
        "steph", "steph2", "steph3", "victor", "zac"])
    dev_variants: list[str] = field(default_factory=lambda: [
        "m5", "f3", "klatt2", "linda", "Gene", "Gene2", "max", "michel", "iven", "iven2", "iven3", "iven4"])
    test_variants: list[str] = field(default_factory=lambda: [
        "m3", "m7", "f5", "klatt4", "Andrea", "anika", "anikaRobot", "croak", "edward", "edward2", "Denis",
        "travis", "john", "shelby", "ian", "Storm"])
    rate_wpm_min: int = 120
    rate_wpm_max: int = 260
    pitch_min: int = 20                  # espeak pitch 0-100
    pitch_max: int = 80
    pitch_range_min: int = 10            # espeak pitch range 0-100 (0 = monotone)
    pitch_range_max: int = 90
    words_min: int = 2                   # words per sentence
    words_max: int = 15
    speakers_per_rec_max: int = 2        # talkers per recording, 1..this


@dataclass
class MixCorpusConfig(MixingConfig):
    """conf/corpus_mix.yaml: real clean speech and real noise/music from folders (vadkit.real_mix).

    Speakers and noise files are split between sets by the rule in vadkit.real_mix's docstring.
    """
    train_minutes: float = 60.0
    dev_minutes: float = 8.0
    test_minutes: float = 15.0
    event_prob: float = 0.3              # chance of a real-noise excerpt in a pause long enough for one
    dev_share: float = 0.12              # share of the usable speech (by labelled seconds) whose speakers
    test_share: float = 0.18             # go to dev / test; the rest to train
    noise_dev_share: float = 0.15        # share of the noise (by seconds) whose files go to dev / test
    noise_test_share: float = 0.20
    xdev_speech_pattern: str = ""        # cross-domain dev set `xdev`: speech files whose path matches this regex
    xdev_noise_pattern: str = ""         #   and noise files matching this one are held out of train/dev/test and
    xdev_minutes: float = 8.0            #   mixed into xdev alone (with dev's speech or noise where one is empty)
    bed_files_max: int = 2               # background: 1..this noise files under each recording
    # speaker of an utterance: the first group of the first pattern matching its path (relative to the
    # speech folder, "/"-separated); when none matches, its folder.  LibriSpeech, Speech Commands.
    speaker_patterns: list[str] = field(default_factory=lambda: [
        r"(?:^|/)(\d+)-\d+-\d+\.\w+$", r"(?:^|/)([0-9a-f]{8})_nohash_\d+\.\w+$"])
    audio_extensions: list[str] = field(default_factory=lambda: ["wav", "flac", "ogg"])
    clean_check_min_s: float = 0.9       # an utterance at least this long (a 1 s word clip too) ...
    clean_min_range_db: float = 30.0     # ... whose quietest 10 % of frames lie less than this below its
                                         # loudest frame has no real pause (noise or music under it): left out
    # label policy (vadkit.real_mix docstring): energy (the label_* rule above), tight (the same with no
    # gap filled: label_fill_gap_ms taken as 0) or fill (energy, then every non-speech gap of a recording
    # shorter than label_policy_gap_ms, between utterances too, becomes speech: turn-level labels)
    label_policy: str = "energy"
    label_policy_gap_ms: float = 300.0
    # augmentations (vadkit.augment, vadkit.real_mix): each applied to a recording with its *_prob
    # (0: off); labels stay those of the clean speech
    reverb_prob: float = 0.0             # simulated room: RT60 and direct-to-reverberant ratio uniform in
    reverb_rt60_s_min: float = 0.2       #   these ranges (speech track only)
    reverb_rt60_s_max: float = 1.0
    reverb_drr_db_min: float = -3.0
    reverb_drr_db_max: float = 12.0
    reverb_image_prob: float = 0.0       # chance a reverberated recording's response comes from an image-source
                                         #   shoebox room (pyroomacoustics) instead of the statistical model
    overlap_prob: float = 0.0            # a second talker (another utterance of the set) inside a speech region
    overlap_db_min: float = -12.0        #   at this level against the first (uniform)
    overlap_db_max: float = 0.0
    music_prob: float = 0.0              # music under the speech: a noise file whose path matches music_pattern
    music_pattern: str = "(?i)music"
    music_snr_db_min: float = 0.0        #   speech-to-music ratio, uniform
    music_snr_db_max: float = 15.0
    eq_prob: float = 0.0                 # equaliser: spectral tilt +-eq_tilt_db_max and a gain (whole mixture)
    eq_tilt_db_max: float = 10.0
    eq_gain_db_min: float = -12.0
    eq_gain_db_max: float = 6.0
    telephone_prob: float = 0.0          # 300-3400 Hz at 8 kHz + G.711 (codecs drawn from telephone_codecs)
    telephone_codecs: list[str] = field(default_factory=lambda: ["mulaw", "alaw"])
    speed_prob: float = 0.0              # an utterance played faster or slower (tempo and pitch together, as
    speed_min: float = 0.85              #   Kaldi's speed perturbation), factor uniform in this range
    speed_max: float = 1.15
    lowpass_prob: float = 0.0            # the whole mixture band-limited (a steep low-pass at a cut-off uniform
    lowpass_hz_min: float = 3000.0       #   in this range): narrowband recordings, and no cue in the band alone
    lowpass_hz_max: float = 7000.0
    synth_noise_prob: float = 0.0        # train only: each background layer and pause event is, with this chance,
                                         #   one of the built-in procedural sounds (vadkit.corpora.sounds) instead
                                         #   of a real noise file: kinds of noise the ~25 training files lack
    synth_music_prob: float = 0.0        # train only: each background layer and pause event is, with this chance
                                         #   (drawn before synth_noise_prob), procedural instrument music
                                         #   (vadkit.corpora.sounds.MUSIC_GENERATORS)
    synth_crackle_prob: float = 0.0      # train only: each pause event is, with this chance (drawn first),
                                         #   procedural creaks and crackle (vadkit.corpora.sounds.crackle)
    noise_only_prob: float = 0.0         # train only: a recording with no speech at all (background and events at
                                         #   the usual peak levels): loud noise alone is not speech
    loud_event_prob: float = 0.0         # train only: a pause event is, with this chance, loud_event_db_min..max
    loud_event_db_min: float = -5.0      #   against the speech power with no peak limit (louder than the speech:
    loud_event_db_max: float = 10.0      #   a door, dishes, a blast of music); otherwise event_db_min..max, capped
    noise_speed_prob: float = 0.0        # train only: a real noise excerpt played faster or slower (pitch, spectrum
    noise_speed_min: float = 0.6         #   and rhythm together), factor uniform in this range: new kinds of noise
    noise_speed_max: float = 1.6         #   from the same few files
    train_noise_prob: float = 0.0        # train only: a real-noise background layer or pause event comes, with this
                                         #   chance, from the train-only pool (--train-noise-dir) instead of the set's
                                         #   own noise files
    train_noise_where: str = "all"       # where the pool may sound: "all", or "pauses" (pause events and noise-only
                                         #   recordings; the beds under speech keep the set's own noise)
    vtlp_prob: float = 0.0               # train only: an utterance's spectral envelope warped by a factor uniform in
    vtlp_alpha_min: float = 0.9          #   vtlp_alpha_min..max (vocal-tract length: formants move, pitch stays)
    vtlp_alpha_max: float = 1.1
    pitch_prob: float = 0.0              # train only: an utterance's pitch moved by up to +-pitch_semitones_max
    pitch_semitones_max: float = 4.0     #   semitones, its formants kept
    whisper_prob: float = 0.0            # train only: an utterance made whisper-like (its envelope over noise)
    shout_prob: float = 0.0              # train only: an utterance made shout-like (pitch up, brighter, compressed)
    tts_prob: float = 0.0                # train only: an utterance is, with this chance, espeak-ng speaking a random
    tts_languages: list[str] = field(default_factory=lambda: [   # sentence in one of these languages (any
        "en", "es", "fr", "de", "it", "pt", "nl", "pl", "sv", "cs", "ro", "fi", "tr", "id", "hu", "ru", "el",
        "sw", "da"])                     #   variant; the built-in corpus's rate and pitch ranges)
    train_versions: int = 1              # train only: this many independent mixings of the train set (same speech
                                         #   and noise files, new pairings, pauses, SNRs, levels, rooms, effects);
                                         #   training reads version (epoch - 1) mod K in each epoch (reco2version)
    min_source_rate_hz: int = 0          # speech files recorded below this rate are left out (e.g. 16000 for a
                                         #   16 kHz corpus: band-limited speech over wideband noise is a false cue)
