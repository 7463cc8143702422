#!/usr/bin/python3
"""ONNX Runtime's dynamic int8 form of a BERT graph, the way onnxruntime.quantization.quantize_dynamic(per_channel=True)
writes it (that tool is not installable here: no PyPI): every MatMul by a 2-D fp32 initializer B [K, N] becomes a
com.microsoft DynamicQuantizeMatMul with int8 weights symmetric per output column (scale = max|B[:, n]| / 127, zero
point 0, round half to even), its input quantized to uint8 per tensor at run time by ORT. Everything else stays fp32.

usage: /usr/bin/python3 bench/onnx/dynamic_int8.py model.onnx model-int8.onnx   (Debian: apt-get install python3-onnx)
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def main(source, target):
    model = onnx.load(source)
    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    nodes, rewritten = [], 0
    for node in graph.node:
        b = weights.get(node.input[1]) if node.op_type == "MatMul" else None
        if b is None or len(b.dims) != 2 or b.data_type != onnx.TensorProto.FLOAT:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(b).astype(np.float32)
        scale = np.abs(w).max(axis=0) / 127.0
        scale[scale == 0] = 1.0
        q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
        names = [f"{b.name}_int8", f"{b.name}_scale", f"{b.name}_zero_point"]
        graph.initializer.extend([
            numpy_helper.from_array(q, names[0]),
            numpy_helper.from_array(scale.astype(np.float32), names[1]),
            numpy_helper.from_array(np.zeros(scale.shape, np.int8), names[2]),
        ])
        nodes.append(helper.make_node("DynamicQuantizeMatMul", [node.input[0], *names], list(node.output),
                                      name=(node.name or b.name) + "_int8", domain="com.microsoft"))
        rewritten += 1
    used = {i for n in nodes for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, target)
    print(f"{source}: {rewritten} MatMul nodes -> DynamicQuantizeMatMul (int8 per output column) in {target}")
    if rewritten == 0:
        sys.exit(f"{source}: no MatMul by a 2-D fp32 initializer; nothing to quantize")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
