/*
 * nanos.h — the C SDK for nanos guests (syscall ABI v1).
 *
 * A nanos guest is a WebAssembly module that reaches the world only through the
 * host functions imported from module "nanos". This header declares them (the
 * "raw" layer, nanos_sys_*) and wraps them in C-friendly functions (nanos_*).
 * The full contract is docs/abi.md; this header follows it exactly.
 *
 * Minimal guest:
 *
 *     #include "nanos.h"
 *
 *     NANOS_ENTRY int run(void) {
 *         nanos_buf goal = nanos_goal();
 *         nanos_log(NANOS_LOG_INFO, goal.data ? goal.data : "(no goal)");
 *         nanos_buf_free(&goal);
 *         nanos_done("said hello");
 *         return 0;
 *     }
 *
 * Build it with `nanos compile agent.c -o agent.wasm`.
 *
 * Conventions
 * - Functions returning `int` give 0 on success or a negative errno (-NANOS_EPERM...).
 *   After a failure, nanos_last_error() returns the host's explanation.
 * - Data comes back in a nanos_buf whose bytes the host wrote into memory obtained
 *   from nanos_alloc (malloc). The guest owns it: release it with nanos_buf_free
 *   (or free(buf.data)). The SDK's allocator reserves one extra byte, so
 *   buf.data is also a NUL-terminated C string. An empty result has data == NULL.
 * - Strings passed in are NUL-terminated UTF-8; their length is taken with strlen.
 *
 * Allocator
 * This header defines the exported `nanos_alloc` (malloc based). It is weak, so
 * including the header from several files links fine. Define NANOS_NO_ALLOC
 * before including it to supply your own `nanos_alloc(int32_t size) -> void*`
 * (then results are NUL-terminated only if your allocator makes them so).
 */
#ifndef NANOS_H
#define NANOS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NANOS_ABI_VERSION 1

/* Marks the guest's entry point: `NANOS_ENTRY int run(void) { ... }`.
 * Return 0 for success; any other value fails the run with that exit code. */
#define NANOS_ENTRY __attribute__((export_name("run")))

/* The entry point the guest defines. Declared here so that the export and the
 * signature are right even where NANOS_ENTRY is forgotten. */
NANOS_ENTRY int run(void);

/* Declares a host function imported from module "nanos". */
#define NANOS_IMPORT(name) __attribute__((import_module("nanos"), import_name(name)))

/* ---------------------------------------------------------------------------
 * Errors: every failure is -errno with one of these values.
 * ------------------------------------------------------------------------- */
enum nanos_errno {
    NANOS_EPERM     = 1, /* the manifest does not grant this                  */
    NANOS_ENOENT    = 2, /* no such file, tool, server, agent                 */
    NANOS_EINVAL    = 3, /* malformed arguments, bad pointer or length        */
    NANOS_E2BIG     = 4, /* over a size or count limit                        */
    NANOS_EIO       = 5, /* the service failed (LLM server down, MCP crash...) */
    NANOS_ETIMEDOUT = 6, /* deadline passed                                   */
    NANOS_EQUOTA    = 7, /* max_steps, token budget or similar exhausted      */
};

/* Levels for nanos_log. */
enum nanos_log_level {
    NANOS_LOG_DEBUG = 0,
    NANOS_LOG_INFO  = 1,
    NANOS_LOG_WARN  = 2,
    NANOS_LOG_ERROR = 3,
};

/* Bytes returned by the host. Owned by the guest: release with nanos_buf_free. */
typedef struct nanos_buf {
    char * data; /* NULL when empty; else NUL-terminated (see "Allocator") */
    size_t len;  /* length in bytes, not counting the terminator          */
} nanos_buf;

/* ---------------------------------------------------------------------------
 * Raw imports (ABI v1). Pointers and lengths are 32-bit guest addresses.
 * Data-returning calls give an i64: >= 0 is (len << 32 | ptr), < 0 is -errno.
 * Prefer the wrappers below; these are here for guests that manage memory
 * themselves.
 * ------------------------------------------------------------------------- */
