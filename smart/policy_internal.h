/* policy_internal.h - what policy.c and policy_visible.c share (not for
 * other modules: they use policy.h). */
#ifndef SMART_POLICY_INTERNAL_H
#define SMART_POLICY_INTERNAL_H

#include "policy.h"

/* Fills g with the widest context of a that grants (letter, type) and
 * reaches someone; false when none does (type "" = system level: wildcard
 * scopes only). */
bool smart_policy_grant_for(const struct smart_access *a, char letter, struct fg_str type,
                            struct smart_policy_grant *g);

/* The `patient` reference parameter of type (its own row, not a common
 * one), or NULL. */
const struct fhir_searchparam *smart_policy_patient_param(struct fg_str type);

#endif
