/*
 * nanos_js.c — QuickJS-ng as a nanos guest: the runtime's lifecycle.
 *
 * `nanos compile agent.ts` bundles the agent and then, inside WasmKit, calls
 *   _initialize, nanos_js_init(sdk), nanos_js_compile(bundle), nanos_js_load(bytecode)
 * and snapshots linear memory into the agent's module. At run time a fresh
 * instance of that module calls only `run`, which starts from the restored memory:
 * all state lives in linear memory (statics and the malloc heap), nothing in wasm
 * globals but the stack pointer, and nothing here calls the host before `run`
 * except WASI's clock (QuickJS seeds Math.random from it, so the seed is fixed per
 * compiled agent).
 *
 * Exports (the contract with the Swift side):
 *   nanos_js_init(sdk_ptr, sdk_len) -> 0 | -1
 *   nanos_js_compile(src_ptr, src_len, name_ptr, name_len) -> 0 | -1
 *   nanos_js_load(bytecode_ptr, bytecode_len) -> 0 | -1
 *   nanos_js_output() -> (len << 32) | ptr of the output buffer: bytecode after a
 *       compile, the error text after a -1; owned here, valid until the next call
 *   run() -> 0 | 1, the ABI v1 entry
 *   nanos_alloc(size) -> ptr (guest/c/nanos.h) and free(ptr), for the host's copies
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanos.h"
#include "nanos_js.h"

/* How deep JS may recurse: QuickJS throws a catchable RangeError ("Maximum call
 * stack size exceeded") once the shadow stack (1 MiB, -z stack-size) has grown
 * this much below where the current entry point started: about 1,400 plain JS
 * calls. QuickJS measures only the shadow stack, while WasmKit's interpreter
 * stack holds each wasm frame's locals; the two grow at different rates. Measured
 * per level, shadow : interpreter bytes: JS call 352 : 1,507; JSON.stringify
 * 16 : 1,196 (the worst ratio, 74x); JSON.parse 16 : 802; eval's parser
 * 160 : 7,476. So the interpreter stack must hold about 75x this limit (38 MiB
 * for 512 KiB), or deep JSON traps before QuickJS can throw: JS guests need
 * a 64 MiB interpreter stack. */
#define JS_STACK_LIMIT (512 * 1024)

/* Longest file name nanos_js_compile accepts (it only labels messages). */
#define NAME_LIMIT 4096

/* Unhandled promise rejections remembered for the report at the end of `run`. */
#define TRACKED_REJECTIONS 16

static JSRuntime *runtime;
static JSContext *context;
/* The agent's module, read from bytecode by nanos_js_load, run by `run`. */
static JSValue program = JS_UNDEFINED;

static uint8_t *output_data;
static size_t output_len;

static struct {
    JSValue promise, reason;
} rejections[TRACKED_REJECTIONS];
static int rejection_count;
static int rejections_untracked;

/* ---------------------------------------------------------------------------
 * The output buffer
 * ------------------------------------------------------------------------- */

static void output_clear(void) {
    free(output_data);
    output_data = NULL;
    output_len = 0;
}

static void output_set(const void *data, size_t len) {
    output_clear();
    output_data = malloc(len + 1);
    if (!output_data) return; /* an empty output still says "failed" through the status */
    memcpy(output_data, data, len);
    output_data[len] = 0;
    output_len = len;
}

/* Sets the output to a formatted one-line message and returns -1. */
__attribute__((format(printf, 1, 2))) static int fail(const char *format, ...) {
    char message[1024];
    va_list args;
    va_start(args, format);
    int len = vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (len < 0) len = 0;
    output_set(message, (size_t)len < sizeof message ? (size_t)len : sizeof message - 1);
    return -1;
}

/* Sets the output to "<what>: <the pending exception, described by the SDK>",
 * stack included, and returns -1. */
static int fail_with_exception(JSContext *ctx, const char *what) {
    JSValue exception = JS_GetException(ctx);
    size_t len = 0;
    char *text = nanos_js_describe(ctx, exception, &len);
    JS_FreeValue(ctx, exception);
    size_t what_len = strlen(what);
    char *whole = text ? malloc(what_len + 2 + len) : NULL;
    if (!whole) {
        free(text);
        return fail("%s: (no memory to describe the error)", what);
    }
    memcpy(whole, what, what_len);
    memcpy(whole + what_len, ": ", 2);
    memcpy(whole + what_len + 2, text, len);
    output_set(whole, what_len + 2 + len);
    free(whole);
    free(text);
    return -1;
}

