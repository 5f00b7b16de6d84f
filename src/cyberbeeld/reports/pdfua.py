"""PDF/UA repair after WeasyPrint: running headers and footers become artifacts.

WeasyPrint (66) marks the text of page-margin boxes (our running header and footer: the TLP label, the title,
"Pagina 3 van 13") as tagged content and creates structure elements for it, but leaves those elements out of
the structure tree ("only allowed as Artifact in PDF 2.0", says its source). The result is orphaned structure
elements: assistive technology cannot reach them, and PDF/UA-1 (ISO 14289-1, 7.1) requires that content is
either tagged in the tree or marked as an artifact. Pagination text is an artifact, so this module rewrites
exactly those marked-content sequences as ``/Artifact`` and drops their dangling parent-tree entries.

pikepdf (qpdf) does the rewriting; the output is deterministic for a given input (``deterministic_id``).
"""

from __future__ import annotations

import io
from typing import Any

import pikepdf


def _reachable(root: Any) -> set[tuple[int, int]]:
    """Object ids (objgen) of every structure element reachable from the StructTreeRoot."""
    seen: set[tuple[int, int]] = set()
    stack = [root.get("/K")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue  # an MCID integer
        if node.get("/Type") == pikepdf.Name.MCR or node.get("/Type") == pikepdf.Name.OBJR:
            continue
        key = node.objgen
        if key != (0, 0):
            if key in seen:
                continue
            seen.add(key)
        stack.append(node.get("/K"))
    return seen


def _parent_tree_pairs(node: Any) -> list[tuple[int, Any]]:
    """Flatten a number tree into (key, value) pairs."""
    pairs: list[tuple[int, Any]] = []
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums), 2):
            pairs.append((int(nums[i]), nums[i + 1]))
    for kid in node.get("/Kids") or []:
        pairs.extend(_parent_tree_pairs(kid))
    return pairs


def margins_as_artifacts(pdf_bytes: bytes) -> tuple[bytes, int]:
    """Rewrite orphaned marked content (page-margin boxes) as artifacts; returns the PDF and how many
    marked-content sequences were changed."""
    changed = 0
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        tree = pdf.Root.get("/StructTreeRoot")
        if tree is None or tree.get("/ParentTree") is None:
            return pdf_bytes, 0
        reachable = _reachable(tree)
        parents = dict(_parent_tree_pairs(tree.ParentTree))
        for page in pdf.pages:
            key = page.obj.get("/StructParents")
            if key is None or int(key) not in parents:
                continue
            array = parents[int(key)]
            if not isinstance(array, pikepdf.Array):
                continue
            orphans = {mcid for mcid, elem in enumerate(array)
                       if isinstance(elem, pikepdf.Dictionary) and elem.objgen not in reachable}
            if not orphans:
                continue
            instructions = []
            for inst in pikepdf.parse_content_stream(page):
                operands, operator = inst.operands, inst.operator
                if str(operator) == "BDC" and len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary) \
                        and operands[1].get("/MCID") is not None and int(operands[1].MCID) in orphans:
                    instructions.append(pikepdf.ContentStreamInstruction(
                        [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Pagination)],
                        pikepdf.Operator("BDC")))
                    changed += 1
                else:
                    instructions.append(inst)
            page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
            for mcid in orphans:
                array[mcid] = pikepdf.Object.parse(b"null")
        if not changed:
            return pdf_bytes, 0
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True)
        return out.getvalue(), changed
