"""Write the two binary formats inside an add-in's ``vbaProject.bin``.

- MS-OVBA 2.4.1 compression, used for module source code and the ``dir`` stream. We write our own
  because the only Python package offering it (``ms-ovba`` 0.0.1) computes the copy-token length
  mask as ``0xFFFF << bit_count + 3`` (operator precedence), which silently corrupts long modules.
  Reading is left to oletools (``olevba.decompress_stream``), an independent, well-kept reader.
- MS-CFB version 3 (the OLE compound file holding the streams). olefile only rewrites a stream in
  place with the *same* size (olefile issues #99 and #146); replacing a module changes its size, so
  the whole container is written again from its streams.

Both writers are checked by tests against oletools, olefile and LibreOffice.
"""

from __future__ import annotations

import struct

CHUNK = 4096  # decompressed bytes per compressed chunk (MS-OVBA 2.4.1.1.4)


def compress(data: bytes) -> bytes:
    """Return the MS-OVBA CompressedContainer of ``data``."""
    out = bytearray(b"\x01")  # SignatureByte
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK:
            # CompressedChunkHeader: size - 3 in bits 0-11, signature 0b011, flag 1 (compressed).
            out += struct.pack("<H", (len(body) + 2 - 3) | 0x3000 | 0x8000) + body
        elif len(chunk) == CHUNK:
            out += struct.pack("<H", (CHUNK + 2 - 3) | 0x3000) + chunk  # raw chunk, flag 0
        else:  # a raw chunk is always 4096 bytes long: a shorter one cannot be stored raw
            raise ValueError("incompressible final chunk")
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    """LZ77 over one chunk: groups of a flag byte and up to eight literal or copy tokens."""
    out = bytearray()
    seen: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions, most recent last
    pos, end = 0, len(chunk)
    while pos < end:
        flag_at, flags = len(out), 0
        out.append(0)
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(chunk, pos, seen)
            if length >= 3:
                bit_count = max((pos - 1).bit_length(), 4)  # ceil(log2(pos)), at least 4
                out += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                flags |= 1 << bit
            else:
                length = 1
                out.append(chunk[pos])
            for p in range(pos, pos + length):
                seen.setdefault(chunk[p:p + 3], []).append(p)
            pos += length
        out[flag_at] = flags
    return bytes(out)


def _longest_match(chunk: bytes, pos: int, seen: dict[bytes, list[int]]) -> tuple[int, int]:
    """(offset, length) of the longest earlier copy of the bytes at ``pos`` (may overlap pos)."""
    if pos == 0:
        return 0, 0
    bit_count = max((pos - 1).bit_length(), 4)
    max_length = min((0xFFFF >> bit_count) + 3, len(chunk) - pos)
    best_offset, best_length = 0, 0
    for candidate in reversed(seen.get(chunk[pos:pos + 3], ())):
        length = 0
        while length < max_length and chunk[candidate + length] == chunk[pos + length]:
            length += 1
        if length > best_length:
            best_offset, best_length = pos - candidate, length
            if length == max_length:
                break
    return best_offset, best_length


# --------------------------------------------------------------------------------------------
# MS-CFB version 3
# --------------------------------------------------------------------------------------------

SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREE, END, FAT_MARK, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name, self.kind, self.data = name, kind, data
        self.children: list[_Entry] = []
        self.sid = self.left = self.right = self.child = NOSTREAM
        self.colour, self.start = BLACK, 0

    def key(self) -> tuple[int, str]:
        # MS-CFB 2.6.4: shorter names first, then an upper-case comparison.
        return len(self.name.encode("utf-16-le")), self.name.upper()


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` ({"VBA/dir": bytes, ...}); storages come from paths."""
    root = _Entry("Root Entry", ROOT)
    for path, data in streams.items():
        parent = root
        *storages, name = path.split("/")
        for storage in storages:
            found = next((c for c in parent.children if c.name == storage), None)
            if found is None:
                found = _Entry(storage, STORAGE)
                parent.children.append(found)
            parent = found
        parent.children.append(_Entry(name, STREAM, data))
    entries = _number(root)

    # Small streams live in the mini stream (64-byte mini sectors), big ones in 512-byte sectors.
    mini, minifat = bytearray(), []
    for e in entries:
        if e.kind == STREAM and len(e.data) < MINI_CUTOFF and e.data:
            e.start = len(mini) // MINI_SECTOR
            count = -(-len(e.data) // MINI_SECTOR)
            minifat += [e.start + i + 1 for i in range(count - 1)] + [END]
            mini += e.data.ljust(count * MINI_SECTOR, b"\0")
        elif e.kind == STREAM and not e.data:
            e.start = END
    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes, size_unit: int = SECTOR) -> int:
        if not data:
            return END
        first = len(sectors)
        count = -(-len(data) // size_unit)
        for i in range(count):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(first + i + 1 if i < count - 1 else END)
        return first

    root.data = bytes(mini)
    root.start = place(root.data) if mini else END
    for e in entries:
        if e.kind == STREAM and len(e.data) >= MINI_CUTOFF:
            e.start = place(e.data)
    minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
    minifat_start = place(minifat_bytes)
    dir_bytes = b"".join(_dir_entry(e) for e in entries)
    dir_bytes += _empty_entry() * (-len(entries) % (SECTOR // 128))
    dir_start = place(dir_bytes)

    # The FAT covers every sector, its own included.
    fat_count = 1
    while (len(sectors) + fat_count) > fat_count * (SECTOR // 4):
        fat_count += 1
    if fat_count > 109:
        raise ValueError("compound file too large for a header-only DIFAT")
    fat_start = len(sectors)
    fat += [FAT_MARK] * fat_count
    fat += [FREE] * (fat_count * (SECTOR // 4) - len(fat))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    sectors += [fat_bytes[i * SECTOR:(i + 1) * SECTOR] for i in range(fat_count)]

    difat = [fat_start + i for i in range(fat_count)] + [FREE] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, fat_count, dir_start, 0, MINI_CUTOFF,
        minifat_start, -(-len(minifat_bytes) // SECTOR), END, 0,
    ) + struct.pack("<109I", *difat)
    return header + b"".join(sectors)


def _number(root: _Entry) -> list[_Entry]:
    """Give each entry its directory index and link siblings as a red-black tree."""
    entries = [root]
    todo = [root]
    while todo:
        parent = todo.pop(0)
        for child in sorted(parent.children, key=_Entry.key):
            child.sid = len(entries)
            entries.append(child)
            todo.append(child)
        parent.child = _tree(sorted(parent.children, key=_Entry.key), 0, _depth(len(parent.children)))
    return entries


def _depth(n: int) -> int:
    return max(n.bit_length() - 1, 0) if n else 0


def _tree(nodes: list[_Entry], depth: int, max_depth: int) -> int:
    """Balanced binary tree (middle as root): its leaves sit on the last two levels, so every
    path holds the same number of black nodes when only the deepest level is red."""
    if not nodes:
        return NOSTREAM
    mid = len(nodes) // 2
    node = nodes[mid]
    node.colour = RED if depth == max_depth and depth > 0 else BLACK
    node.left = _tree(nodes[:mid], depth + 1, max_depth)
    node.right = _tree(nodes[mid + 1:], depth + 1, max_depth)
    return node.sid


def _dir_entry(e: _Entry) -> bytes:
    name = (e.name + "\0").encode("utf-16-le")
    size = len(e.data) if e.kind != STORAGE else 0
    start = e.start if e.kind != STORAGE else 0
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name, len(name), e.kind, e.colour, e.left, e.right, e.child,
        b"\0" * 16, 0, 0, 0, start, size,
    )


def _empty_entry() -> bytes:
    return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, RED, NOSTREAM, NOSTREAM, NOSTREAM,
                       b"\0" * 16, 0, 0, 0, 0, 0)