NANOS_IMPORT("agent_goal")   int64_t nanos_sys_agent_goal(void);
NANOS_IMPORT("agent_tools")  int64_t nanos_sys_agent_tools(void);
NANOS_IMPORT("agent_log")    int32_t nanos_sys_agent_log(int32_t level, const void * ptr, int32_t len);
NANOS_IMPORT("agent_done")   int32_t nanos_sys_agent_done(const void * ptr, int32_t len);
NANOS_IMPORT("fs_read")      int64_t nanos_sys_fs_read(const void * path, int32_t path_len);
NANOS_IMPORT("fs_write")     int32_t nanos_sys_fs_write(const void * path, int32_t path_len,
                                                        const void * data, int32_t data_len);
NANOS_IMPORT("fs_list")      int64_t nanos_sys_fs_list(const void * path, int32_t path_len);
NANOS_IMPORT("llm_infer")    int64_t nanos_sys_llm_infer(const void * req, int32_t req_len);
NANOS_IMPORT("llm_chat")     int64_t nanos_sys_llm_chat(const void * req, int32_t req_len);
NANOS_IMPORT("llm_stream_open")  int32_t nanos_sys_llm_stream_open(const void * req, int32_t req_len);
NANOS_IMPORT("llm_stream_next")  int64_t nanos_sys_llm_stream_next(int32_t handle);
NANOS_IMPORT("llm_stream_close") int32_t nanos_sys_llm_stream_close(int32_t handle);
NANOS_IMPORT("mcp_call")           int64_t nanos_sys_mcp_call(const void * server, int32_t server_len,
                                                              const void * tool, int32_t tool_len,
                                                              const void * args, int32_t args_len);
NANOS_IMPORT("mcp_list_tools")     int64_t nanos_sys_mcp_list_tools(const void * server, int32_t server_len);
NANOS_IMPORT("mcp_list_resources") int64_t nanos_sys_mcp_list_resources(const void * server, int32_t server_len);
NANOS_IMPORT("mcp_read_resource")  int64_t nanos_sys_mcp_read_resource(const void * server, int32_t server_len,
                                                                       const void * uri, int32_t uri_len);
NANOS_IMPORT("mcp_list_prompts")   int64_t nanos_sys_mcp_list_prompts(const void * server, int32_t server_len);
NANOS_IMPORT("mcp_get_prompt")     int64_t nanos_sys_mcp_get_prompt(const void * server, int32_t server_len,
                                                                    const void * name, int32_t name_len,
                                                                    const void * args, int32_t args_len);
NANOS_IMPORT("clock_now")    int64_t nanos_sys_clock_now(void);
NANOS_IMPORT("random_bytes") int64_t nanos_sys_random_bytes(int32_t len);
NANOS_IMPORT("last_error")   int64_t nanos_sys_last_error(void);

/* ---------------------------------------------------------------------------
 * The allocator the host calls to place results (exported as "nanos_alloc").
 * ------------------------------------------------------------------------- */
void * nanos_alloc(int32_t size);

#ifndef NANOS_NO_ALLOC
/* One extra zeroed byte makes every result usable as a C string. */
__attribute__((export_name("nanos_alloc"), weak))
void * nanos_alloc(int32_t size) {
    if (size < 0) return NULL;
    char * p = (char *)malloc((size_t)size + 1);
    if (p) p[size] = 0;
    return p;
}
#endif

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

/* Releases a result and empties the nanos_buf. Safe on an empty buffer. */
static inline void nanos_buf_free(nanos_buf * buf) {
    free(buf->data);
    buf->data = NULL;
    buf->len  = 0;
}

/* Decodes a data-returning call's i64. Returns 0 and fills *out, or -errno
 * (then *out is empty). */
static inline int nanos_take(int64_t result, nanos_buf * out) {
    out->data = NULL;
    out->len  = 0;
    if (result < 0) return (int)result;
    out->data = (char *)(uintptr_t)(uint32_t)result;
    out->len  = (size_t)((uint64_t)result >> 32);
    return 0;
}

/* "EPERM" for 1 or -1, "E?" for an unknown value. */
static inline const char * nanos_errno_name(int err) {
    switch (err < 0 ? -err : err) {
        case 0:               return "OK";
        case NANOS_EPERM:     return "EPERM";
        case NANOS_ENOENT:    return "ENOENT";
        case NANOS_EINVAL:    return "EINVAL";
        case NANOS_E2BIG:     return "E2BIG";
        case NANOS_EIO:       return "EIO";
        case NANOS_ETIMEDOUT: return "ETIMEDOUT";
        case NANOS_EQUOTA:    return "EQUOTA";
        default:              return "E?";
    }
}

