/*
 * nanos_js_sys.c — the native bindings behind the JS SDK (guest/js/nanos.js).
 *
 * They live on a hidden global, __nanos_sys, that the SDK takes and deletes while
 * it is evaluated, before any agent code runs. Each binding is one ABI v1 call
 * (guest/c/nanos.h): strings go to the host as UTF-8 and come back decoded from
 * UTF-8, every buffer the host placed through nanos_alloc is freed here, and a
 * failed call throws the SDK's NanosError, built by the hook the SDK registers,
 * carrying the host's last_error text. Argument checking with friendly messages is
 * the SDK's job; the checks here only keep the C side safe whatever it is given.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#include "nanos.h"
#include "nanos_js.h"

/* The host's cap on a log message (docs/abi.md, "Size caps"). */
#define LOG_LIMIT (64 * 1024)
static const char LOG_CUT_MARKER[] = "... [cut at 64 KiB]";

/* Registered once by the SDK through __nanos_sys.hooks(makeError, describe).
 * They live in linear memory like the rest of the runtime's state, so they
 * survive the compile-time snapshot. */
static JSValue make_error_hook = JS_UNDEFINED;
static JSValue describe_hook = JS_UNDEFINED;

/* Throws NanosError(errno, code, message, call) for a failure detected here or by
 * the host. `err` is negative (-NANOS_EPERM...). */
static JSValue throw_nanos_error(JSContext *ctx, const char *call, int err, const char *message, size_t len) {
    if (JS_IsUndefined(make_error_hook))
        return JS_ThrowInternalError(ctx, "%s failed (%s: %.*s) before the SDK was loaded", call,
                                     nanos_errno_name(err), (int)len, message);
    JSValue args[4] = {
        JS_NewInt32(ctx, err < 0 ? -err : err),
        JS_NewString(ctx, nanos_errno_name(err)),
        JS_NewStringLen(ctx, message, len),
        JS_NewString(ctx, call),
    };
    JSValue error = JS_Call(ctx, make_error_hook, JS_UNDEFINED, 4, args);
    for (int i = 0; i < 4; i++) JS_FreeValue(ctx, args[i]);
    if (JS_IsException(error)) return error;
    return JS_Throw(ctx, error);
}

/* Throws for a failed host call, with the host's explanation (last_error). */
static JSValue throw_host_error(JSContext *ctx, const char *call, int err) {
    nanos_buf why = nanos_last_error();
    JSValue thrown;
    if (why.data)
        thrown = throw_nanos_error(ctx, call, err, why.data, why.len);
    else
        thrown = throw_nanos_error(ctx, call, err, nanos_strerror(err), strlen(nanos_strerror(err)));
    nanos_buf_free(&why);
    return thrown;
}

/* Converts the result of a data-returning call to a JS string (UTF-8 decoded). */
static JSValue host_text(JSContext *ctx, const char *call, int64_t result) {
    nanos_buf buf;
    int err = nanos_take(result, &buf);
    if (err) return throw_host_error(ctx, call, err);
    JSValue text = JS_NewStringLen(ctx, buf.data ? buf.data : "", buf.len);
    nanos_buf_free(&buf);
    return text;
}

/* Bytes handed to the host: a string's UTF-8 or a Uint8Array's contents. */
typedef struct {
    const uint8_t *data;
    size_t len;
    const char *owned_text; /* JS_ToCStringLen result to free, or NULL */
    uint8_t *owned_copy;    /* malloc'd repaired copy to free, or NULL */
} host_bytes;

static void host_bytes_free(JSContext *ctx, host_bytes *bytes) {
    if (bytes->owned_text) JS_FreeCString(ctx, bytes->owned_text);
    free(bytes->owned_copy);
    bytes->owned_text = NULL;
    bytes->owned_copy = NULL;
}

/* QuickJS encodes a lone surrogate (half of a broken pair, e.g. "\uD800") as the
 * three bytes ED A0..BF xx, which is not UTF-8. The host gets U+FFFD (EF BF BD,
 * also three bytes) instead, as TextEncoder does. Returns 0, or -1 when out of
 * memory. Valid pairs arrive already joined as four-byte sequences. */
