#!/usr/bin/env python3
"""PyTorch baseline for Bert.Gpu.DeviceCheck: the same shapes, timed the same way, written as JSON.

    python3 bench/gpu/torch_baseline.py [--device cuda|cpu] [--shapes real|small] [--out DIR] [--samples N]

Times, after warm-up, the median of N samples, each a few launches between two synchronizations (as DeviceCheck):
  gemm       F.linear with the encoder's epilogue (GELU / + residual) in fp32 with TF32 off: like for like with our
             kernel; plain torch.matmul fp32 (the cuBLAS ceiling) and with TF32 on, for context; on CUDA also
             torch.matmul and F.linear+epilogue in fp16 (cuBLAS tensor cores: what the fp16 GEMM is held to, >= 60%),
             with TFLOP/s as a share of the GPU's dense fp16 peak where the name is known (fp16_peak.py).
  attention  F.scaled_dot_product_attention, fp32, on contiguous [batch, heads, seq, head_dim] tensors; the default
             dispatch and, where torch has them, each backend forced; on CUDA the default dispatch in fp16 too.
  encoder    a transformers BertModel from a BertConfig (random init, eval, no_grad, no pooler), fp32 TF32 off; TF32
             on and fp16 for context (attn_implementation "sdpa" where transformers has it). Tokens/s over batch x seq
             tokens, no padding. With real shapes also MiniLM at 512 x 128 in fp16 ("minilm-l6 b512").
The shapes mirror bench/Bert.Gpu.DeviceCheck/ShapeSet.cs (names and shape strings must match for the summary).
Anything torch or transformers lacks is recorded as unavailable, with the reason, instead of failing the run.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
import traceback

import torch
import torch.nn.functional as F

from fp16_peak import peak_for  # the peak table's one home (run.sh passes the same figure to DeviceCheck)

# name: hidden, layers, heads, intermediate, vocab, max positions (ShapeSet.Models).
MODELS = {
    "real": {
        "bert-base": (768, 12, 12, 3072, 30522, 512),
        "minilm-l6": (384, 6, 12, 1536, 30522, 512),
    },
    "small": {
        "bert-base-small": (64, 2, 2, 128, 100, 64),
        "minilm-l6-small": (48, 1, 4, 96, 100, 64),
    },
}
# Timed batch (sequences, tokens each) and timing plans (warm-ups, samples, launches per sample), as ShapeSet.
BATCH = {"real": (128, 128), "small": (2, 16)}
OP_PLAN = {"real": (3, 7, 5), "small": (1, 3, 1)}
ENCODER_PLAN = {"real": (1, 5, 1), "small": (1, 1, 1)}
# Encoders timed only here, in fp16, at the batch the issue names for MiniLM: name -> (model, sequences, tokens each).
FP16_ENCODERS = {"real": {"minilm-l6 b512": ("minilm-l6", 512, 128)}, "small": {}}



def log(text):
    print(text, flush=True)


class Timer:
    def __init__(self, device, samples):
        self.device = device
        self.samples = samples

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def measure(self, plan, fn):
        warmups, samples, launches = plan
        samples = self.samples or samples
        for _ in range(warmups):
            fn()
        self.sync()
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            for _ in range(launches):
                fn()
            self.sync()
            times.append((time.perf_counter() - start) * 1e3 / launches)
        return {"medianMs": statistics.median(times), "minMs": min(times), "maxMs": max(times),
                "samples": samples, "launchesPerSample": launches}


def set_tf32(enabled):
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled


def layer_gemms(name, hidden, intermediate, rows):
    """The four GEMMs of one layer with the encoder's epilogues (ModelShape.LayerGemms)."""
    return [
        (f"{name} qkv", rows, 3 * hidden, hidden, False, False),
        (f"{name} attention out", rows, hidden, hidden, False, True),
        (f"{name} ffn up", rows, intermediate, hidden, True, False),
        (f"{name} ffn down", rows, hidden, intermediate, False, True),
    ]


def gemm_shape_text(rows, n, k, gelu, residual):
    return f"{rows}x{n}x{k}" + (" gelu" if gelu else "") + (" +residual" if residual else "")


def variant(timer, plan, fn, flops=None, tokens=None):
    """One timed variant, or why it could not run."""
    try:
        with torch.no_grad():
            result = timer.measure(plan, fn)
    except Exception as e:  # a missing kernel or feature is a result, not a crash
        return {"unavailable": f"{type(e).__name__}: {e}".splitlines()[0][:300]}
    if flops is not None:
        result["gflops"] = flops / (result["medianMs"] * 1e6)
    if tokens is not None:
        result["tokensPerSecond"] = tokens / (result["medianMs"] / 1e3)
    return result


