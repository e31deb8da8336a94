/*
 * nanos_js.h — what the two halves of the JS runtime share: the lifecycle
 * (nanos_js.c: init, compile, load, run) and the native bindings the SDK uses
 * (nanos_js_sys.c: the hidden __nanos_sys object).
 */
#ifndef NANOS_JS_H
#define NANOS_JS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quickjs.h"

/* The name the SDK module is registered under. The imports "nanos", "@nanos/sdk"
 * and any path ending in "nanos-sdk/index.js" all resolve to it. */
#define NANOS_JS_SDK_MODULE "nanos"

/* The global the bindings are installed as. The SDK takes it and deletes it before
 * any agent code runs, so agents reach the host only through the SDK. */
#define NANOS_JS_SYS_GLOBAL "__nanos_sys"

/* Installs globalThis.__nanos_sys. Returns 0, or -1 with an exception pending. */
int nanos_js_install_sys(JSContext *ctx);

/* The SDK's description of a thrown value ("NanosError: ...\n    at ..."), as a
 * malloc'd UTF-8 string the caller frees; falls back to String(value) before the
 * SDK has registered its hooks. NULL only when out of memory. */
char *nanos_js_describe(JSContext *ctx, JSValueConst value, size_t *len);

/* Records a message at `level` (0 debug ... 3 error) through agent_log, cut to the
 * host's 64 KiB cap at a character boundary. Returns 0 or -errno. */
int nanos_js_log_text(int level, const char *text, size_t len);

#endif /* NANOS_JS_H */
