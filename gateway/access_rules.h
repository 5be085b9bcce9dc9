/* access_rules.h - the further authorization rules the server runs, on top
 * of smart/policy's core (scopes, compartments, granular categories).
 *
 * Each rule is a struct smart_policy_rule (smart/policy.h) that can only
 * hide or refuse. To add one (issue 7 portal rules: proxy age, teen
 * confidentiality, release rules; issue 5 linked apps), write it in its own
 * module and add one call in access_rules.c; handlers never change.
 */
#ifndef FG_ACCESS_RULES_H
#define FG_ACCESS_RULES_H

#include <stddef.h>

#include "../smart/policy.h"

struct fg_server;

/* Registers the server's rules into srv->policy (initialized) from
 * srv->cfg. Rules may keep srv as their arg (borrowed for the server's
 * life): the store and auth database (srv->store, srv->auth) are opened
 * after this call, so read them at request time. Loads the portal's time
 * zone first (fg_portal_zone_load). FG_ETOOBIG / FG_EINVAL / FG_ENOTFOUND
 * with msg on a bad configuration. */
enum fg_status fg_access_rules_register(struct fg_server *srv, char *msg, size_t msg_size);

#endif