static int repair_lone_surrogates(host_bytes *bytes) {
    for (size_t i = 0; i + 2 < bytes->len; i++) {
        if (bytes->data[i] != 0xED || bytes->data[i + 1] < 0xA0) continue;
        if (!bytes->owned_copy) {
            bytes->owned_copy = malloc(bytes->len);
            if (!bytes->owned_copy) return -1;
            memcpy(bytes->owned_copy, bytes->data, bytes->len);
            bytes->data = bytes->owned_copy;
        }
        memcpy(bytes->owned_copy + i, "\xEF\xBF\xBD", 3);
        i += 2;
    }
    return 0;
}

/* Fills *out from a string (any other value except a Uint8Array is converted with
 * String()). Returns 0, or -1 with an exception pending. */
static int get_host_bytes(JSContext *ctx, JSValueConst value, const char *call, const char *what,
                          bool allow_bytes, host_bytes *out) {
    memset(out, 0, sizeof *out);
    if (allow_bytes && JS_GetTypedArrayType(value) >= 0) {
        out->data = JS_GetUint8Array(ctx, &out->len, value);
        if (!out->data && JS_HasException(ctx)) return -1;
    } else {
        out->owned_text = JS_ToCStringLen(ctx, &out->len, value);
        if (!out->owned_text) return -1;
        out->data = (const uint8_t *)out->owned_text;
        if (repair_lone_surrogates(out)) {
            host_bytes_free(ctx, out);
            JS_ThrowOutOfMemory(ctx);
            return -1;
        }
    }
    if (out->len > INT32_MAX) {
        host_bytes_free(ctx, out);
        static const char too_big[] = "is over the 2 GiB a single call can pass";
        char message[96];
        size_t len = (size_t)snprintf(message, sizeof message, "%s %s", what, too_big);
        throw_nanos_error(ctx, call, -NANOS_E2BIG, message, len < sizeof message ? len : sizeof message - 1);
        return -1;
    }
    return 0;
}

/* A string argument (UTF-8) for a call that takes text. */
static int get_host_text(JSContext *ctx, JSValueConst value, const char *call, const char *what, host_bytes *out) {
    return get_host_bytes(ctx, value, call, what, false, out);
}

int nanos_js_log_text(int level, const char *text, size_t len) {
    if (len <= LOG_LIMIT) return nanos_sys_agent_log(level, text, (int32_t)len);
    /* Cut before a UTF-8 continuation byte, so the message stays valid UTF-8. */
    size_t keep = LOG_LIMIT - (sizeof LOG_CUT_MARKER - 1);
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80) keep--;
    char *cut = malloc(keep + sizeof LOG_CUT_MARKER);
    if (!cut) return nanos_sys_agent_log(level, text, (int32_t)keep);
    memcpy(cut, text, keep);
    memcpy(cut + keep, LOG_CUT_MARKER, sizeof LOG_CUT_MARKER - 1);
    int err = nanos_sys_agent_log(level, cut, (int32_t)(keep + sizeof LOG_CUT_MARKER - 1));
    free(cut);
    return err;
}

char *nanos_js_describe(JSContext *ctx, JSValueConst value, size_t *len) {
    JSValue text = JS_UNDEFINED;
    if (!JS_IsUndefined(describe_hook)) {
        text = JS_Call(ctx, describe_hook, JS_UNDEFINED, 1, &value);
        if (JS_IsException(text)) JS_FreeValue(ctx, JS_GetException(ctx));
    }
    const char *utf8 = JS_ToCStringLen(ctx, len, JS_IsString(text) ? text : value);
    JS_FreeValue(ctx, text);
    if (!utf8) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        static const char unprintable[] = "(a thrown value that cannot be converted to a string)";
        *len = sizeof unprintable - 1;
        char *copy = malloc(sizeof unprintable);
        if (copy) memcpy(copy, unprintable, sizeof unprintable);
        return copy;
    }
    char *copy = malloc(*len + 1);
    if (copy) memcpy(copy, utf8, *len + 1);
    JS_FreeCString(ctx, utf8);
    return copy;
}

