/*
 * libFuzzer target: SLS signature V1, hmac-sha1 and hmac-sha256
 * (slsh_sign_sls_v1), on split input; the input format and the
 * properties checked are in fuzz_sign.h.
 *   build-fuzz/tests/fuzz/fuzz_sign_sls_v1 -max_total_time=60
 */
#include "fuzz_sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_http(data, size, slsh_sign_sls_v1, 0);
  return 0;
}
