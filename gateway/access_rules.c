/* access_rules.c - the list of rules beyond the core policy (see
 * access_rules.h). Empty until the portal rules (issue 7) arrive. */
#include "access_rules.h"

enum fg_status fg_access_rules_register(struct smart_policy *p, const struct fg_config *cfg,
                                        char *msg, size_t msg_size)
{
    (void)p;
    (void)cfg;
    (void)msg;
    (void)msg_size;
    return FG_OK;
}