/* ---------------------------------------------------------------------------
 * The bindings. argc is checked by QuickJS against each function's declared
 * length only loosely (missing arguments are undefined), so every one below
 * works on undefined too.
 * ------------------------------------------------------------------------- */

/* hooks(makeError, describe): the SDK's error constructor and formatter. Once. */
static JSValue sys_hooks(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    if (!JS_IsUndefined(make_error_hook)) return JS_ThrowTypeError(ctx, "__nanos_sys.hooks: already registered");
    if (!JS_IsFunction(ctx, argv[0]) || !JS_IsFunction(ctx, argv[1]))
        return JS_ThrowTypeError(ctx, "__nanos_sys.hooks: expects (makeError, describe) functions");
    make_error_hook = JS_DupValue(ctx, argv[0]);
    describe_hook = JS_DupValue(ctx, argv[1]);
    return JS_UNDEFINED;
}

/* log(level, text, cut): cut (the console's choice) shortens text over the host's
 * 64 KiB cap instead of failing with E2BIG. */
static JSValue sys_log(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t level;
    if (JS_ToInt32(ctx, &level, argv[0])) return JS_EXCEPTION;
    if (level < NANOS_LOG_DEBUG || level > NANOS_LOG_ERROR)
        return JS_ThrowRangeError(ctx, "agent.log: level %d is not 0 (debug) to 3 (error)", level);
    bool cut = JS_ToBool(ctx, argv[2]) > 0;
    host_bytes text;
    if (get_host_text(ctx, argv[1], "agent.log", "the message", &text)) return JS_EXCEPTION;
    int err = cut ? nanos_js_log_text(level, (const char *)text.data, text.len)
                  : nanos_sys_agent_log(level, text.data, (int32_t)text.len);
    host_bytes_free(ctx, &text);
    return err ? throw_host_error(ctx, "agent.log", err) : JS_UNDEFINED;
}

/* done(summary): ends the run in the host; returns only when refused. */
static JSValue sys_done(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    host_bytes summary;
    if (get_host_text(ctx, argv[0], "agent.done", "the summary", &summary)) return JS_EXCEPTION;
    int err = nanos_sys_agent_done(summary.data, (int32_t)summary.len);
    host_bytes_free(ctx, &summary);
    return err ? throw_host_error(ctx, "agent.done", err) : JS_UNDEFINED;
}

static JSValue sys_goal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return host_text(ctx, "agent.getGoal", nanos_sys_agent_goal());
}

/* tools(): the JSON text of the granted groups; the SDK parses it. */
static JSValue sys_tools(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return host_text(ctx, "agent.getTools", nanos_sys_agent_tools());
}

/* grants(): the JSON text of the manifest's own permissions; the SDK parses it. */
static JSValue sys_grants(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return host_text(ctx, "agent.getGrants", nanos_sys_agent_grants());
}

/* peers(): the JSON text of the other agents' names; the SDK parses it. */
static JSValue sys_peers(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return host_text(ctx, "fleet.peers", nanos_sys_agent_peers());
}

/* agentSend(to, message) */
static JSValue sys_agent_send(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    host_bytes to, message;
    if (get_host_text(ctx, argv[0], "fleet.send", "the agent's name", &to)) return JS_EXCEPTION;
    if (get_host_text(ctx, argv[1], "fleet.send", "the message", &message)) {
        host_bytes_free(ctx, &to);
        return JS_EXCEPTION;
    }
    int err = nanos_sys_agent_send(to.data, (int32_t)to.len, message.data, (int32_t)message.len);
    host_bytes_free(ctx, &to);
    host_bytes_free(ctx, &message);
    return err ? throw_host_error(ctx, "fleet.send", err) : JS_UNDEFINED;
}

/* agentRecv(timeoutMs) -> the host's JSON text, or null when nothing arrived in time. */
static JSValue sys_agent_recv(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t timeout;
    if (JS_ToInt32(ctx, &timeout, argv[0])) return JS_EXCEPTION;
    int64_t result = nanos_sys_agent_recv(timeout);
    if (result == 0) return JS_NULL;
    return host_text(ctx, "fleet.recv", result);
}