__attribute__((export_name("nanos_js_output"))) int64_t nanos_js_output(void) {
    return (int64_t)((uint64_t)output_len << 32 | (uint32_t)(uintptr_t)output_data);
}

/* The host copies its inputs into memory from nanos_alloc; it hands them back here. */
__attribute__((export_name("free"))) void nanos_js_free(void *pointer) { free(pointer); }

/* ---------------------------------------------------------------------------
 * Inputs from the host
 * ------------------------------------------------------------------------- */

/* A NUL-terminated copy of a guest range (QuickJS's parser needs the NUL), or
 * NULL with the output set. The range is checked against the memory's size, so a
 * bad one is an error instead of a trap. */
static char *copy_input(const char *call, const char *what, int32_t ptr, int32_t len) {
    uint64_t memory_bytes = (uint64_t)__builtin_wasm_memory_size(0) * 65536;
    if (len < 0 || (uint64_t)(uint32_t)ptr + (uint32_t)len > memory_bytes) {
        fail("%s: %s (%d bytes at %u) is outside the guest memory", call, what, len, (uint32_t)ptr);
        return NULL;
    }
    char *copy = malloc((size_t)len + 1);
    if (!copy) {
        fail("%s: no memory for a copy of %s (%d bytes)", call, what, len);
        return NULL;
    }
    if (len) memcpy(copy, (const void *)(uintptr_t)ptr, (size_t)len);
    copy[len] = 0;
    return copy;
}

/* ---------------------------------------------------------------------------
 * Module resolution: the SDK is the only module an agent can import. esbuild
 * bundles everything else into the agent.
 * ------------------------------------------------------------------------- */

static bool ends_with(const char *text, const char *suffix) {
    size_t text_len = strlen(text), suffix_len = strlen(suffix);
    return text_len >= suffix_len && memcmp(text + text_len - suffix_len, suffix, suffix_len) == 0;
}

static bool is_sdk_specifier(const char *specifier) {
    return strcmp(specifier, NANOS_JS_SDK_MODULE) == 0 || strcmp(specifier, "@nanos/sdk") == 0 ||
           strcmp(specifier, "nanos-sdk/index.js") == 0 || ends_with(specifier, "/nanos-sdk/index.js");
}

static char *normalize_specifier(JSContext *ctx, const char *base, const char *specifier, void *opaque) {
    if (is_sdk_specifier(specifier)) return js_strdup(ctx, NANOS_JS_SDK_MODULE);
    JS_ThrowReferenceError(ctx,
                           "cannot import '%s': an agent can import only \"nanos\", \"@nanos/sdk\" or a path ending "
                           "in nanos-sdk/index.js; bundle other modules into the agent",
                           specifier);
    return NULL;
}

/* Called only for "nanos" in a context where the SDK was not evaluated: the
 * compiling context. Compiling resolves imports but does not link them, so an
 * empty module stands in for the SDK there; whether the imported names exist is
 * checked when `run` links the agent against the real SDK. */
static JSModuleDef *load_module(JSContext *ctx, const char *name, void *opaque) {
    if (ctx == context || strcmp(name, NANOS_JS_SDK_MODULE) != 0) {
        JS_ThrowReferenceError(ctx, "module '%s' is not available", name);
        return NULL;
    }
    return JS_NewCModule(ctx, NANOS_JS_SDK_MODULE, NULL);
}

/* ---------------------------------------------------------------------------
 * Promises: remember rejections nobody handled, like node's "unhandled
 * rejection", so that `run` fails instead of ending quietly.
 * ------------------------------------------------------------------------- */

static void track_rejection(JSContext *ctx, JSValueConst promise, JSValueConst reason, bool is_handled,
                            void *opaque) {
    if (ctx != context) return;
    if (!is_handled) {
        if (rejection_count == TRACKED_REJECTIONS) {
            rejections_untracked++;
            return;
        }
        rejections[rejection_count].promise = JS_DupValue(ctx, promise);
        rejections[rejection_count].reason = JS_DupValue(ctx, reason);
        rejection_count++;
        return;
    }
    for (int i = 0; i < rejection_count; i++) {
        if (JS_VALUE_GET_PTR(rejections[i].promise) != JS_VALUE_GET_PTR(promise)) continue;
        JS_FreeValue(ctx, rejections[i].promise);
        JS_FreeValue(ctx, rejections[i].reason);
        rejections[i] = rejections[--rejection_count];
        return;
    }
}

