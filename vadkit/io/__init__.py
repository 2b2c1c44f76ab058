"""File formats, one module each: files (atomic writes, JSON), audio (read, resample, find), tables
(Kaldi text tables, rec ids), labels (every label format: RTTM, segments, .voz, Audacity, CSV/TSV,
.scv), rttm (RTTM and segments, the data dirs' label files), arrays (Kaldi ark | HDF5), mat (the
notebook's .mat files).

Everything the recipe writes goes through `atomic_write`, so an interrupted run never leaves a
half-written file under a final name.  The names below are re-exported so callers write
`io.read_audio(...)`; each is defined once, in the module named.
"""
from vadkit.io.arrays import ArkWriter, H5Writer, read_h5, read_scp
from vadkit.io.audio import (
                             AUDIO_SUFFIXES,
                             AudioBlocks,
                             BlockResampler,
                             audio_info,
                             check_float_range,
                             check_wav_complete,
                             find_audio,
                             read_audio,
                             read_audio_part,
                             resample,
                             write_wav,
)
from vadkit.io.files import (
                             atomic_open,
                             atomic_write,
                             content_digest,
                             dir_lock,
                             file_id,
                             identity_digest,
                             is_current,
                             read_json,
                             read_stamp,
                             reporting_disk_full,
                             tmp_path,
                             write_json,
                             write_stamp,
                             write_text,
)
from vadkit.io.rttm import iter_rttm, read_rttm, write_rttm, write_segments
from vadkit.io.mat import read_mat
from vadkit.io.tables import is_rec_id, read_table, rec_id_of, unique_rec_ids, write_table

__all__ = ["ArkWriter", "H5Writer", "read_h5", "read_scp", "AUDIO_SUFFIXES", "AudioBlocks", "BlockResampler",
           "audio_info", "check_float_range", "check_wav_complete", "find_audio", "read_audio", "read_audio_part",
           "resample", "write_wav",
           "atomic_open", "atomic_write", "content_digest", "dir_lock", "file_id", "identity_digest", "is_current",
           "read_json", "read_stamp", "reporting_disk_full", "tmp_path", "write_json", "write_stamp", "write_text",
           "iter_rttm", "read_rttm", "write_rttm", "write_segments", "read_mat", "is_rec_id", "read_table",
           "rec_id_of", "unique_rec_ids", "write_table"]
