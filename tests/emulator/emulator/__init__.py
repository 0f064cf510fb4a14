"""A local, strict fake of Alibaba Cloud SLS, RAM, KMS and STS for slsh tests.

One HTTP port serves every service and routes by the Host header.  The
modules are split by concern:

  clock       the emulator's notion of "now" and the time formats it speaks
  wire        Request / Response values and query-string decoding
  hosts       Host header -> service, region and project
  signing     pure canonicalisation and HMAC code for the four algorithms
  auth        who is calling: keys, tokens, clock window, nonces
  state       the cloud's state (accounts, projects, roles, keys) as JSON
  faults      injected latency, errors, drops and throttling
  sls         the Simple Log Service REST API
  encryption  the encrypt_conf rules of SLS
  rpc         the common RPC envelope of RAM, KMS and STS
  ram kms sts one module per RPC product
  metadata    ECS instance metadata and the credentials URI
  control     /__emulator/ endpoints
  app         the request pipeline tying the above together
  server      the threaded HTTP(S) server
  tls         the CA and server certificate made with openssl
  main        the command line
  estate      make-estate, a generator of large test states
"""
