/*
 * JSON that loses nothing (docs/design.md, JSON fidelity).
 *
 * slsh updates logstores by GET, merge, PUT of the complete document, so a
 * document read from a cloud API must come back out byte for byte: key
 * order, 64-bit integers, integer versus float, empty array versus empty
 * object, strings with NUL bytes and raw UTF-8. The parser builds a jansson
 * tree (jansson keeps object keys in insertion order); the dumper writes it
 * back in one canonical form:
 *
 *   - compact (no whitespace) or pretty (2-space indent, "key": value);
 *   - keys in the tree's order, or sorted bytewise (SLSH_JSON_SORT_KEYS);
 *   - integers as 64-bit decimal integers;
 *   - floats as the shortest text that reads back to the same double, with
 *     ".0" added when that text would look like an integer, the exponent
 *     without '+' or leading zeros (0.1, 1.0, -0.0, 1e-300, 1.5e300);
 *   - strings: '"' and '\' escaped, \b \f \n \r \t, other control
 *     characters as \u00XX (lower-case hex), everything else raw: '/' is
 *     not escaped and non-ASCII UTF-8 is written as its own bytes.
 *
 * Parsing is strict RFC 8259 plus limits, and refuses instead of guessing:
 * duplicate object keys, invalid UTF-8, lone surrogates and numbers that a
 * 64-bit integer or a double cannot hold exactly in range (1e400, 1e-400,
 * 9223372036854775808) are errors. Every error says what was expected and
 * the 0-based byte offset where the text went wrong.
 */
#ifndef SLSH_JSON_H
#define SLSH_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "slsh/buf.h"
#include "slsh/err.h"

#define SLSH_JSON_DEFAULT_DEPTH 512   /* nesting limit when none is given */
#define SLSH_JSON_MAX_DEPTH 4096      /* the largest limit one may ask for */
#define SLSH_JSON_DEFAULT_SIZE ((size_t)64 * 1024 * 1024)

#define SLSH_JSON_PRETTY 0x1          /* dump: newlines, 2-space indent */
#define SLSH_JSON_SORT_KEYS 0x2       /* dump: object keys sorted bytewise */

/* Enough for any double formatted by slsh_json_format_real. */
#define SLSH_JSON_REAL_BUFSIZE 40

struct slsh_json_opts {
  size_t max_depth;   /* nesting limit; 0 = SLSH_JSON_DEFAULT_DEPTH */
  size_t max_size;    /* parse: text limit in bytes; dumps: output limit;
                         0 = SLSH_JSON_DEFAULT_SIZE */
  unsigned flags;     /* dump only: SLSH_JSON_PRETTY | SLSH_JSON_SORT_KEYS */
};

/* Parse `len` bytes of `text` (no terminator needed) into a new jansson
 * value that the caller owns; any JSON value may be at the top. `opts` may
 * be NULL. On failure returns NULL, fills `err` (codes json_syntax,
 * json_range, json_too_deep, too_large, out_of_memory, invalid_argument)
 * and stores the byte offset of the problem in `*erroff` (may be NULL). */
json_t *slsh_json_parse(const char *text, size_t len,
                        const struct slsh_json_opts *opts,
                        struct slsh_err *err, size_t *erroff);

/* Append the canonical text of `json` to `out` (whose own cap bounds the
 * output). Returns 0, or -1 with `err` set: json_type (NaN or infinity,
 * invalid UTF-8 in a tree built without checks), json_too_deep, too_large,
 * out_of_memory. On failure `out` holds a partial text. */
int slsh_json_dump(struct slsh_buf *out, const json_t *json,
                   const struct slsh_json_opts *opts, struct slsh_err *err);

/* The same into a new NUL-terminated string (free() it), of at most
 * opts->max_size bytes; its length goes to `*len` (may be NULL). */
char *slsh_json_dumps(const json_t *json, const struct slsh_json_opts *opts,
                      size_t *len, struct slsh_err *err);

/* Format a finite double the way the dumper does into `buf` (at least
 * SLSH_JSON_REAL_BUFSIZE bytes). Returns the length, or -1 for NaN and
 * infinities. */
int slsh_json_format_real(char *buf, double d);

#endif
