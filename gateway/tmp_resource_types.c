/* tmp_resource_types.c - TEMPORARY stand-in for fhir_resource_type_known
 * until branch h-idx (fhir/searchparam.c, the generated table) is merged;
 * delete this file at that merge (the linker will report the duplicate). */
#include "../fhir/searchparam.h"

bool fhir_resource_type_known(struct fg_str type)
{
    static const char *const types[] = {"Patient", "Observation", "Condition", "Encounter",
                                        "Practitioner", "Organization", NULL};
    for (size_t i = 0; types[i]; i++)
        if (fg_str_eq_c(type, types[i]))
            return true;
    return false;
}
