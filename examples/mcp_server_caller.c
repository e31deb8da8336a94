/* Calls a real MCP server, mcp-server-time from PyPI, from inside the sandbox: lists its
 * tools, asks for the time in Tokyo, converts a New York time, and shows what happens to
 * arguments that break a tool's input schema (they never reach the server).
 *   nanos compile examples/mcp_server_caller.c -o examples/build/mcp_server_caller.wasm
 *   nanos run examples/mcp_server_caller.nano
 * (`make` builds it; scripts/mcp-deps.sh installs the server, and nanos finds it.) */
#include <stdio.h>
#include "nanos.h"

/* Copies the string value of "key" in a JSON text into out (no unescaping: the values
 * read here are dates and time zone names). Returns 0 if the key is not there. */
static int json_string(const char * json, const char * key, char * out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char * start = json ? strstr(json, pattern) : NULL;
    if (!start) return 0;
    start += strlen(pattern);
    const char * end = strchr(start, '"');
    if (!end || (size_t)(end - start) >= size) return 0;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = 0;
    return 1;
}

static void log_failure(const char * what, int err) {
    char line[1024];
    nanos_buf why = nanos_last_error();
    snprintf(line, sizeof line, "%s: %s: %s", what, nanos_errno_name(err), why.data ? why.data : "");
    nanos_log(NANOS_LOG_WARN, line);
    nanos_buf_free(&why);
}

int run(void) {
    char line[1024];
    nanos_buf tools, now, converted, rejected;

    int err = nanos_mcp_list_tools("time", &tools);
    if (err) { log_failure("mcp.list_tools time", err); return 1; }
    snprintf(line, sizeof line, "the time server offers %s tools",
             strstr(tools.data, "\"convert_time\"") && strstr(tools.data, "\"get_current_time\"")
                 ? "get_current_time and convert_time" : "unexpected");
    nanos_log(NANOS_LOG_INFO, line);
    nanos_buf_free(&tools);

    err = nanos_mcp_call("time", "get_current_time", "{\"timezone\":\"Asia/Tokyo\"}", &now);
    if (err) { log_failure("get_current_time", err); return 1; }
    char tokyo[64] = "", weekday[16] = "";
    json_string(now.data, "datetime", tokyo, sizeof tokyo);
    json_string(now.data, "day_of_week", weekday, sizeof weekday);
    snprintf(line, sizeof line, "Tokyo: %s (%s)", tokyo, weekday);
    nanos_log(NANOS_LOG_INFO, line);
    nanos_buf_free(&now);

    err = nanos_mcp_call("time", "convert_time",
                         "{\"source_timezone\":\"America/New_York\",\"time\":\"09:30\",\"target_timezone\":\"Asia/Tokyo\"}",
                         &converted);
    if (err) { log_failure("convert_time", err); return 1; }
    char difference[32] = "";
    json_string(converted.data, "time_difference", difference, sizeof difference);
    snprintf(line, sizeof line, "Tokyo is %s ahead of New York at 09:30 there", difference);
    nanos_log(NANOS_LOG_INFO, line);
    nanos_buf_free(&converted);

    /* No "timezone": nanos checks the tool's inputSchema and refuses before sending. */
    err = nanos_mcp_call("time", "get_current_time", "{\"zone\":\"Asia/Tokyo\"}", &rejected);
    if (err != -NANOS_EINVAL) return 2;
    log_failure("get_current_time without a timezone", err);

    snprintf(line, sizeof line, "Tokyo time %s", tokyo);
    nanos_done(line);
    return 0;
}