def time_gemms(timer, device, shapes, models, rows):
    out = []
    gen = torch.Generator(device="cpu").manual_seed(21)
    for name, (hidden, _, _, intermediate, _, _) in models.items():
        for label, m, n, k, gelu, residual in layer_gemms(name, hidden, intermediate, rows):
            x = (torch.rand(m, k, generator=gen) * 2 - 1).to(device)
            w = ((torch.rand(n, k, generator=gen) * 2 - 1) / k ** 0.5).to(device)
            b = (torch.rand(n, generator=gen) * 2 - 1).to(device)
            r = (torch.rand(m, n, generator=gen) * 2 - 1).to(device) if residual else None

            def linear():
                y = F.linear(x, w, b)
                if gelu:
                    y = F.gelu(y)  # exact erf GELU, as BERT's "gelu"
                if r is not None:
                    y = y + r
                return y

            wt = w.t()
            flops = 2.0 * m * n * k
            plan = OP_PLAN[shapes]
            set_tf32(False)
            entry = {"kind": "gemm", "name": label, "shape": gemm_shape_text(m, n, k, gelu, residual), "flops": flops,
                     "variants": {"linear_fp32": variant(timer, plan, linear, flops),
                                  "matmul_fp32": variant(timer, plan, lambda: torch.matmul(x, wt), flops)}}
            if device.type == "cuda":
                set_tf32(True)
                entry["variants"]["matmul_tf32"] = variant(timer, plan, lambda: torch.matmul(x, wt), flops)
                set_tf32(False)
                xh, wh, bh = x.half(), w.half(), b.half()
                rh = r.half() if r is not None else None
                wth = wh.t()

                def linear_fp16():
                    y = F.linear(xh, wh, bh)
                    if gelu:
                        y = F.gelu(y)
                    if rh is not None:
                        y = y + rh
                    return y

                entry["variants"]["matmul_fp16"] = variant(timer, plan, lambda: torch.matmul(xh, wth), flops)
                entry["variants"]["linear_fp16"] = variant(timer, plan, linear_fp16, flops)
                peak = fp16_peak(device)
                for key in ("matmul_fp16", "linear_fp16"):
                    if peak and "gflops" in entry["variants"][key]:
                        entry["variants"][key]["percentOfFp16Peak"] = 100 * entry["variants"][key]["gflops"] / (peak * 1e3)
                del xh, wh, bh, rh, wth
            log(describe(entry))
            out.append(entry)
            del x, w, b, r
    return out


def time_attention(timer, device, shapes, models, batch):
    sequences, length = batch
    out = []
    gen = torch.Generator(device="cpu").manual_seed(22)
    for name, (hidden, _, heads, _, _, _) in models.items():
        head_dim = hidden // heads
        q, k, v = ((torch.rand(sequences, heads, length, head_dim, generator=gen) * 4 - 2).to(device) for _ in range(3))
        flops = 4.0 * sequences * length * length * heads * head_dim
        entry = {"kind": "attention", "name": name, "shape": f"{sequences}x{length} x {heads} heads x {head_dim}",
                 "flops": flops, "variants": {}}
        set_tf32(False)
        plan = OP_PLAN[shapes]
        sdpa = getattr(F, "scaled_dot_product_attention", None)
        if sdpa is None:
            entry["variants"]["sdpa_fp32"] = {"unavailable": f"torch {torch.__version__} has no scaled_dot_product_attention"}
        else:
            entry["variants"]["sdpa_fp32"] = variant(timer, plan, lambda: sdpa(q, k, v), flops)
            for backend, forced in forced_sdpa_backends():
                def run(forced=forced):
                    with forced():
                        return sdpa(q, k, v)
                entry["variants"][f"sdpa_fp32_{backend}"] = variant(timer, plan, run, flops)
            if device.type == "cuda":
                qh, kh, vh = q.half(), k.half(), v.half()
                entry["variants"]["sdpa_fp16"] = variant(timer, plan, lambda: sdpa(qh, kh, vh), flops)
                del qh, kh, vh
        log(describe(entry))
        out.append(entry)
        del q, k, v
    return out


def fp16_peak(device):
    """The GPU's dense fp16 tensor-core peak in TFLOP/s, or None when fp16_peak.py does not list it."""
    return peak_for(torch.cuda.get_device_properties(device).name)


def forced_sdpa_backends():
    """(name, context factory) for each SDPA backend torch lets us force (torch >= 2.3)."""
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel
    except ImportError:
        return []
    names = {"efficient": "EFFICIENT_ATTENTION", "math": "MATH", "cudnn": "CUDNN_ATTENTION"}
    return [(n, (lambda b=getattr(SDPBackend, attr): sdpa_kernel(b))) for n, attr in names.items() if hasattr(SDPBackend, attr)]


