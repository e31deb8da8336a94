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
 * - Where the caller has the buffer (nanos_random, nanos_fs_read_into), the SDK uses
 *   the host's _into form, which writes into it directly. Its raw result (which
 *   nanos_fs_read_into returns as is) is the number of bytes written, or a negative
 *   value: nanos_into_error() turns it into -errno, and nanos_into_needed() reads
 *   the size needed from it when the buffer was too small (-NANOS_E2BIG).
 * - The agent's own calls (goal, tools, log, done, last error) are always
 *   available; every other call needs its group in the manifest's tools:.
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
    NANOS_EAGAIN    = 8, /* full for now (an agent's inbox); try again later  */
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
 * Raw imports (ABI v1), one per call of docs/abi.md. Pointers and lengths are
 * 32-bit guest addresses.
 * - Data-returning calls give an i64: >= 0 is (len << 32 | ptr) of a buffer the
 *   host got from nanos_alloc, < 0 is -errno.
 * - Each of them has an _into form that writes into the caller's buffer
 *   (out, out_cap) instead and never calls nanos_alloc: >= 0 is the number of
 *   bytes written; < 0 is -errno, or, when the buffer is too small,
 *   -(needed << 8 | NANOS_E2BIG). nanos_into_error() and nanos_into_needed()
 *   below take such a result apart.
 * Prefer the wrappers below; these are here for guests that manage memory
 * themselves.
 * ------------------------------------------------------------------------- */
NANOS_IMPORT("agent_goal") int64_t nanos_sys_agent_goal(void);
NANOS_IMPORT("agent_goal_into") int64_t nanos_sys_agent_goal_into(void * out, int32_t out_cap);
NANOS_IMPORT("agent_tools") int64_t nanos_sys_agent_tools(void);
NANOS_IMPORT("agent_tools_into") int64_t nanos_sys_agent_tools_into(void * out, int32_t out_cap);
NANOS_IMPORT("agent_grants") int64_t nanos_sys_agent_grants(void);
NANOS_IMPORT("agent_grants_into") int64_t nanos_sys_agent_grants_into(void * out, int32_t out_cap);
NANOS_IMPORT("agent_log") int32_t nanos_sys_agent_log(int32_t level, const void * msg, int32_t msg_len);
NANOS_IMPORT("agent_done") int32_t nanos_sys_agent_done(const void * summary, int32_t summary_len);
NANOS_IMPORT("fs_read") int64_t nanos_sys_fs_read(const void * path, int32_t path_len);
NANOS_IMPORT("fs_read_into") int64_t nanos_sys_fs_read_into(const void * path, int32_t path_len,
                                                            void * out, int32_t out_cap);
NANOS_IMPORT("fs_write") int32_t nanos_sys_fs_write(const void * path, int32_t path_len,
                                                    const void * data, int32_t data_len);
NANOS_IMPORT("fs_list") int64_t nanos_sys_fs_list(const void * path, int32_t path_len);
NANOS_IMPORT("fs_list_into") int64_t nanos_sys_fs_list_into(const void * path, int32_t path_len,
                                                            void * out, int32_t out_cap);
NANOS_IMPORT("web_fetch") int64_t nanos_sys_web_fetch(const void * req, int32_t req_len);
NANOS_IMPORT("web_fetch_into") int64_t nanos_sys_web_fetch_into(const void * req, int32_t req_len,
                                                                void * out, int32_t out_cap);
NANOS_IMPORT("llm_infer") int64_t nanos_sys_llm_infer(const void * req, int32_t req_len);
NANOS_IMPORT("llm_infer_into") int64_t nanos_sys_llm_infer_into(const void * req, int32_t req_len,
                                                                void * out, int32_t out_cap);
NANOS_IMPORT("llm_chat") int64_t nanos_sys_llm_chat(const void * req, int32_t req_len);
NANOS_IMPORT("llm_chat_into") int64_t nanos_sys_llm_chat_into(const void * req, int32_t req_len,
                                                              void * out, int32_t out_cap);
NANOS_IMPORT("llm_stream_open") int32_t nanos_sys_llm_stream_open(const void * req, int32_t req_len);
NANOS_IMPORT("llm_stream_next") int64_t nanos_sys_llm_stream_next(int32_t handle);
NANOS_IMPORT("llm_stream_next_into") int64_t nanos_sys_llm_stream_next_into(int32_t handle,
                                                                            void * out, int32_t out_cap);
NANOS_IMPORT("llm_stream_close") int32_t nanos_sys_llm_stream_close(int32_t handle);
NANOS_IMPORT("mcp_call") int64_t nanos_sys_mcp_call(const void * server, int32_t server_len,
                                                    const void * tool, int32_t tool_len,
                                                    const void * args, int32_t args_len);
NANOS_IMPORT("mcp_call_into") int64_t nanos_sys_mcp_call_into(const void * server, int32_t server_len,
                                                              const void * tool, int32_t tool_len,
                                                              const void * args, int32_t args_len,
                                                              void * out, int32_t out_cap);
