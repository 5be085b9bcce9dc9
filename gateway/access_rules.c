/* access_rules.c - the list of rules beyond the core policy (see
 * access_rules.h): the portal rules (issue 7, gateway/portal.h). */
#include "access_rules.h"

#include <stdio.h>

#include "portal.h"
#include "server.h"

enum fg_status fg_access_rules_register(struct fg_server *srv, char *msg, size_t msg_size)
{
    enum fg_status st = fg_portal_zone_load(srv, msg, msg_size);
    if (st != FG_OK)
        return st; /* msg names the zone */
    st = fg_portal_rule_register(srv, &srv->policy);
    if (st != FG_OK && msg && msg_size && snprintf(msg, msg_size, "too many policy rules") < 0)
        msg[0] = '\0';
    return st;
}