/* agentBroadcast(message) -> how many agents got it */
static JSValue sys_agent_broadcast(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    host_bytes message;
    if (get_host_text(ctx, argv[0], "fleet.broadcast", "the message", &message)) return JS_EXCEPTION;
    int32_t count = nanos_sys_agent_broadcast(message.data, (int32_t)message.len);
    host_bytes_free(ctx, &message);
    return count < 0 ? throw_host_error(ctx, "fleet.broadcast", count) : JS_NewInt32(ctx, count);
}

/* Calls that take one text argument and return text: magic picks the call.
 * webFetch(request) returns the host's JSON answer, which the SDK parses. */
enum text_call { FS_READ, FS_LIST, LLM_INFER, LLM_CHAT, WEB_FETCH };
static const char *const text_call_names[] = {
    [FS_READ] = "fs.readFile", [FS_LIST] = "fs.list", [LLM_INFER] = "llm.infer", [LLM_CHAT] = "llm.chat",
    [WEB_FETCH] = "web.fetch",
};
static const char *const text_call_args[] = {
    [FS_READ] = "the path", [FS_LIST] = "the path", [LLM_INFER] = "the request", [LLM_CHAT] = "the request",
    [WEB_FETCH] = "the request",
};

static JSValue sys_text_call(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    const char *call = text_call_names[magic];
    host_bytes arg;
    if (get_host_text(ctx, argv[0], call, text_call_args[magic], &arg)) return JS_EXCEPTION;
    int64_t result = 0;
    switch ((enum text_call)magic) {
    case FS_READ: result = nanos_sys_fs_read(arg.data, (int32_t)arg.len); break;
    case FS_LIST: result = nanos_sys_fs_list(arg.data, (int32_t)arg.len); break;
    case LLM_INFER: result = nanos_sys_llm_infer(arg.data, (int32_t)arg.len); break;
    case LLM_CHAT: result = nanos_sys_llm_chat(arg.data, (int32_t)arg.len); break;
    case WEB_FETCH: result = nanos_sys_web_fetch(arg.data, (int32_t)arg.len); break;
    }
    host_bytes_free(ctx, &arg);
    return host_text(ctx, call, result);
}

/* The MCP calls: each takes the server's name and up to two more texts, and returns
 * the host's JSON text, which the SDK parses. magic picks the call. */
enum mcp_call { MCP_CALL, MCP_LIST_TOOLS, MCP_LIST_RESOURCES, MCP_READ_RESOURCE, MCP_LIST_PROMPTS, MCP_GET_PROMPT };
static const struct {
    const char *name;
    int texts; /* how many text arguments, the server's name included */
    const char *what[3];
} mcp_calls[] = {
    [MCP_CALL] = {"mcp.call", 3, {"the server", "the tool", "the arguments"}},
    [MCP_LIST_TOOLS] = {"mcp.listTools", 1, {"the server"}},
    [MCP_LIST_RESOURCES] = {"mcp.listResources", 1, {"the server"}},
    [MCP_READ_RESOURCE] = {"mcp.readResource", 2, {"the server", "the URI"}},
    [MCP_LIST_PROMPTS] = {"mcp.listPrompts", 1, {"the server"}},
    [MCP_GET_PROMPT] = {"mcp.getPrompt", 3, {"the server", "the prompt", "the arguments"}},
};

