/* request.h - the per-request side of the server (internal to gateway/).
 *
 * The libmicrohttpd callbacks that create a struct fg_req, feed it the
 * body, dispatch it to a handler and log it when it completes. Only
 * server.c registers them.
 */
#ifndef FG_REQUEST_H
#define FG_REQUEST_H

#include <microhttpd.h>

/* MHD_OPTION_URI_LOG_CALLBACK: creates the request (its pool included);
 * cls is the struct fg_server. Returns NULL on no memory (the access
 * handler then drops the connection). */
void *fg_request_begin(void *cls, const char *uri, struct MHD_Connection *conn);

/* MHD_OPTION_NOTIFY_COMPLETED: writes the access-log line and frees the
 * request's pool. */
void fg_request_end(void *cls, struct MHD_Connection *conn, void **req_cls,
                    enum MHD_RequestTerminationCode toe);

struct fg_server;

/* Prepares srv->routers from the built-in, auth and srv->routes tables.
 * FG_ETOOBIG when a table has more than FG_MAX_ROUTES routes. */
enum fg_status fg_request_prepare_routes(struct fg_server *srv);

/* The MHD access handler. */
enum MHD_Result fg_request_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls);

#endif