def time_encoders(timer, device, shapes, models, batch):
    sequences, length = batch
    tokens = sequences * length
    out = []
    try:
        import transformers
        from transformers import BertConfig, BertModel
    except ImportError as e:
        for name, (hidden, layers, *_rest) in models.items():
            out.append({"kind": "encoder", "name": name, "shape": f"{sequences}x{length} tokens, {layers} layers x {hidden}",
                        "variants": {"bert_fp32": {"unavailable": f"transformers: {e}"}}})
            log(describe(out[-1]))
        return out
    for name, (hidden, layers, *_) in models.items():
        model, forward = bert(BertConfig, BertModel, device, models[name], sequences, length)
        plan = ENCODER_PLAN[shapes]
        entry = {"kind": "encoder", "name": name, "shape": f"{sequences}x{length} tokens, {layers} layers x {hidden}",
                 "attnImplementation": getattr(model.config, "_attn_implementation", None),
                 "transformers": transformers.__version__, "variants": {}}
        set_tf32(False)
        entry["variants"]["bert_fp32"] = variant(timer, plan, forward, tokens=tokens)
        if device.type == "cuda":
            set_tf32(True)
            entry["variants"]["bert_tf32"] = variant(timer, plan, forward, tokens=tokens)
            set_tf32(False)
            model.half()
            entry["variants"]["bert_fp16"] = variant(timer, plan, forward, tokens=tokens)
        log(describe(entry))
        out.append(entry)
        del model, forward
        if device.type == "cuda":
            torch.cuda.empty_cache()
    for name, (base, sequences, length) in FP16_ENCODERS[shapes].items() if device.type == "cuda" else []:
        hidden, layers = models[base][0], models[base][1]
        model, forward = bert(BertConfig, BertModel, device, models[base], sequences, length)
        model.half()
        entry = {"kind": "encoder", "name": name, "shape": f"{sequences}x{length} tokens, {layers} layers x {hidden}",
                 "attnImplementation": getattr(model.config, "_attn_implementation", None),
                 "transformers": transformers.__version__,
                 "variants": {"bert_fp16": variant(timer, ENCODER_PLAN[shapes], forward, tokens=sequences * length)}}
        log(describe(entry))
        out.append(entry)
        del model, forward
        torch.cuda.empty_cache()
    return out


def bert(config_type, model_type, device, shape, sequences, length):
    """A random-init BertModel of `shape` (MODELS' tuple) in eval mode and a forward over sequences x length random ids."""
    hidden, layers, heads, intermediate, vocab, positions = shape
    config = config_type(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                         intermediate_size=intermediate, max_position_embeddings=positions, type_vocab_size=2,
                         layer_norm_eps=1e-12, hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(23)
    try:
        model = model_type(config, add_pooling_layer=False, attn_implementation="sdpa")
    except (TypeError, ValueError):  # transformers before 4.36 has no attn_implementation
        model = model_type(config, add_pooling_layer=False)
    model = model.to(device).eval()
    gen = torch.Generator(device="cpu").manual_seed(23)
    ids = torch.randint(5, vocab, (sequences, length), generator=gen).to(device)
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)

    def forward():
        return model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    return model, forward


def describe(entry):
    parts = []
    for key, v in entry["variants"].items():
        if "unavailable" in v:
            parts.append(f"{key} unavailable ({v['unavailable']})")
        else:
            rate = f"{v['gflops']:.4g} GFLOP/s" if "gflops" in v else f"{v.get('tokensPerSecond', 0):.0f} tokens/s"
            parts.append(f"{key} {v['medianMs']:.4g} ms = {rate}")
    return f"TORCH {entry['kind']:<9} {entry['name']} ({entry.get('shape', '?')}): " + "; ".join(parts)


def environment(device):
    env = {"python": platform.python_version(), "torch": torch.__version__, "torchCuda": torch.version.cuda,
           "host": platform.node(), "cpu": platform.processor() or platform.machine(), "logicalCores": os.cpu_count()}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        env.update({"gpu": props.name, "computeCapability": f"{props.major}.{props.minor}",
                    "gpuMemoryBytes": props.total_memory, "multiprocessors": props.multi_processor_count,
                    "fp16PeakTflops": peak_for(props.name),
                    "cudnn": torch.backends.cudnn.version()})
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--shapes", choices=["real", "small"], default="real")
    parser.add_argument("--out", default="torch-out")
    parser.add_argument("--samples", type=int, default=None, help="timed samples (default: as DeviceCheck)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_baseline: --device cuda but torch.cuda.is_available() is False")
    device = torch.device(args.device)
    started = time.time()
    report = {"tool": "torch_baseline.py", "device": args.device, "shapes": args.shapes,
              "environment": environment(device),
              "notes": "fp32 rows have torch.backends.cuda.matmul.allow_tf32 = False (like for like with our fp32 "
                       "kernels); *_tf32 and *_fp16 rows are for context only",
              "timings": [], "error": None}
    log(f"torch_baseline --device {args.device} --shapes {args.shapes}: {json.dumps(report['environment'])}")
    timer = Timer(device, args.samples)
    models = MODELS[args.shapes]
    batch = BATCH[args.shapes]
    try:
        report["timings"] += time_gemms(timer, device, args.shapes, models, batch[0] * batch[1])
        report["timings"] += time_attention(timer, device, args.shapes, models, batch)
        report["timings"] += time_encoders(timer, device, args.shapes, models, batch)
    except Exception as e:
        traceback.print_exc()
        report["error"] = f"{type(e).__name__}: {e}"
    report["seconds"] = time.time() - started
    path = os.path.join(args.out, "torch.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    log(f"wrote {path} after {report['seconds']:.1f} s")
    return 1 if report["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