static JSValue sys_mcp(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    const char *call = mcp_calls[magic].name;
    int texts = mcp_calls[magic].texts;
    host_bytes arg[3];
    for (int i = 0; i < texts; i++) {
        if (get_host_text(ctx, i < argc ? argv[i] : JS_UNDEFINED, call, mcp_calls[magic].what[i], &arg[i])) {
            while (i-- > 0) host_bytes_free(ctx, &arg[i]);
            return JS_EXCEPTION;
        }
    }
    int64_t result = 0;
    switch ((enum mcp_call)magic) {
    case MCP_CALL:
        result = nanos_sys_mcp_call(arg[0].data, (int32_t)arg[0].len, arg[1].data, (int32_t)arg[1].len, arg[2].data,
                                    (int32_t)arg[2].len);
        break;
    case MCP_LIST_TOOLS: result = nanos_sys_mcp_list_tools(arg[0].data, (int32_t)arg[0].len); break;
    case MCP_LIST_RESOURCES: result = nanos_sys_mcp_list_resources(arg[0].data, (int32_t)arg[0].len); break;
    case MCP_READ_RESOURCE:
        result = nanos_sys_mcp_read_resource(arg[0].data, (int32_t)arg[0].len, arg[1].data, (int32_t)arg[1].len);
        break;
    case MCP_LIST_PROMPTS: result = nanos_sys_mcp_list_prompts(arg[0].data, (int32_t)arg[0].len); break;
    case MCP_GET_PROMPT:
        result = nanos_sys_mcp_get_prompt(arg[0].data, (int32_t)arg[0].len, arg[1].data, (int32_t)arg[1].len,
                                          arg[2].data, (int32_t)arg[2].len);
        break;
    }
    for (int i = 0; i < texts; i++) host_bytes_free(ctx, &arg[i]);
    return host_text(ctx, call, result);
}

/* fsWrite(path, data): data is a string (written as UTF-8) or a Uint8Array. */
static JSValue sys_fs_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    host_bytes path, data;
    if (get_host_text(ctx, argv[0], "fs.writeFile", "the path", &path)) return JS_EXCEPTION;
    if (get_host_bytes(ctx, argv[1], "fs.writeFile", "the content", true, &data)) {
        host_bytes_free(ctx, &path);
        return JS_EXCEPTION;
    }
    int err = nanos_sys_fs_write(path.data, (int32_t)path.len, data.data, (int32_t)data.len);
    host_bytes_free(ctx, &path);
    host_bytes_free(ctx, &data);
    return err ? throw_host_error(ctx, "fs.writeFile", err) : JS_UNDEFINED;
}

/* streamOpen(request) -> handle */
static JSValue sys_stream_open(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    host_bytes request;
    if (get_host_text(ctx, argv[0], "llm.stream", "the request", &request)) return JS_EXCEPTION;
    int32_t handle = nanos_sys_llm_stream_open(request.data, (int32_t)request.len);
    host_bytes_free(ctx, &request);
    return handle < 0 ? throw_host_error(ctx, "llm.stream", handle) : JS_NewInt32(ctx, handle);
}

/* streamNext(handle) -> the next piece, or null when the answer is complete. */
static JSValue sys_stream_next(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t handle;
    if (JS_ToInt32(ctx, &handle, argv[0])) return JS_EXCEPTION;
    int64_t result = nanos_sys_llm_stream_next(handle);
    if (result == 0) return JS_NULL;
    return host_text(ctx, "llm.stream", result);
}

static JSValue sys_stream_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t handle;
    if (JS_ToInt32(ctx, &handle, argv[0])) return JS_EXCEPTION;
    int err = nanos_sys_llm_stream_close(handle);
    return err ? throw_host_error(ctx, "llm.stream", err) : JS_UNDEFINED;
}

/* clockNow() -> milliseconds since the Unix epoch, with the fraction. */
static JSValue sys_clock_now(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int64_t nanoseconds = nanos_sys_clock_now();
    if (nanoseconds < 0) return throw_host_error(ctx, "clock.now", (int)nanoseconds);
    return JS_NewFloat64(ctx, (double)nanoseconds / 1e6);
}

/* randomBytes(count) -> Uint8Array. The host caps count (64 KiB), and writes the
 * bytes into a buffer of that size (random_bytes_into). */
static JSValue sys_random_bytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t count;
    if (JS_ToInt32(ctx, &count, argv[0])) return JS_EXCEPTION;
    if (count < 0) return JS_ThrowRangeError(ctx, "random.bytes: count %d is negative", count);
    uint8_t *buf = malloc(count > 0 ? (size_t)count : 1);
    if (!buf) return JS_ThrowOutOfMemory(ctx);
    int64_t written = nanos_sys_random_bytes_into(count, buf, count);
    if (written < 0) {
        free(buf);
        return throw_host_error(ctx, "random.bytes", nanos_into_error(written));
    }
    if (written != count) {
        free(buf);
        static const char short_answer[] = "the host returned a different number of bytes than asked for";
        return throw_nanos_error(ctx, "random.bytes", -NANOS_EIO, short_answer, sizeof short_answer - 1);
    }
    JSValue bytes = JS_NewUint8ArrayCopy(ctx, buf, (size_t)count);
    free(buf);
    return bytes;
}

