/*
 * original_abi.c — a guest written for the ORIGINAL nanos ABI, to show it runs
 * unchanged (docs/abi.md, "The original ABI").
 *
 * Shape of such a guest: imports from module "env", every parameter and result
 * an i32, results copied into the guest's own buffer (at most out_max bytes, the
 * count returned), errors as in-band strings such as "[Security] PERMISSION_DENIED".
 * Entry point `run_agent() -> ()`; no allocator export; no libc.
 *
 * What it does: reads a granted file, then an ungranted one (expecting the
 * in-band denial), and writes what it saw to out/original_abi.txt.
 * The manifest grants fs_read on data/ and fs_write on out/.
 *
 * Build: nanos compile examples/original_abi.c -o original_abi.wasm
 */

#define ENV_IMPORT(name) __attribute__((import_module("env"), import_name(name)))

/* The original's twelve imports. Only those called end up in the module. */
ENV_IMPORT("fs_read")            int fs_read(const char * path, int path_len, char * out, int out_max);
ENV_IMPORT("fs_write")           int fs_write(const char * path, int path_len, const char * content,
                                              int content_len, char * out, int out_max);
ENV_IMPORT("get_manifest_goal")  int get_manifest_goal(char * out, int out_max);
ENV_IMPORT("get_manifest_tools") int get_manifest_tools(char * out, int out_max);
ENV_IMPORT("web_get")            int web_get(const char * url, int url_len, char * out, int out_max);
ENV_IMPORT("memory_store")       int memory_store(const char * text, int len);
ENV_IMPORT("memory_recall")      int memory_recall(const char * query, int len, char * out, int out_max);
ENV_IMPORT("llm_infer")          int llm_infer(const char * prompt, int prompt_len, char * out, int out_max);
ENV_IMPORT("mcp_call")           int mcp_call(const char * server, int server_len, const char * tool,
                                              int tool_len, const char * args, int args_len,
                                              char * out, int out_max);
ENV_IMPORT("agent_send")         int agent_send(const char * target, int target_len, const char * msg,
                                                int msg_len);
ENV_IMPORT("agent_recv")         int agent_recv(char * out, int out_max);
ENV_IMPORT("eval_js")            int eval_js(const char * code, int code_len, char * out, int out_max);

static const char granted_path[]   = "data/notes.txt";
static const char ungranted_path[] = "/etc/passwd";
static const char report_path[]    = "out/original_abi.txt";
static const char denial[]         = "[Security] PERMISSION_DENIED";

/* Static buffers, as the original's reference agent used. */
static char goal[2048];
static char granted[8192];
static char ungranted[1024];
static char report[4096];
static char status[1024];
static int  report_len;

static int length(const char * s) {
    int n = 0;
    while (s[n]) n++;
    return n;
}

static int starts_with(const char * data, int data_len, const char * prefix) {
    int n = length(prefix);
    if (data_len < n) return 0;
    for (int i = 0; i < n; i++)
        if (data[i] != prefix[i]) return 0;
    return 1;
}

static void add_bytes(const char * data, int len) {
    for (int i = 0; i < len && report_len < (int)sizeof report; i++) report[report_len++] = data[i];
}

static void add(const char * s) { add_bytes(s, length(s)); }

static void add_int(int n) {
    char digits[12];
    int  count = 0;
    if (n < 0) { add("-"); n = -n; }
    do { digits[count++] = (char)('0' + n % 10); n /= 10; } while (n);
    while (count) add_bytes(&digits[--count], 1);
}

/* The first line of `data`, at most 80 bytes. */
static void add_first_line(const char * data, int len) {
    int n = 0;
    while (n < len && n < 80 && data[n] != '\n') n++;
    add_bytes(data, n);
}

void run_agent(void);

void run_agent(void) {
    int goal_len = get_manifest_goal(goal, sizeof goal);
    add("goal: ");
    add_bytes(goal, goal_len);
    add("\n");

    int granted_len = fs_read(granted_path, length(granted_path), granted, sizeof granted);
    add("granted read ");
    add(granted_path);
    add(": ");
    add_int(granted_len);
    add(" bytes, first line: ");
    add_first_line(granted, granted_len);
    add("\n");

    int ungranted_len = fs_read(ungranted_path, length(ungranted_path), ungranted, sizeof ungranted);
    add("ungranted read ");
    add(ungranted_path);
    add(": ");
    add_bytes(ungranted, ungranted_len);
    add("\n");
    add(starts_with(ungranted, ungranted_len, denial) ? "verdict: denied, as expected\n"
                                                      : "verdict: NOT DENIED\n");

    fs_write(report_path, length(report_path), report, report_len, status, sizeof status);
}
