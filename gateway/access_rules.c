/* access_rules.c - the list of rules beyond the core policy (see
 * access_rules.h). Empty until the portal rules (issue 7) arrive. */
#include "access_rules.h"

#include "server.h"

enum fg_status fg_access_rules_register(struct fg_server *srv, char *msg, size_t msg_size)
{
    (void)srv;
    (void)msg;
    (void)msg_size;
    return FG_OK;
}