/* A short description of an errno (positive or negative). For the host's
 * specific explanation of the last failure use nanos_last_error(). */
static inline const char * nanos_strerror(int err) {
    switch (err < 0 ? -err : err) {
        case 0:               return "success";
        case NANOS_EPERM:     return "the manifest does not grant this";
        case NANOS_ENOENT:    return "no such file, tool, server or agent";
        case NANOS_EINVAL:    return "malformed arguments, bad pointer or length";
        case NANOS_E2BIG:     return "over a size or count limit";
        case NANOS_EIO:       return "the service failed";
        case NANOS_ETIMEDOUT: return "deadline passed";
        case NANOS_EQUOTA:    return "step, token or similar budget exhausted";
        default:              return "unknown error";
    }
}

/* ---------------------------------------------------------------------------
 * Agent (group "agent")
 * ------------------------------------------------------------------------- */

/* The manifest's goal (UTF-8). Empty on failure; see nanos_last_error(). */
static inline nanos_buf nanos_goal(void) {
    nanos_buf out;
    nanos_take(nanos_sys_agent_goal(), &out);
    return out;
}

/* The granted groups as a JSON array of strings, e.g. ["agent","fs_read"]. */
static inline int nanos_tools(nanos_buf * out) {
    return nanos_take(nanos_sys_agent_tools(), out);
}

/* Records a message in the trace at a NANOS_LOG_* level. */
static inline int nanos_log(int level, const char * msg) {
    return nanos_sys_agent_log(level, msg, (int32_t)strlen(msg));
}

/* Ends the run at once with status ok and this summary. Returns only if the
 * host refused (for example -NANOS_EPERM when "agent" is not granted). */
static inline int nanos_done(const char * summary) {
    return nanos_sys_agent_done(summary, (int32_t)strlen(summary));
}

/* The message of the last failed call. Empty if there was none. */
static inline nanos_buf nanos_last_error(void) {
    nanos_buf out;
    nanos_take(nanos_sys_last_error(), &out);
    return out;
}

/* ---------------------------------------------------------------------------
 * Files (groups "fs_read", "fs_write"). Paths are relative to the manifest's
 * folder and must lie inside a granted path.
 * ------------------------------------------------------------------------- */

/* Reads a whole file into *out. */
static inline int nanos_fs_read(const char * path, nanos_buf * out) {
    return nanos_take(nanos_sys_fs_read(path, (int32_t)strlen(path)), out);
}

/* Creates or truncates `path` and writes `len` bytes of `data`. */
static inline int nanos_fs_write(const char * path, const void * data, size_t len) {
    if (len > INT32_MAX) return -NANOS_E2BIG;
    return nanos_sys_fs_write(path, (int32_t)strlen(path), data, (int32_t)len);
}

/* Lists a folder as JSON: [{"name":"a.txt","type":"file","size":12}, ...],
 * type one of "file", "dir", "symlink", "other". */
static inline int nanos_fs_list(const char * path, nanos_buf * out) {
    return nanos_take(nanos_sys_fs_list(path, (int32_t)strlen(path)), out);
}

/* ---------------------------------------------------------------------------
 * LLM (group "llm")
 * ------------------------------------------------------------------------- */

/* Generates text. `request` is a plain prompt, or JSON starting with '{'
 * ({"prompt":...} or {"messages":[...]} plus parameters). */
static inline int nanos_llm_infer(const char * request, nanos_buf * out) {
    return nanos_take(nanos_sys_llm_infer(request, (int32_t)strlen(request)), out);
}

/* Like nanos_llm_infer, but the answer is JSON: {"role":"assistant","content":...,
 * "finish_reason":"stop"|"length","usage":{"prompt_tokens":...,"generated_tokens":...,
 * "prompt_ms":...,"generation_ms":...}}. */
static inline int nanos_llm_chat(const char * request, nanos_buf * out) {
    return nanos_take(nanos_sys_llm_chat(request, (int32_t)strlen(request)), out);
}

