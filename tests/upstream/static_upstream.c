/* static_upstream.c - a canned FHIR upstream for `make bench-upstream` only.
 *
 * Answers every GET with the same FHIR JSON (read once from a file) as
 * application/fhir+json with a fixed ETag, from one response object made
 * at start: no allocation per request beyond libmicrohttpd's own, and no
 * garbage collector, so the latency it adds is small and steady and the
 * gateway's own added latency is what a comparison shows.
 *   cc -O2 -o static_upstream tests/upstream/static_upstream.c -lmicrohttpd
 *   static_upstream FILE [ETAG]   prints {"event":"listening","port":N}
 * Stops on SIGTERM / SIGINT. Not part of the gateway.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

struct canned {
    struct MHD_Response *response; /* shared by every answer (refcounted) */
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req_cls)
{
    (void)url, (void)version, (void)upload;
    const struct canned *c = cls;
    if (strcmp(method, "GET") != 0)
        return MHD_NO;
    /* Answer once the request is complete (a first-call answer closes it). */
    if (!*req_cls) {
        *req_cls = cls; /* any non-NULL marker: "headers seen" */
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, c->response);
}

/* The whole file into a malloc'd buffer; NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

int main(int argc, char **argv)
{
    struct canned c = {0};
    struct MHD_Daemon *d = NULL;
    size_t len = 0;
    sigset_t stop;
    int sig = 0, rc = 1;
    if (argc < 2) {
        fputs("usage: static_upstream FILE [ETAG]\n", stderr);
        return 2;
    }
    char *body = slurp(argv[1], &len);
    if (!body) {
        fprintf(stderr, "static_upstream: cannot read %s\n", argv[1]);
        return 1;
    }
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    c.response = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
    if (!c.response ||
        MHD_add_response_header(c.response, "Content-Type", "application/fhir+json") != MHD_YES ||
        MHD_add_response_header(c.response, "ETag", argc > 2 ? argv[2] : "W/\"1\"") != MHD_YES)
        goto out;
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, answer, &c,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info)
        goto out;
    if (printf("{\"event\":\"listening\",\"port\":%u}\n", (unsigned)info->port) < 0 ||
        fflush(stdout) != 0)
        goto out;
    sigwait(&stop, &sig);
    rc = 0;
out:
    if (d)
        MHD_stop_daemon(d);
    if (c.response)
        MHD_destroy_response(c.response);
    free(body);
    return rc;
}
