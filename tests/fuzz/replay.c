/*
 * A main() for the libFuzzer targets, so that each one also runs in the
 * normal test build with any compiler: it feeds the target the empty
 * input, every single byte, then each file named on the command line as a
 * whole and line by line. A target reports a failure by aborting, so the
 * test passes when this returns. The fuzzing proper needs clang and
 * -DSLSH_FUZZ=ON (tests/fuzz/CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run the target on a copy of `n` bytes, in its own allocation as
 * libFuzzer does, so that ASan sees any read past the end. */
static void replay_one(const char *p, size_t n)
{
  uint8_t *copy = calloc(1, n ? n : 1);

  if(!copy) {
    fprintf(stderr, "replay: out of memory\n");
    exit(1);
  }
  memcpy(copy, p, n);
  LLVMFuzzerTestOneInput(copy, n);
  free(copy);
}

/* The whole of `path`, then each of its lines (without the newline). */
static int replay_file(const char *path, size_t *runs)
{
  FILE *f = fopen(path, "rb");
  char *text = NULL, *line, *nl;
  size_t len = 0, cap = 0, got;

  if(!f) {
    perror(path);
    return -1;
  }
  do {
    if(cap - len < 4096) {
      char *bigger = realloc(text, cap + 65536);

      if(!bigger) {
        fclose(f);
        free(text);
        fprintf(stderr, "replay: out of memory\n");
        return -1;
      }
      text = bigger;
      cap += 65536;
    }
    got = fread(text + len, 1, cap - len, f);
    len += got;
  } while(got);
  fclose(f);
  replay_one(text, len);
  (*runs)++;
  for(line = text; line < text + len; line = nl + 1) {
    nl = memchr(line, '\n', (size_t)(text + len - line));
    if(!nl)
      nl = text + len;
    replay_one(line, (size_t)(nl - line));
    (*runs)++;
  }
  free(text);
  return 0;
}

int main(int argc, char **argv)
{
  size_t runs = 0;
  int i;
  char b;

  replay_one("", 0);
  for(i = 0; i < 256; i++) {
    b = (char)i;
    replay_one(&b, 1);
  }
  runs += 257;
  for(i = 1; i < argc; i++)
    if(replay_file(argv[i], &runs))
      return 1;
  printf("replay: %zu inputs, no failure\n", runs);
  return 0;
}
