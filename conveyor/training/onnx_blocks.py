"""A compiled graph's tree ensemble split into blocks of trees, summed: faster for calls of many rows.

ONNX Runtime walks a ``TreeEnsembleClassifier`` row by row, each row through every tree. A 100-tree forest of
depth 10 holds about 65,000 nodes, more than a core's fast caches, so each row fetches its path through every
tree from slower memory again. Split into blocks of about ``NODES_PER_BLOCK`` nodes, each block is one
``TreeEnsembleRegressor`` node that walks all of a call's rows through its few trees while they are cached, and
the blocks' outputs are summed. On the reference forest (bench/serving.py) a 1,000-row call takes less than
half the time; a 1-row call pays about 2 microseconds per block. The service merges concurrent requests into
large calls (conveyor/serving/merged_calls.py), which is where this pays.

The sum is the same arithmetic in another order, so the split is made only where the ensemble's answer is a
plain sum of leaf weights:

- a classifier with ``post_transform`` NONE and no negative weight: a forest's class probabilities (averaged
  by weights already divided by the number of trees). With two classes and the weights of one class id only
  (ONNX Runtime's binary case, as skl2onnx writes a binary forest), their sum is the second class's probability
  and the first's is one minus it, as ONNX Runtime writes them;
- a regressor with ``aggregate_function`` SUM and ``post_transform`` NONE: forests, and boosted trees whose
  base values then go to the first block.

Any other ensemble, or a graph that reads the classifier's label output, is left as it is. The parity check
runs on the split graph (conveyor/training/onnx_parity.py) like any other.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

NODES_PER_BLOCK = 2048
ML_DOMAIN = "ai.onnx.ml"


def _attributes(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _values(value: Any) -> Any:
    """A list attribute as a list, a tensor attribute as an array."""
    from onnx import numpy_helper

    return numpy_helper.to_array(value) if hasattr(value, "dims") else list(value)


def _pick(value: Any, index: np.ndarray) -> Any:
    from onnx import numpy_helper

    if hasattr(value, "dims"):
        return numpy_helper.from_array(numpy_helper.to_array(value)[index])
    return [value[i] for i in index]


def _labels(attrs: dict[str, Any]) -> list[Any]:
    """A classifier's class labels (strings or integers)."""
    return list(attrs.get("classlabels_strings") or attrs.get("classlabels_int64s") or [])


def _plain_sum(node: Any, attrs: dict[str, Any], used: set[str]) -> str | None:
    """Which kind of sum ``node`` is (``"classes"``, ``"binary"``, ``"targets"``), or None when it is not one."""
    if attrs.get("post_transform", b"NONE") != b"NONE":
        return None
    if node.op_type == "TreeEnsembleRegressor":
        return "targets" if attrs.get("aggregate_function", b"SUM") == b"SUM" else None
    if node.op_type != "TreeEnsembleClassifier" or node.output[0] in used:  # its label output is read
        return None
    weights = _values(attrs.get("class_weights_as_tensor", attrs.get("class_weights", [])))
    labels = _labels(attrs)
    if any(k.startswith("base_values") for k in attrs) or np.min(weights, initial=0.0) < 0:
        return None
    classes = set(attrs["class_ids"])
    return "binary" if len(labels) == 2 and len(classes) == 1 else "classes"


def _blocks(trees: list[int], node_trees: np.ndarray, nodes_per_block: int) -> list[list[int]]:
    """The trees in consecutive blocks of about ``nodes_per_block`` nodes each."""
    count = math.ceil(len(node_trees) / nodes_per_block)
    per = math.ceil(len(trees) / count)
    return [trees[i : i + per] for i in range(0, len(trees), per)]


def _block_nodes(
    node: Any, attrs: dict[str, Any], kind: str, out: str, nodes_per_block: int
) -> tuple[list[Any], int] | None:
    """The nodes that replace ``node``, ending in ``out`` (its class probabilities or predictions), and the number
    of blocks; None when its trees make one block."""
    from onnx import TensorProto, helper

    weight_prefix = "class_" if node.op_type == "TreeEnsembleClassifier" else "target_"
    node_trees = np.asarray(attrs["nodes_treeids"])
    leaf_trees = np.asarray(attrs[f"{weight_prefix}treeids"])
    blocks = _blocks(sorted(set(node_trees.tolist())), node_trees, nodes_per_block)
    if len(blocks) < 2:
        return None
    # a regressor's targets; a classifier's classes, or one sum in its binary case
    targets = {"targets": int(attrs.get("n_targets", 1)), "binary": 1}.get(kind, len(_labels(attrs)))
    nodes, parts = [], []
    for number, block in enumerate(blocks):
        at_nodes = np.flatnonzero(np.isin(node_trees, block))
        at_leaves = np.flatnonzero(np.isin(leaf_trees, block))
        part: dict[str, Any] = {"aggregate_function": "SUM", "post_transform": "NONE"}
        for name, value in attrs.items():
            if name.startswith("nodes_"):
                part[name] = _pick(value, at_nodes)
            elif name.startswith(weight_prefix):  # a classifier's class_* are a regressor's target_*
                part["target_" + name[len(weight_prefix):]] = _pick(value, at_leaves)
            elif name.startswith("base_values") and number == 0:
                part[name] = value
        if kind == "binary":
            part["target_ids"] = [0] * len(at_leaves)
        part["n_targets"] = targets
        name = f"{out}_block{number}"
        nodes.append(helper.make_node("TreeEnsembleRegressor", node.input[:1], [name], domain=ML_DOMAIN, **part))
        parts.append(name)
    total = f"{out}_sum" if kind == "binary" else out
    nodes.append(helper.make_node("Sum", parts, [total]))
    if kind == "binary":  # ONNX Runtime's binary case: [1 - p, p]
        one = f"{out}_one"
        value = helper.make_tensor(one, TensorProto.FLOAT, [], [1.0])
        nodes.append(helper.make_node("Constant", [], [one], value=value))
        nodes.append(helper.make_node("Sub", [one, total], [f"{out}_first"]))
        nodes.append(helper.make_node("Concat", [f"{out}_first", total], [out], axis=1))
    return nodes, len(blocks)


def block_trees(data: bytes, nodes_per_block: int = NODES_PER_BLOCK) -> tuple[bytes, int]:
    """The graph ``data`` with its tree ensemble split into blocks, and the number of blocks (0: left as it is)."""
    import onnx

    model = onnx.load_from_string(data)
    graph = model.graph
    used = {name for n in graph.node for name in n.input} | {o.name for o in graph.output}
    for index, node in enumerate(graph.node):
        if node.domain != ML_DOMAIN or not node.op_type.startswith("TreeEnsemble"):
            continue
        attrs = _attributes(node)
        kind = _plain_sum(node, attrs, used)
        out = node.output[-1] if node.op_type == "TreeEnsembleClassifier" else node.output[0]
        replacement = _block_nodes(node, attrs, kind, out, nodes_per_block) if kind else None
        if replacement is None:
            return data, 0
        nodes, count = replacement
        del graph.node[index]
        for offset, new in enumerate(nodes):
            graph.node.insert(index + offset, new)
        return model.SerializeToString(), count
    return data, 0