NANOS_IMPORT("mcp_list_tools") int64_t nanos_sys_mcp_list_tools(const void * server, int32_t server_len);
NANOS_IMPORT("mcp_list_tools_into") int64_t nanos_sys_mcp_list_tools_into(const void * server, int32_t server_len,
                                                                          void * out, int32_t out_cap);
NANOS_IMPORT("mcp_list_resources") int64_t nanos_sys_mcp_list_resources(const void * server, int32_t server_len);
NANOS_IMPORT("mcp_list_resources_into") int64_t nanos_sys_mcp_list_resources_into(const void * server, int32_t server_len,
                                                                                  void * out, int32_t out_cap);
NANOS_IMPORT("mcp_read_resource") int64_t nanos_sys_mcp_read_resource(const void * server, int32_t server_len,
                                                                      const void * uri, int32_t uri_len);
NANOS_IMPORT("mcp_read_resource_into") int64_t nanos_sys_mcp_read_resource_into(const void * server, int32_t server_len,
                                                                                const void * uri, int32_t uri_len,
                                                                                void * out, int32_t out_cap);
NANOS_IMPORT("mcp_list_prompts") int64_t nanos_sys_mcp_list_prompts(const void * server, int32_t server_len);
NANOS_IMPORT("mcp_list_prompts_into") int64_t nanos_sys_mcp_list_prompts_into(const void * server, int32_t server_len,
                                                                              void * out, int32_t out_cap);
NANOS_IMPORT("mcp_get_prompt") int64_t nanos_sys_mcp_get_prompt(const void * server, int32_t server_len,
                                                                const void * name, int32_t name_len,
                                                                const void * args, int32_t args_len);
NANOS_IMPORT("mcp_get_prompt_into") int64_t nanos_sys_mcp_get_prompt_into(const void * server, int32_t server_len,
                                                                          const void * name, int32_t name_len,
                                                                          const void * args, int32_t args_len,
                                                                          void * out, int32_t out_cap);
NANOS_IMPORT("agent_peers") int64_t nanos_sys_agent_peers(void);
NANOS_IMPORT("agent_peers_into") int64_t nanos_sys_agent_peers_into(void * out, int32_t out_cap);
NANOS_IMPORT("agent_send") int32_t nanos_sys_agent_send(const void * to, int32_t to_len,
                                                        const void * msg, int32_t msg_len);
NANOS_IMPORT("agent_recv") int64_t nanos_sys_agent_recv(int32_t timeout_ms);
NANOS_IMPORT("agent_recv_into") int64_t nanos_sys_agent_recv_into(int32_t timeout_ms, void * out, int32_t out_cap);
NANOS_IMPORT("agent_broadcast") int32_t nanos_sys_agent_broadcast(const void * msg, int32_t msg_len);
NANOS_IMPORT("clock_now") int64_t nanos_sys_clock_now(void);
NANOS_IMPORT("random_bytes") int64_t nanos_sys_random_bytes(int32_t len);
NANOS_IMPORT("random_bytes_into") int64_t nanos_sys_random_bytes_into(int32_t len, void * out, int32_t out_cap);
NANOS_IMPORT("last_error") int64_t nanos_sys_last_error(void);
NANOS_IMPORT("last_error_into") int64_t nanos_sys_last_error_into(void * out, int32_t out_cap);

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

/* The -errno of an _into call's result: 0 when r >= 0 (r bytes were written),
 * else -NANOS_EPERM... A buffer that was too small gives -NANOS_E2BIG. */
static inline int nanos_into_error(int64_t r) {
    if (r >= 0) return 0;
    return -(int)((0 - (uint64_t)r) & 0xff);
}

/* The size an _into call needed when its buffer was too small; 0 for any other
 * result (success or another error). */
static inline int64_t nanos_into_needed(int64_t r) {
    if (r >= 0 || ((0 - (uint64_t)r) & 0xff) != NANOS_E2BIG) return 0;
    return (int64_t)((0 - (uint64_t)r) >> 8);
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
        case NANOS_EAGAIN:    return "EAGAIN";
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
        case NANOS_EAGAIN:    return "full for now; try again later";
        default:              return "unknown error";
    }
}

/* ---------------------------------------------------------------------------
 * Agent: the run's own calls, always available (no tools: entry needed)
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
/* The manifest's own permissions as JSON: {"fs_read":[globs],"fs_write":[globs],
 * "network":false|true|[hosts],"mcp_servers":[names]}. */
static inline int nanos_grants(nanos_buf * out) {
    return nanos_take(nanos_sys_agent_grants(), out);
}

static inline int nanos_log(int level, const char * msg) {
    return nanos_sys_agent_log(level, msg, (int32_t)strlen(msg));
}

/* Ends the run at once with status ok and this summary. Returns only if the
 * host refused it (for example -NANOS_E2BIG for a summary over 64 KiB). */
static inline int nanos_done(const char * summary) {
    return nanos_sys_agent_done(summary, (int32_t)strlen(summary));
}

