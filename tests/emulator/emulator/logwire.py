"""The SLS log format on the wire, as far as the emulator must read it: a
minimal protobuf decoder for LogGroup (to check a PutLogs body and count
its logs), the framing of a LogGroupList, and lz4 blocks.

This is test infrastructure written from the published formats; slsh itself
uses libprotobuf-c and liblz4, so the two sides do not share a bug.
"""


class WireError(ValueError):
    """Bytes that are not the message they claim to be."""


def _varint(buf, i):
    """(value, next index) of the varint at buf[i]."""
    shift = value = 0
    while True:
        if i >= len(buf):
            raise WireError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def fields(buf):
    """(field number, wire type, value) of each field of a message; value
    is an int for varints and fixed ints, bytes for length-delimited."""
    out, i = [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if num == 0:
            raise WireError("field number 0")
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            if i + 8 > len(buf):
                raise WireError("truncated fixed64")
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wt == 5:
            if i + 4 > len(buf):
                raise WireError("truncated fixed32")
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        elif wt == 2:
            n, i = _varint(buf, i)
            if i + n > len(buf):
                raise WireError("truncated bytes")
            v, i = bytes(buf[i:i + n]), i + n
        else:
            raise WireError("wire type %d is not used by the log format" % wt)
        out.append((num, wt, v))
    return out


def _pairs(data, what):
    """A Content or LogTag: (key, value), both required."""
    got = {n: v for n, wt, v in fields(data) if wt == 2}
    if 1 not in got or 2 not in got:
        raise WireError("%s needs Key and Value" % what)
    return got[1], got[2]


def decode_group(buf):
    """A LogGroup as {"topic", "source", "tags", "logs": [{"time",
    "time_ns", "contents": [(k, v)]}]} (bytes values); raises WireError."""
    g = {"topic": None, "source": None, "tags": [], "logs": []}
    for num, wt, v in fields(buf):
        if num == 1 and wt == 2:
            log = {"time": None, "time_ns": None, "contents": []}
            for n2, w2, v2 in fields(v):
                if n2 == 1 and w2 == 0:
                    log["time"] = v2
                elif n2 == 2 and w2 == 2:
                    log["contents"].append(_pairs(v2, "Content"))
                elif n2 == 4 and w2 == 5:
                    log["time_ns"] = v2
            if log["time"] is None:
                raise WireError("a Log needs Time")
            g["logs"].append(log)
        elif num == 3 and wt == 2:
            g["topic"] = v
        elif num == 4 and wt == 2:
            g["source"] = v
        elif num == 6 and wt == 2:
            g["tags"].append(_pairs(v, "LogTag"))
    return g


def _put_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, data):
    return _put_varint(num << 3 | 2) + _put_varint(len(data)) + data


def encode_group(g):
    """The inverse of decode_group (str or bytes values)."""
    def b(s):
        return s.encode() if isinstance(s, str) else s

    out = bytearray()
    for log in g.get("logs", []):
        body = _put_varint(1 << 3) + _put_varint(log["time"])
        for k, v in log.get("contents", []):
            body += _field(2, _field(1, b(k)) + _field(2, b(v)))
        if log.get("time_ns") is not None:
            body += _put_varint(4 << 3 | 5) + log["time_ns"].to_bytes(4,
                                                                     "little")
        out += _field(1, body)
    if g.get("topic") is not None:
        out += _field(3, b(g["topic"]))
    if g.get("source") is not None:
        out += _field(4, b(g["source"]))
    for k, v in g.get("tags", []):
        out += _field(6, _field(1, b(k)) + _field(2, b(v)))
    return bytes(out)


def group_list(groups):
    """A LogGroupList of already encoded LogGroups."""
    return b"".join(_field(1, g) for g in groups)


def decode_list(buf):
    """The LogGroups of a LogGroupList, decoded."""
    return [decode_group(v) for n, wt, v in fields(buf) if n == 1 and wt == 2]


def lz4_decompress(src, raw_size):
    """An lz4 block that must decode to exactly raw_size bytes."""
    out = bytearray()
    i, n = 0, len(src)
    while i < n:
        token = src[i]
        i += 1
        lit = token >> 4
        if lit == 15:
            while True:
                if i >= n:
                    raise WireError("truncated lz4 literal length")
                b = src[i]
                i += 1
                lit += b
                if b != 255:
                    break
        if i + lit > n:
            raise WireError("truncated lz4 literals")
        out += src[i:i + lit]
        i += lit
        if i >= n:
            break                       # the last sequence has no match
        if i + 2 > n:
            raise WireError("truncated lz4 offset")
        off = src[i] | src[i + 1] << 8
        i += 2
        if off == 0 or off > len(out):
            raise WireError("bad lz4 offset")
        mlen = token & 15
        if mlen == 15:
            while True:
                if i >= n:
                    raise WireError("truncated lz4 match length")
                b = src[i]
                i += 1
                mlen += b
                if b != 255:
                    break
        mlen += 4
        start = len(out) - off
        for k in range(mlen):
            out.append(out[start + k])
        if len(out) > raw_size:
            raise WireError("lz4 block longer than x-log-bodyrawsize")
    if len(out) != raw_size:
        raise WireError("lz4 block decodes to %d bytes, not %d"
                        % (len(out), raw_size))
    return bytes(out)


def lz4_compress(data):
    """A valid lz4 block holding `data` as literals only: what a reader
    must accept, with none of the work of finding matches."""
    n = len(data)
    if n < 15:
        return bytes([n << 4]) + data
    out = bytearray([0xF0])
    rest = n - 15
    while rest >= 255:
        out.append(255)
        rest -= 255
    out.append(rest)
    return bytes(out) + data
