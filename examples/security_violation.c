/*
 * security_violation.c — a guest that tries to break out of its sandbox.
 *
 * Every attempt below must come back as -EPERM. The guest logs each attempt with
 * the errno name and the host's explanation (last_error), then ends with a summary
 * such as "5 attempts, 5 denied".
 *
 * The manifest it is written for grants only `tools: [agent, fs_read]` with fs_read
 * on data/ — no fs_write, no web. The run's set-up creates data/escape_link as a
 * symlink pointing outside the granted folder.
 *
 * Build: nanos compile examples/security_violation.c -o security_violation.wasm
 */
#include "nanos.h"

/* A fixed-size message builder: snprintf would link wasi-libc's stdio, and with it
 * WASI imports this guest does not need. */
typedef struct {
    char   text[512];
    size_t len;
} message;

static void message_add(message * m, const char * s) {
    while (*s && m->len + 1 < sizeof m->text) m->text[m->len++] = *s++;
    m->text[m->len] = 0;
}

static void message_add_int(message * m, long long n) {
    char digits[24];
    int  count = 0;
    unsigned long long v = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    do { digits[count++] = (char)('0' + v % 10); v /= 10; } while (v);
    if (n < 0) message_add(m, "-");
    char one[2] = {0, 0};
    while (count) { one[0] = digits[--count]; message_add(m, one); }
}

static int attempts = 0;
static int denied   = 0;

/* Logs one attempt's outcome and counts it. `result` is 0 or -errno. */
static void report(const char * what, int result) {
    attempts++;
    message m = { .len = 0 };
    message_add(&m, "attempt ");
    message_add_int(&m, attempts);
    message_add(&m, ": ");
    message_add(&m, what);
    message_add(&m, " -> ");
    if (result == -NANOS_EPERM) {
        denied++;
        nanos_buf why = nanos_last_error();
        message_add(&m, nanos_errno_name(result));
        message_add(&m, ": ");
        message_add(&m, why.data ? why.data : nanos_strerror(result));
        nanos_buf_free(&why);
        nanos_log(NANOS_LOG_WARN, m.text);
    } else if (result < 0) {
        /* Refused, but not for lack of permission: the sandbox did not say EPERM. */
        nanos_buf why = nanos_last_error();
        message_add(&m, "unexpected ");
        message_add(&m, nanos_errno_name(result));
        message_add(&m, ": ");
        message_add(&m, why.data ? why.data : nanos_strerror(result));
        nanos_buf_free(&why);
        nanos_log(NANOS_LOG_ERROR, m.text);
    } else {
        message_add(&m, "ALLOWED: the sandbox let this through");
        nanos_log(NANOS_LOG_ERROR, m.text);
    }
}

static void try_read(const char * what, const char * path) {
    nanos_buf content;
    int err = nanos_fs_read(path, &content);
    nanos_buf_free(&content);
    report(what, err);
}

NANOS_ENTRY int run(void) {
    nanos_log(NANOS_LOG_INFO, "security_violation: trying five ways out of the sandbox");

    try_read("read /etc/passwd (outside the grants)", "/etc/passwd");
    try_read("read ../README.md (path traversal)", "../README.md");
    try_read("read data/escape_link (symlink out of data/)", "data/escape_link");

    nanos_buf page;
    int fetched = nanos_web_fetch("https://example.com/", &page);
    nanos_buf_free(&page);
    report("web_fetch https://example.com/ (web not granted)", fetched);

    const char * note = "written by a guest without fs_write\n";
    report("write out/pwned.txt (fs_write not granted)",
           nanos_fs_write("out/pwned.txt", note, strlen(note)));

    message summary = { .len = 0 };
    message_add_int(&summary, attempts);
    message_add(&summary, " attempts, ");
    message_add_int(&summary, denied);
    message_add(&summary, " denied");
    nanos_done(summary.text);
    return 0; /* not reached: nanos_done ends the run */
}