/* The message of the last failed call. Empty if there was none. A message that
 * fits in a small stack buffer comes without a call back into nanos_alloc. */
static inline nanos_buf nanos_last_error(void) {
    nanos_buf out = { NULL, 0 };
    char small[256];
    int64_t r = nanos_sys_last_error_into(small, (int32_t)sizeof small);
    if (r > 0 && (size_t)r <= sizeof small) {
        char * copy = (char *)malloc((size_t)r + 1);
        if (!copy) return out;
        memcpy(copy, small, (size_t)r);
        copy[r] = 0;
        out.data = copy;
        out.len  = (size_t)r;
    } else if (nanos_into_needed(r) > 0) {
        nanos_take(nanos_sys_last_error(), &out);
    }
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

/* Reads a whole file into `dst` (at most `cap` bytes) without allocating.
 * Returns the file's size (>= 0), or an _into error: nanos_into_error(r) is the
 * -errno, and nanos_into_needed(r) the size needed when `cap` was too small. */
static inline int64_t nanos_fs_read_into(const char * path, void * dst, size_t cap) {
    if (cap > INT32_MAX) cap = INT32_MAX;
    return nanos_sys_fs_read_into(path, (int32_t)strlen(path), dst, (int32_t)cap);
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
 * Web (group "web", limited by the manifest's permissions.network)
 * ------------------------------------------------------------------------- */

/* Makes one HTTP request. `url_or_request_json` is a URL, fetched with GET, or a
 * JSON request starting with '{':
 *   {"url":"https://host/path","method":"POST","headers":{"Name":"value"},"body":"text"}
 * (only "url" is required). *out is the answer as JSON:
 *   {"status":200,"url":"<final URL>","headers":{"content-type":...},"body":"..."}
 * with lower-case header names, and "body_base64" instead of "body" for a body
 * that is not UTF-8. An HTTP error status (404...) is an answer, not a failure.
 * Errors: -NANOS_EPERM when permissions.network does not allow the URL, a redirect
 * or the address the host resolves to; -NANOS_EINVAL for a malformed request;
 * -NANOS_E2BIG for a body over 8 MiB; -NANOS_ETIMEDOUT; -NANOS_EIO when the
 * connection fails. */
static inline int nanos_web_fetch(const char * url_or_request_json, nanos_buf * out) {
    return nanos_take(nanos_sys_web_fetch(url_or_request_json, (int32_t)strlen(url_or_request_json)), out);
}

/* ---------------------------------------------------------------------------
 * Messages between the agents of a fleet (groups "agent_send", "agent_recv")
 * ------------------------------------------------------------------------- */

/* The other agents' names, as a JSON array (always available). "[]" outside a fleet. */
static inline int nanos_peers(nanos_buf * out) {
    return nanos_take(nanos_sys_agent_peers(), out);
}

/* Puts `msg` (UTF-8, at most 64 KiB) in agent `to`'s inbox. Returns 0 or -errno:
 * -NANOS_ENOENT when the fleet has no such agent; -NANOS_EAGAIN when its inbox is
 * full (try again later); -NANOS_EINVAL when msg is not UTF-8. */
static inline int nanos_send(const char * to, const char * msg, size_t msg_len) {
    if (msg_len > INT32_MAX) return -NANOS_E2BIG;
    return nanos_sys_agent_send(to, (int32_t)strlen(to), msg, (int32_t)msg_len);
}

/* Takes the oldest message of this agent's inbox, waiting up to timeout_ms (at most
 * 60 s). `out` gets JSON {"from":"<sender>","msg":"<text>"}, the sender stamped by the
 * host; out->len is 0 when none arrived in time, which is not an error. Returns 0 or
 * -errno. */
static inline int nanos_recv(int32_t timeout_ms, nanos_buf * out) {
    return nanos_take(nanos_sys_agent_recv(timeout_ms), out);
}

/* Sends `msg` to every other agent of the fleet. Returns how many got it (a full inbox
 * is skipped), or -errno. */
static inline int nanos_broadcast(const char * msg, size_t msg_len) {
    if (msg_len > INT32_MAX) return -NANOS_E2BIG;
    return nanos_sys_agent_broadcast(msg, (int32_t)msg_len);
}

/* ---------------------------------------------------------------------------
 * Clock and randomness (groups "clock", "random")
 * ------------------------------------------------------------------------- */

/* Unix time in nanoseconds, or -errno. */
static inline int64_t nanos_clock_now(void) {
    return nanos_sys_clock_now();
}

/* Fills `dst` with `len` random bytes (at most 64 KiB per call): the host writes
 * them there directly. Returns 0 or -errno. */
static inline int nanos_random(void * dst, size_t len) {
    if (len > INT32_MAX) return -NANOS_E2BIG;
    int64_t r = nanos_sys_random_bytes_into((int32_t)len, dst, (int32_t)len);
    if (r < 0) return nanos_into_error(r);
    return (size_t)r == len ? 0 : -NANOS_EIO;
}

#ifdef __cplusplus
}
#endif

#endif /* NANOS_H */
