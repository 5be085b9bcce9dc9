/* access.c - the policy seam (see access.h). The foundation allows every
 * interaction: authentication and authorization arrive with the SMART
 * issue, which replaces these bodies and nothing else. */
#include "access.h"

const char *fg_interaction_name(enum fg_interaction ia)
{
    static const char *const names[] = {
        [FG_IA_CAPABILITIES] = "capabilities",
        [FG_IA_READ] = "read",
        [FG_IA_VREAD] = "vread",
        [FG_IA_HISTORY_INSTANCE] = "history-instance",
        [FG_IA_HISTORY_TYPE] = "history-type",
        [FG_IA_HISTORY_SYSTEM] = "history-system",
        [FG_IA_SEARCH_TYPE] = "search-type",
        [FG_IA_CREATE] = "create",
        [FG_IA_UPDATE] = "update",
        [FG_IA_DELETE] = "delete",
        [FG_IA_BATCH] = "batch",
        [FG_IA_TRANSACTION] = "transaction",
    };
    if ((unsigned)ia < sizeof names / sizeof names[0] && names[ia])
        return names[ia];
    return "unknown";
}

enum fg_status fg_access_authorize(struct fg_req *req, enum fg_interaction ia,
                                   struct fg_str type, struct fg_str id)
{
    (void)req;
    (void)ia;
    (void)type;
    (void)id;
    return FG_OK;
}

enum fg_status fg_access_narrow_query(struct fg_req *req, struct fhir_query *q)
{
    (void)req;
    (void)q;
    return FG_OK;
}

enum fg_status fg_access_filter_result(struct fg_req *req, enum fg_interaction ia,
                                       struct fhir_resource *res, size_t *n)
{
    (void)req;
    (void)ia;
    (void)res;
    (void)n;
    return FG_OK;
}

enum fg_status fg_access_patient_app(const struct fg_req *req, struct fg_str *patient,
                                     struct fg_str *client_id)
{
    /* No tokens yet: the enforcement step fills this from req->auth
     * (smart_access_kind == SMART_ACCESS_PATIENT, smart_access_patient_id,
     * smart_access_client_id). */
    (void)req;
    (void)patient;
    (void)client_id;
    return FG_ENOTFOUND;
}

enum fg_status fg_access_check_write(struct fg_req *req, enum fg_interaction ia,
                                     struct fg_str type, struct fg_str id,
                                     const cJSON *resource)
{
    (void)req;
    (void)ia;
    (void)type;
    (void)id;
    (void)resource;
    return FG_OK;
}
