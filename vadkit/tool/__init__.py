"""The VAD people run on their files: Vad (vad), StreamingVad (streaming), the command-line tool's
inputs and outputs (files), TorchScript/ONNX export (export)."""
