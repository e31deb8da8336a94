/* Streams an answer from the model piece by piece (llm.stream_open / stream_next),
 * echoing each piece to the log as it arrives, and writes the whole answer to a file.
 *   nanos compile examples/stream.c -o examples/build/stream.wasm
 *   nanos run examples/stream.nano */
#include <stdio.h>
#include "nanos.h"

int run(void) {
    nanos_buf goal = nanos_goal();
    char request[1024];
    snprintf(request, sizeof request,
             "{\"prompt\":\"%s\",\"max_tokens\":48,\"temperature\":0}", (const char *)goal.data);
    int stream = nanos_llm_stream_open(request);
    if (stream < 0) {
        nanos_buf why = nanos_last_error();
        nanos_log(3, why.data ? (const char *)why.data : "llm.stream_open failed");
        return 1;
    }
    char answer[4096];
    size_t used = 0;
    for (;;) {
        nanos_buf piece;
        int rc = nanos_llm_stream_next(stream, &piece);
        if (rc != 0) {
            nanos_buf why = nanos_last_error();
            nanos_log(3, why.data ? (const char *)why.data : "llm.stream_next failed");
            return 1;
        }
        if (piece.len == 0) break; /* the answer is complete */
        if (used + piece.len < sizeof answer) {
            memcpy(answer + used, piece.data, piece.len);
            used += piece.len;
        }
        nanos_buf_free(&piece);
    }
    answer[used] = 0;
    nanos_log(1, answer);
    if (nanos_fs_write("out/story.txt", answer, used) != 0) return 1;
    nanos_done("streamed the answer to out/story.txt");
    return 0;
}
