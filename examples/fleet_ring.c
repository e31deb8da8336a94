/* One agent of a ring: it sends `rounds` messages to the agent its goal names `next`,
 * and takes as many from its inbox. With `llm=1` each message carries a short answer
 * from the model. The summary says what it sent and got, and a checksum of what it got,
 * so two runs of a fleet can be compared. Goal: "rounds=3 next=writer llm=0".
 *   nanos compile examples/fleet_ring.c -o examples/build/fleet_ring.wasm
 *   nanos orchestrate examples/fleet_ring.nano */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nanos.h"

/* The number after `key` in the goal, or `fallback`. */
static int goal_number(const char *goal, const char *key, int fallback) {
    const char *at = goal ? strstr(goal, key) : NULL;
    return at ? atoi(at + strlen(key)) : fallback;
}

/* The word after `key` in the goal, copied into `out`. */
static void goal_word(const char *goal, const char *key, char *out, size_t cap) {
    out[0] = 0;
    const char *at = goal ? strstr(goal, key) : NULL;
    if (!at) return;
    at += strlen(key);
    size_t n = 0;
    while (at[n] && at[n] != ' ' && n + 1 < cap) n++;
    memcpy(out, at, n);
    out[n] = 0;
}

static void log_last_error(const char *what) {
    nanos_buf why = nanos_last_error();
    char line[512];
    snprintf(line, sizeof line, "%s: %s", what, why.data ? (const char *)why.data : "failed");
    nanos_log(NANOS_LOG_ERROR, line);
}

int run(void) {
    nanos_buf goal = nanos_goal();
    const char *text = (const char *)goal.data;
    int rounds = goal_number(text, "rounds=", 3);
    int use_llm = goal_number(text, "llm=", 0);
    char next[80];
    goal_word(text, "next=", next, sizeof next);
    if (!next[0]) {
        nanos_log(NANOS_LOG_ERROR, "the goal names no next=AGENT");
        return 1;
    }
    int sent = 0, received = 0, retries = 0;
    unsigned checksum = 0;
    char from[80] = "";
    while (received < rounds) {
        if (sent < rounds) {
            char message[600];
            if (use_llm) {
                char request[256];
                snprintf(request, sizeof request,
                         "{\"prompt\":\"Name one colour for round %d.\",\"max_tokens\":6,\"temperature\":0}", sent + 1);
                nanos_buf answer;
                if (nanos_llm_infer(request, &answer) != 0) {
                    log_last_error("llm_infer");
                    return 1;
                }
                /* The answer goes into JSON-free text: keep letters, digits and spaces. */
                size_t used = (size_t)snprintf(message, sizeof message, "round %d: ", sent + 1);
                for (size_t i = 0; i < answer.len && used + 1 < sizeof message; i++) {
                    char c = answer.data[i];
                    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ')
                        message[used++] = c;
                }
                message[used] = 0;
                nanos_buf_free(&answer);
            } else {
                snprintf(message, sizeof message, "round %d", sent + 1);
            }
            int rc = nanos_send(next, message, strlen(message));
            if (rc == 0) {
                sent++;
            } else if (rc == -NANOS_EAGAIN) {
                retries++; /* its inbox is full: take one of ours first, then try again */
            } else {
                log_last_error("agent_send");
                return 1;
            }
        }
        nanos_buf got;
        if (nanos_recv(sent < rounds ? 0 : 10000, &got) != 0) {
            log_last_error("agent_recv");
            return 1;
        }
        if (got.len == 0) {
            if (sent < rounds) continue;
            nanos_log(NANOS_LOG_ERROR, "no message came within 10 s");
            return 1;
        }
        received++;
        for (size_t i = 0; i < got.len; i++) checksum = checksum * 31 + (unsigned char)got.data[i];
        const char *sender = strstr(got.data, "\"from\":\"");
        if (sender) goal_word(sender, "\"from\":\"", from, sizeof from);
        char *quote = strchr(from, '"');
        if (quote) *quote = 0;
        nanos_buf_free(&got);
    }
    char summary[256];
    snprintf(summary, sizeof summary, "sent %d to %s, received %d from %s, checksum %08x, %d retries", sent, next,
             received, from, checksum, retries);
    nanos_done(summary);
    return 0;
}
