"""The emulator's clock and the time formats the cloud APIs use."""

import calendar
import re
import threading
import time

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# RFC 1123 as SLS expects it: English names only, GMT, day of one or two
# digits (the Go SDK's own test vector writes "Mon, 3 Jan 2010").
_HTTP_DATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
    r"(\d{2}):(\d{2}):(\d{2}) GMT$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
_ISO_LOOSE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?"
    r"(Z|[+-]\d{2}:?\d{2})?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")


class Clock:
    """A clock that is the real one shifted by an offset, or a fixed instant
    shifted by that offset (for replaying recorded requests).  The offset can
    change at run time, which is how tests make credentials expire."""

    def __init__(self, fixed=None, offset=0.0):
        self._fixed = fixed
        self._offset = float(offset)
        self._lock = threading.Lock()

    # The emulator's "now" in epoch seconds.
    def now(self):
        with self._lock:
            base = self._fixed if self._fixed is not None else time.time()
            return base + self._offset

    # Moves the clock to be `seconds` away from its base.
    def set_offset(self, seconds):
        with self._lock:
            self._offset = float(seconds)

    # The current offset, for the control endpoint's answer.
    def offset(self):
        with self._lock:
            return self._offset


def _epoch(y, mo, d, h, mi, s):
    """Converts UTC calendar fields to epoch seconds, refusing impossible
    dates (time.gmtime round trip) rather than normalising them."""
    t = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    if tuple(time.gmtime(t)[:6]) != (y, mo, d, h, mi, s):
        raise ValueError("impossible date")
    return t


def http_date(t):
    """Formats epoch seconds as the RFC 1123 date of HTTP and SLS V1."""
    g = time.gmtime(t)
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _DAYS[g.tm_wday], g.tm_mday, _MONTHS[g.tm_mon - 1], g.tm_year,
        g.tm_hour, g.tm_min, g.tm_sec)


def parse_http_date(s):
    """Parses an SLS V1 Date header; raises ValueError unless it is RFC 1123
    with English names in GMT.  The weekday is not checked against the date
    because published SDK vectors carry a wrong one."""
    m = _HTTP_DATE.match(s)
    if not m:
        raise ValueError("not an RFC 1123 date: %r" % s)
    mon = _MONTHS.index(m.group(3)) + 1
    return _epoch(int(m.group(4)), mon, int(m.group(2)), int(m.group(5)),
                  int(m.group(6)), int(m.group(7)))


def iso8601(t):
    """Formats epoch seconds as yyyy-MM-ddTHH:mm:ssZ (RPC Timestamp, STS
    Expiration, RAM and KMS dates)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso8601_strict(s):
    """Parses exactly yyyy-MM-ddTHH:mm:ssZ, the only form the RPC gateway
    takes for Timestamp and x-acs-date."""
    m = _ISO.match(s)
    if not m:
        raise ValueError("not yyyy-MM-ddTHH:mm:ssZ: %r" % s)
    return _epoch(*(int(g) for g in m.groups()))


def parse_iso8601(s):
    """Parses the ISO 8601 forms a human puts in a state file or on the
    command line (optional fraction, Z or +hh:mm offset, naive = UTC)."""
    m = _ISO_LOOSE.match(s.strip())
    if not m:
        raise ValueError("not an ISO 8601 date: %r" % s)
    t = _epoch(*(int(g) for g in m.groups()[:6]))
    tz = m.group(7)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        t -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return t


def parse_compact_date(s):
    """Parses an SLS V4 x-log-date (YYYYMMDDTHHMMSSZ)."""
    m = _COMPACT.match(s)
    if not m:
        raise ValueError("not YYYYMMDDTHHMMSSZ: %r" % s)
    return _epoch(*(int(g) for g in m.groups()))
