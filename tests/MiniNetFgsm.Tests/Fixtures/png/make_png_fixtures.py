#!/usr/bin/env python3
"""Writes the PNG fixtures for GrayscalePngTests with an encoder independent of the C# one (Python's zlib and struct only).

Each fixture NAME gives NAME.png and NAME.bin, the gray pixels the C# decoder must produce (height x width bytes, row-major).
Every image has at least 6 rows and row y uses filter type (y + first) % 5, so all five filters (None, Sub, Up, Average,
Paeth) appear on a later row and, over the five fixtures, each one also appears on the first row (where the row above is
all zeros). The zlib stream is cut into several IDAT chunks, one of them empty, and ancillary chunks (tEXt, and PLTE as a
suggested palette in the RGB image) come before the image data; a decoder must skip them.

Color images are converted to gray the way GrayscalePng documents: BT.601 luma (299 R + 587 G + 114 B + 500) // 1000,
alpha dropped; gray+alpha keeps the gray channel.

When they were written, libpng 1.6.39 (its png_image API, with the same gray conversion in a throwaway C program)
decoded all five to exactly the .bin pixels.

Run from anywhere:  python3 tests/MiniNetFgsm.Tests/Fixtures/png/make_png_fixtures.py
The tests never run this; they read the committed outputs.
"""
import os
import random
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # color type -> bytes per pixel at bit depth 8


def chunk(kind: bytes, data: bytes) -> bytes:
    """length (big-endian u32), type, data, CRC-32 of type + data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


PAETH_CASES = set()  # which of the predictor's choices and tie-breaks the current fixture exercised


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        # (pa = pb with a != b cannot happen here: it needs a + b = 2c, and then pc = 0 < pa.)
        PAETH_CASES.add("tie a=c" if pa == pc and a != c else "a")
        return a
    if pb <= pc:
        PAETH_CASES.add("b" if pb < pc else "tie b=c" if b != c else "b")
        return b
    PAETH_CASES.add("c")
    return c


def filter_row(kind: int, row: bytes, above: bytes, bpp: int) -> bytes:
    """The stored bytes for one row: raw minus the filter's prediction, mod 256."""
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = above[i]
        c = above[i - bpp] if i >= bpp else 0
        prediction = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - prediction) & 0xFF)
    return bytes([kind]) + bytes(out)


def luma(r: int, g: int, b: int) -> int:
    return (299 * r + 587 * g + 114 * b + 500) // 1000


def to_gray(rows, color_type: int):
    n = CHANNELS[color_type]
    gray = bytearray()
    for row in rows:
        for x in range(0, len(row), n):
            px = row[x:x + n]
            gray.append(px[0] if n <= 2 else luma(px[0], px[1], px[2]))
    return bytes(gray)


def write_fixture(name: str, width: int, height: int, color_type: int, first_filter: int, rows, idat_piece: int, extra_chunks=(),
                  every_paeth_case=False):
    bpp = CHANNELS[color_type]
    PAETH_CASES.clear()
    assert len(rows) == height and all(len(r) == width * bpp for r in rows)
    above = bytes(width * bpp)
    raw = b""
    for y, row in enumerate(rows):
        raw += filter_row((y + first_filter) % 5, row, above, bpp)
        above = row
    compressed = zlib.compress(raw, 9)
    if every_paeth_case:  # a decoder that breaks a Paeth tie the wrong way must get this image wrong
        missing = {"a", "b", "c", "tie a=c", "tie b=c"} - PAETH_CASES
        assert not missing, f"{name}: Paeth never took {sorted(missing)}; change the data"

    # The zlib stream in pieces of idat_piece bytes, with an empty IDAT after the first piece.
    pieces = [compressed[i:i + idat_piece] for i in range(0, len(compressed), idat_piece)]
    pieces.insert(1, b"")

    png = SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
    png += chunk(b"tEXt", b"Comment\x00MiniNetFgsm PNG fixture " + name.encode())
    for kind, data in extra_chunks:
        png += chunk(kind, data)
    for piece in pieces:
        png += chunk(b"IDAT", piece)
    png += chunk(b"IEND", b"")

    with open(os.path.join(HERE, name + ".png"), "wb") as f:
        f.write(png)
    with open(os.path.join(HERE, name + ".bin"), "wb") as f:
        f.write(to_gray(rows, color_type))
    print(f"{name}.png: {width}x{height}, color type {color_type}, {len(pieces)} IDAT chunks, {len(png)} bytes, Paeth: {sorted(PAETH_CASES)}")


def random_rows(rng: random.Random, width: int, height: int, bpp: int, alphabet=None):
    def byte():
        return rng.choice(alphabet) if alphabet else rng.randrange(256)
    return [bytes(byte() for _ in range(width * bpp)) for _ in range(height)]


def digit_rows(rng: random.Random):
    """A 28x28 ring, MNIST-like: dark background, a bright stroke, a little noise."""
    rows = []
    for y in range(28):
        row = bytearray()
        for x in range(28):
            d = ((x - 13.5) ** 2 + (y - 13.5) ** 2) ** 0.5
            v = max(0, 255 - int(abs(d - 8) * 90)) if abs(d - 8) < 3 else 0
            row.append(min(255, v + rng.randrange(3)) if v else 0)
        rows.append(bytes(row))
    return rows


def main():
    rng = random.Random(20240607)
    # Gray from a few values near 0, 128 and 255: many sums wrapping around 256 and many Paeth ties. Ties between
    # different values are rare by chance (b with c needs 2a + b = 3c, a with c needs a + 2b = 3c), so row 4 (Paeth) gets
    # a, b, c = 0, 6, 2 at x = 1 (p = 4, 2 from b and from c) and 6, 0, 2 at x = 3 (p = 4, 2 from a and from c).
    gray = random_rows(rng, 16, 10, 1, alphabet=[0, 1, 2, 3, 6, 127, 128, 254, 255])
    gray[3] = bytes([2, 6, 2, 0]) + gray[3][4:]
    gray[4] = bytes([0, gray[4][1], 6]) + gray[4][3:]
    write_fixture("gray_filters", 16, 10, 0, 0, gray, idat_piece=9, every_paeth_case=True)
    write_fixture("gray_digit", 28, 28, 0, 1, digit_rows(rng), idat_piece=16)
    write_fixture("gray_alpha_filters", 5, 6, 4, 2, random_rows(rng, 5, 6, 2), idat_piece=11)
    write_fixture("rgb_filters", 6, 6, 2, 3, random_rows(rng, 6, 6, 3), idat_piece=13,
                  extra_chunks=[(b"PLTE", bytes([0, 0, 0, 255, 255, 255]))])
    write_fixture("rgba_filters", 5, 7, 6, 4, random_rows(rng, 5, 7, 4), idat_piece=17)


if __name__ == "__main__":
    main()