/* Logs "<prefix><description of value>" at level error. */
static void log_uncaught(const char *prefix, JSValueConst value) {
    size_t len = 0;
    char *text = nanos_js_describe(context, value, &len);
    size_t prefix_len = strlen(prefix);
    char *line = text ? malloc(prefix_len + len) : NULL;
    if (line) {
        memcpy(line, prefix, prefix_len);
        memcpy(line + prefix_len, text, len);
        nanos_js_log_text(NANOS_LOG_ERROR, line, prefix_len + len);
    } else {
        nanos_js_log_text(NANOS_LOG_ERROR, prefix, prefix_len);
    }
    free(line);
    free(text);
}

static void log_pending_exception(JSContext *ctx) {
    JSValue exception = JS_GetException(ctx);
    log_uncaught("Uncaught ", exception);
    JS_FreeValue(ctx, exception);
}

/* Runs promise jobs until none is left. Returns 0, or -1 with the exception a
 * job threw pending in *failed. */
static int run_pending_jobs(JSContext **failed) {
    for (;;) {
        JSContext *job_context = NULL;
        int status = JS_ExecutePendingJob(runtime, &job_context);
        if (status == 0) return 0;
        if (status < 0) {
            *failed = job_context ? job_context : context;
            return -1;
        }
    }
}

/* ---------------------------------------------------------------------------
 * Exports
 * ------------------------------------------------------------------------- */