/* exit(code): ends the run at once; the kernel reports the code (WASI proc_exit). */
static JSValue sys_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t code;
    if (JS_ToInt32(ctx, &code, argv[0])) return JS_EXCEPTION;
    __wasi_proc_exit((__wasi_exitcode_t)code);
}

static const JSCFunctionListEntry sys_functions[] = {
    JS_CFUNC_DEF("hooks", 2, sys_hooks),
    JS_CFUNC_DEF("log", 3, sys_log),
    JS_CFUNC_DEF("done", 1, sys_done),
    JS_CFUNC_DEF("goal", 0, sys_goal),
    JS_CFUNC_DEF("tools", 0, sys_tools),
    JS_CFUNC_MAGIC_DEF("fsRead", 1, sys_text_call, FS_READ),
    JS_CFUNC_MAGIC_DEF("fsList", 1, sys_text_call, FS_LIST),
    JS_CFUNC_DEF("fsWrite", 2, sys_fs_write),
    JS_CFUNC_MAGIC_DEF("llmInfer", 1, sys_text_call, LLM_INFER),
    JS_CFUNC_MAGIC_DEF("llmChat", 1, sys_text_call, LLM_CHAT),
    JS_CFUNC_MAGIC_DEF("webFetch", 1, sys_text_call, WEB_FETCH),
    JS_CFUNC_DEF("streamOpen", 1, sys_stream_open),
    JS_CFUNC_DEF("streamNext", 1, sys_stream_next),
    JS_CFUNC_DEF("streamClose", 1, sys_stream_close),
    JS_CFUNC_MAGIC_DEF("mcpCall", 3, sys_mcp, MCP_CALL),
    JS_CFUNC_MAGIC_DEF("mcpListTools", 1, sys_mcp, MCP_LIST_TOOLS),
    JS_CFUNC_MAGIC_DEF("mcpListResources", 1, sys_mcp, MCP_LIST_RESOURCES),
    JS_CFUNC_MAGIC_DEF("mcpReadResource", 2, sys_mcp, MCP_READ_RESOURCE),
    JS_CFUNC_MAGIC_DEF("mcpListPrompts", 1, sys_mcp, MCP_LIST_PROMPTS),
    JS_CFUNC_MAGIC_DEF("mcpGetPrompt", 3, sys_mcp, MCP_GET_PROMPT),
    JS_CFUNC_DEF("grants", 0, sys_grants),
    JS_CFUNC_DEF("peers", 0, sys_peers),
    JS_CFUNC_DEF("agentSend", 2, sys_agent_send),
    JS_CFUNC_DEF("agentRecv", 1, sys_agent_recv),
    JS_CFUNC_DEF("agentBroadcast", 1, sys_agent_broadcast),
    JS_CFUNC_DEF("clockNow", 0, sys_clock_now),
    JS_CFUNC_DEF("randomBytes", 1, sys_random_bytes),
    JS_CFUNC_DEF("exit", 1, sys_exit),
};

int nanos_js_install_sys(JSContext *ctx) {
    JSValue sys = JS_NewObject(ctx);
    if (JS_IsException(sys)) return -1;
    if (JS_SetPropertyFunctionList(ctx, sys, sys_functions, sizeof sys_functions / sizeof sys_functions[0])) {
        JS_FreeValue(ctx, sys);
        return -1;
    }
    JSValue global = JS_GetGlobalObject(ctx);
    /* Configurable, so that the SDK can delete it; not enumerable. */
    int status = JS_DefinePropertyValueStr(ctx, global, NANOS_JS_SYS_GLOBAL, sys,
                                           JS_PROP_CONFIGURABLE | JS_PROP_WRITABLE);
    JS_FreeValue(ctx, global);
    return status < 0 ? -1 : 0;
}