/* Starts a streamed answer. Returns a handle (>= 1) or -errno. */
static inline int nanos_llm_stream_open(const char * request) {
    return nanos_sys_llm_stream_open(request, (int32_t)strlen(request));
}

/* The next piece of a streamed answer (whole UTF-8 characters). Returns 0 and fills
 * *out; an empty *out means the answer is complete and the handle is closed. */
static inline int nanos_llm_stream_next(int handle, nanos_buf * out) {
    return nanos_take(nanos_sys_llm_stream_next(handle), out);
}

/* Abandons a stream before its end. Returns 0 or -errno. */
static inline int nanos_llm_stream_close(int handle) {
    return nanos_sys_llm_stream_close(handle);
}

/* ---------------------------------------------------------------------------
 * MCP tools (group "mcp_call"): the servers the manifest's mcp_servers lists,
 * addressed by name. A server starts on its first call. Errors: -NANOS_ENOENT
 * for an unknown server, tool or prompt (an unknown server is never started);
 * -NANOS_EINVAL when the arguments break the tool's inputSchema (the message
 * lists every offending path, and nothing was sent); -NANOS_EIO when the
 * server failed or the tool answered isError (the message is the server's
 * text); -NANOS_ETIMEDOUT when it did not answer in time.
 * ------------------------------------------------------------------------- */

/* Calls `tool` on `server` with `args_json` (a JSON object; NULL or "" for {}).
 * *out is {"content":[...],"structuredContent":...,"isError":false}. */
static inline int nanos_mcp_call(const char * server, const char * tool, const char * args_json, nanos_buf * out) {
    const char * args = args_json ? args_json : "";
    return nanos_take(nanos_sys_mcp_call(server, (int32_t)strlen(server), tool, (int32_t)strlen(tool),
                                         args, (int32_t)strlen(args)), out);
}

/* The server's tools as JSON: [{"name","description","inputSchema",...}]. */
static inline int nanos_mcp_list_tools(const char * server, nanos_buf * out) {
    return nanos_take(nanos_sys_mcp_list_tools(server, (int32_t)strlen(server)), out);
}

/* The server's resources as JSON: [{"uri","name","mimeType",...}]. */
static inline int nanos_mcp_list_resources(const char * server, nanos_buf * out) {
    return nanos_take(nanos_sys_mcp_list_resources(server, (int32_t)strlen(server)), out);
}

/* One resource as JSON: {"contents":[{"uri","mimeType","text" or "blob"}]}. */
static inline int nanos_mcp_read_resource(const char * server, const char * uri, nanos_buf * out) {
    return nanos_take(nanos_sys_mcp_read_resource(server, (int32_t)strlen(server), uri, (int32_t)strlen(uri)), out);
}

/* The server's prompts as JSON: [{"name","description","arguments":[...]}]. */
static inline int nanos_mcp_list_prompts(const char * server, nanos_buf * out) {
    return nanos_take(nanos_sys_mcp_list_prompts(server, (int32_t)strlen(server)), out);
}

/* A prompt filled in with `args_json` (a JSON object of strings; NULL or "" for
 * none): {"description":...,"messages":[{"role","content"}]}. */
static inline int nanos_mcp_get_prompt(const char * server, const char * name, const char * args_json, nanos_buf * out) {
    const char * args = args_json ? args_json : "";
    return nanos_take(nanos_sys_mcp_get_prompt(server, (int32_t)strlen(server), name, (int32_t)strlen(name),
                                               args, (int32_t)strlen(args)), out);
}

/* ---------------------------------------------------------------------------
 * Clock and randomness (groups "clock", "random")
 * ------------------------------------------------------------------------- */

/* Unix time in nanoseconds, or -errno. */
static inline int64_t nanos_clock_now(void) {
    return nanos_sys_clock_now();
}

/* Fills `dst` with `len` random bytes (at most 64 KiB per call). */
static inline int nanos_random(void * dst, size_t len) {
    if (len > INT32_MAX) return -NANOS_E2BIG;
    nanos_buf buf;
    int err = nanos_take(nanos_sys_random_bytes((int32_t)len), &buf);
    if (err) return err;
    if (buf.len != len) {
        nanos_buf_free(&buf);
        return -NANOS_EIO;
    }
    if (len) memcpy(dst, buf.data, len);
    nanos_buf_free(&buf);
    return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* NANOS_H */