__attribute__((export_name("nanos_js_init"))) int32_t nanos_js_init(int32_t sdk_ptr, int32_t sdk_len) {
    output_clear();
    if (runtime) return fail("nanos_js_init: the runtime is already initialised");
    char *sdk = copy_input("nanos_js_init", "the SDK source", sdk_ptr, sdk_len);
    if (!sdk) return -1;

    runtime = JS_NewRuntime();
    if (!runtime) {
        free(sdk);
        return fail("nanos_js_init: no memory for the JS runtime");
    }
    JS_SetMaxStackSize(runtime, JS_STACK_LIMIT);
    JS_SetModuleLoaderFunc(runtime, normalize_specifier, load_module, NULL);
    JS_SetHostPromiseRejectionTracker(runtime, track_rejection, NULL);
    context = JS_NewContext(runtime);
    if (!context) {
        free(sdk);
        return fail("nanos_js_init: no memory for the JS context");
    }
    if (nanos_js_install_sys(context)) {
        free(sdk);
        return fail_with_exception(context, "nanos_js_init: installing the native bindings");
    }

    JSValue module = JS_Eval(context, sdk, (size_t)sdk_len, NANOS_JS_SDK_MODULE,
                             JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    free(sdk);
    if (JS_IsException(module)) return fail_with_exception(context, "nanos_js_init: compiling the SDK");
    JSValue evaluated = JS_EvalFunction(context, module);
    if (JS_IsException(evaluated)) return fail_with_exception(context, "nanos_js_init: evaluating the SDK");
    JSContext *failed = NULL;
    if (run_pending_jobs(&failed)) {
        JS_FreeValue(context, evaluated);
        return fail_with_exception(failed, "nanos_js_init: evaluating the SDK");
    }
    JSPromiseStateEnum state = JS_PromiseState(context, evaluated);
    if (state == JS_PROMISE_REJECTED) {
        JSValue reason = JS_PromiseResult(context, evaluated);
        JS_FreeValue(context, evaluated);
        JS_Throw(context, reason);
        return fail_with_exception(context, "nanos_js_init: evaluating the SDK");
    }
    JS_FreeValue(context, evaluated);
    if (state != JS_PROMISE_FULFILLED)
        return fail("nanos_js_init: the SDK did not finish evaluating (state %d)", (int)state);
    JSValue global = JS_GetGlobalObject(context);
    JSAtom sys_atom = JS_NewAtom(context, NANOS_JS_SYS_GLOBAL);
    bool bindings_left = JS_HasProperty(context, global, sys_atom) != 0;
    JS_FreeAtom(context, sys_atom);
    JS_FreeValue(context, global);
    if (bindings_left)
        return fail("nanos_js_init: the SDK left globalThis.%s in place; it must take and delete it",
                    NANOS_JS_SYS_GLOBAL);
    return 0;
}

/* Formats a compile error as one line: "name:line:col: SyntaxError: message".
 * QuickJS's parser puts the position as the first line of the error's stack
 * ("    at name:line:col"). */
static int fail_compile(JSContext *ctx, const char *name) {
    JSValue exception = JS_GetException(ctx);
    const char *message = JS_ToCString(ctx, exception);
    JSValue stack = JS_IsError(exception) ? JS_GetPropertyStr(ctx, exception, "stack") : JS_UNDEFINED;
    const char *stack_text = JS_IsString(stack) ? JS_ToCString(ctx, stack) : NULL;

    char location[NAME_LIMIT + 32];
    snprintf(location, sizeof location, "%s", name);
    static const char frame_prefix[] = "    at ";
    size_t name_len = strlen(name);
    if (stack_text && strncmp(stack_text, frame_prefix, sizeof frame_prefix - 1) == 0) {
        const char *frame = stack_text + sizeof frame_prefix - 1;
        size_t frame_len = strcspn(frame, "\n");
        if (frame_len > name_len && frame_len < sizeof location && strncmp(frame, name, name_len) == 0 &&
            frame[name_len] == ':')
            snprintf(location, sizeof location, "%.*s", (int)frame_len, frame);
    }

    size_t line_len = strlen(location) + 2 + (message ? strlen(message) : 0);
    char *line = malloc(line_len + 1);
    if (line) {
        snprintf(line, line_len + 1, "%s: %s", location, message ? message : "compiling failed");
        for (char *c = line; *c; c++)
            if (*c == '\n' || *c == '\r') *c = ' ';
        output_set(line, strlen(line));
        free(line);
    } else {
        output_clear();
    }
    JS_FreeCString(ctx, stack_text);
    JS_FreeValue(ctx, stack);
    JS_FreeCString(ctx, message);
    JS_FreeValue(ctx, exception);
    return -1;
}

__attribute__((export_name("nanos_js_compile"))) int32_t nanos_js_compile(int32_t src_ptr, int32_t src_len,
                                                                           int32_t name_ptr, int32_t name_len) {
    output_clear();
    if (!context) return fail("nanos_js_compile: call nanos_js_init first");
    if (name_len > NAME_LIMIT)
        return fail("nanos_js_compile: the file name is %d bytes, at most %d", name_len, NAME_LIMIT);
    char *name = copy_input("nanos_js_compile", "the file name", name_ptr, name_len);
    if (!name) return -1;
    char *source = copy_input("nanos_js_compile", "the source", src_ptr, src_len);
    if (!source) {
        free(name);
        return -1;
    }

    /* A context of its own, freed afterwards: a compiled module cannot be freed on
     * its own, and the agent's context keeps only what nanos_js_load reads back. */
    JS_UpdateStackTop(runtime);
    JSContext *compile_context = JS_NewContext(runtime);
    int status = 0;
    if (!compile_context) {
        status = fail("nanos_js_compile: no memory for a compiling context");
    } else {
        JSValue module = JS_Eval(compile_context, source, (size_t)src_len, name,
                                 JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
        if (JS_IsException(module)) {
            status = fail_compile(compile_context, name);
        } else {
            size_t size = 0;
            uint8_t *bytecode = JS_WriteObject(compile_context, &size, module, JS_WRITE_OBJ_BYTECODE);
            if (!bytecode) {
                status = fail_with_exception(compile_context, "nanos_js_compile: writing the bytecode");
            } else {
                output_set(bytecode, size);
                js_free(compile_context, bytecode);
                if (!output_data) status = fail("nanos_js_compile: no memory for %zu bytes of bytecode", size);
            }
        }
        JS_FreeContext(compile_context);
        JS_RunGC(runtime);
    }
    free(source);
    free(name);
    return status;
}

__attribute__((export_name("nanos_js_load"))) int32_t nanos_js_load(int32_t ptr, int32_t len) {
    if (!context) return fail("nanos_js_load: call nanos_js_init first");
    if (!JS_IsUndefined(program)) return fail("nanos_js_load: an agent is already loaded");
    char *bytecode = copy_input("nanos_js_load", "the bytecode", ptr, len);
    if (!bytecode) return -1;
    output_clear();
    JS_UpdateStackTop(runtime);
    JSValue module = JS_ReadObject(context, (const uint8_t *)bytecode, (size_t)len, JS_READ_OBJ_BYTECODE);
    free(bytecode);
    if (JS_IsException(module)) return fail_with_exception(context, "nanos_js_load: reading the bytecode");
    if (JS_VALUE_GET_TAG(module) != JS_TAG_MODULE) {
        JS_FreeValue(context, module);
        return fail("nanos_js_load: the bytecode is not a module; it must come from nanos_js_compile");
    }
    if (JS_ResolveModule(context, module) < 0)
        return fail_with_exception(context, "nanos_js_load: resolving the agent's imports");
    program = module;
    JS_RunGC(runtime);
    return 0;
}

#ifdef NANOS_JS_SELFTEST
/* Self-test build: `run` first does what `nanos compile` does at compile time,
 * with the SDK and an agent embedded by a generated header that defines
 * nanos_js_selftest_sdk[], nanos_js_selftest_agent[] (unsigned char) and
 * nanos_js_selftest_sdk_len, nanos_js_selftest_agent_len (unsigned int), as
 * `xxd -i -n NAME` writes them. */
#include "nanos_js_selftest.h"

static int selftest_step(const char *what, int32_t status) {
    if (status == 0) return 0;
    char line[160];
    int len = snprintf(line, sizeof line, "selftest: %s failed: ", what);
    nanos_js_log_text(NANOS_LOG_ERROR, line, (size_t)len);
    nanos_js_log_text(NANOS_LOG_ERROR, (const char *)output_data, output_len);
    return -1;
}

static int selftest_prepare(void) {
    static const char name[] = "selftest.js";
    if (selftest_step("nanos_js_init", nanos_js_init((int32_t)(uintptr_t)nanos_js_selftest_sdk,
                                                     (int32_t)nanos_js_selftest_sdk_len)) ||
        selftest_step("nanos_js_compile",
                      nanos_js_compile((int32_t)(uintptr_t)nanos_js_selftest_agent,
                                       (int32_t)nanos_js_selftest_agent_len, (int32_t)(uintptr_t)name,
                                       (int32_t)(sizeof name - 1))))
        return -1;
    size_t size = output_len;
    uint8_t *bytecode = malloc(size);
    if (!bytecode) return -1;
    memcpy(bytecode, output_data, size);
    int status = selftest_step("nanos_js_load", nanos_js_load((int32_t)(uintptr_t)bytecode, (int32_t)size));
    free(bytecode);
    return status;
}
#endif

/* Runs the loaded agent: its top-level code, then every promise job. 0 when the
 * module's evaluation fulfilled and no rejection went unhandled; otherwise the
 * error is logged (level error, with its stack) and the result is 1.
 * process.exit and agent.done end the run from inside and never come back here. */
NANOS_ENTRY int run(void) {
#ifdef NANOS_JS_SELFTEST
    if (selftest_prepare()) return 1;
#endif
    if (!context || JS_IsUndefined(program)) {
        static const char message[] = "run: no agent is loaded; build the agent with `nanos compile`";
        nanos_js_log_text(NANOS_LOG_ERROR, message, sizeof message - 1);
        return 1;
    }
    JS_UpdateStackTop(runtime);
    JSValue module = program;
    program = JS_UNDEFINED;
    JSValue evaluated = JS_EvalFunction(context, module);
    if (JS_IsException(evaluated)) {
        log_pending_exception(context);
        return 1;
    }
    JSContext *failed_job = NULL;
    if (run_pending_jobs(&failed_job)) {
        log_pending_exception(failed_job);
        JS_FreeValue(context, evaluated);
        return 1;
    }

    int failed = 0;
    switch (JS_PromiseState(context, evaluated)) {
    case JS_PROMISE_FULFILLED:
        break;
    case JS_PROMISE_REJECTED: {
        JSValue reason = JS_PromiseResult(context, evaluated);
        log_uncaught("Uncaught ", reason);
        JS_FreeValue(context, reason);
        failed = 1;
        break;
    }
    case JS_PROMISE_PENDING: {
        static const char message[] =
            "the agent's top-level code is still awaiting a promise that can never settle (nothing is left to run)";
        nanos_js_log_text(NANOS_LOG_ERROR, message, sizeof message - 1);
        failed = 1;
        break;
    }
    default:
        failed = 1; /* not a promise: cannot happen for a module */
        break;
    }
    for (int i = 0; i < rejection_count; i++) {
        if (JS_VALUE_GET_PTR(rejections[i].promise) != JS_VALUE_GET_PTR(evaluated)) {
            log_uncaught("Uncaught (in promise) ", rejections[i].reason);
            failed = 1;
        }
        JS_FreeValue(context, rejections[i].promise);
        JS_FreeValue(context, rejections[i].reason);
    }
    rejection_count = 0;
    if (rejections_untracked) {
        char message[96];
        int len = snprintf(message, sizeof message, "and %d more unhandled promise rejections", rejections_untracked);
        nanos_js_log_text(NANOS_LOG_ERROR, message, (size_t)len);
        failed = 1;
    }
    JS_FreeValue(context, evaluated);
    return failed;
}
