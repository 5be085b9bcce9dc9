/* fg_limits.h - every limit on outside input, in one place (house style rule 11).
 *
 * Each one can be overridden in the config file (key in brackets). Limits
 * before authentication are tighter than after.
 */
#ifndef FG_LIMITS_H
#define FG_LIMITS_H

#define FG_MAX_BODY_BYTES (16u * 1024u * 1024u)   /* [max_body_bytes] 413 past it */
#define FG_MAX_BODY_BYTES_UNAUTH (64u * 1024u)    /* token/authorize forms */
#define FG_MAX_IMPORT_UPLOAD_BYTES (4ull << 30)   /* [import_max_upload_bytes] $import-wearables */
#define FG_MAX_URL_BYTES 8192u                    /* request target */
#define FG_MAX_ROUTES 128                         /* routes of one table (gateway/router.h) */
#define FG_MAX_HEADER_BYTES 16384u                /* all headers (MHD memory limit) */
#define FG_MAX_JSON_DEPTH 64                      /* nesting in a resource */
#define FG_MAX_JSON_PRINT_DEPTH 1000              /* nesting fhir_json_print writes (built trees) */
#define FG_MAX_SEARCH_PARAMS 64                   /* parameters in one search */
#define FG_COND_PATCH_PAGE 20                     /* matches read per page by a conditional PATCH */
#define FG_MAX_COND_PATCH_PAGES 10                /* pages it reads past hidden matches (then 400) */
#define FG_MAX_SEARCH_VALUES 128                  /* comma-separated values in total */
#define FG_MAX_CHAIN_DEPTH 2                      /* subject:Patient.name */
#define FG_MAX_INCLUDES 16                        /* _include + _revinclude */
#define FG_MAX_INCLUDE_ITERATIONS 4               /* :iterate rounds */
#define FG_MAX_INCLUDED_RESOURCES 5000            /* included entries per page */
#define FG_DEFAULT_COUNT 50                       /* [default_count] */
#define FG_MAX_COUNT 1000                         /* [max_count] */
#define FG_MAX_BUNDLE_ENTRIES 10000               /* [max_bundle_entries] */
#define FG_MAX_RESPONSE_BYTES (256u * 1024u * 1024u)
#define FG_MAX_HISTORY_COUNT 1000
#define FG_MAX_PATCH_OPS 1000                     /* operations in one JSON Patch */
#define FG_MAX_PATCH_NODES 200000u                /* JSON values in a patched resource */
#define FG_MAX_ID_LEN 64                          /* FHIR id */
#define FG_MAX_VALIDATION_ISSUES 200              /* findings kept per validated resource */
#define FG_MAX_SCOPE_BYTES 4096                   /* [max_scope_bytes] */
#define FG_MAX_BEARER_BYTES 8192                  /* Authorization: Bearer value (JWTs) */
#define FG_MAX_JWT_BYTES 8192                     /* [max_jwt_bytes] */
#define FG_MAX_CONNECTIONS 1024                   /* [max_connections] */
#define FG_CONNECTION_TIMEOUT_S 30                /* idle connection */
#define FG_MAX_ORIGIN_BYTES 512                   /* CORS Origin header */
#define FG_MAX_DOCREF_VALUES 32                   /* $docref type / profile values */
#define FG_MAX_EVERYTHING_TYPES 64                /* $everything _type values */
#define FG_SELFTEST_MAX_PAGES 20                  /* next links a self-test search follows */
#define FG_SELFTEST_MAX_PATIENTS 32               /* fhirgate conformance --patient */
#define FG_MAX_BULK_TYPES 160                     /* _type values of one $export */
#define FG_MAX_BULK_PATIENTS 1000                 /* `patient` values of one $export */
#define FG_MAX_BULK_TYPE_FILTERS 32               /* `_typeFilter` values of one $export */
#define FG_MAX_BULK_ELEMENTS 64                   /* `_elements` names of one $export */
#define FG_MAX_BULK_PARAMS (FG_MAX_BULK_PATIENTS + 64) /* parameters of one $export kick-off */
#define FG_MAX_BULK_JOBS 64                       /* export jobs kept (queued, running, done) */
#define FG_MAX_BULK_JOBS_PER_CLIENT 4             /* unfinished export jobs per client (429) */
#define FG_BULK_PAGE 500                          /* resources per store page in an export */
#define FG_BULK_MEMBER_CHUNK 100                  /* Group members per compartment search */
#define FG_MAX_BULK_MEMBERS 100000                /* members of one exported Group */
#define FG_MAX_BULK_REFERENCED 100000             /* referenced resources one export adds */
#define FG_MAX_BULK_JOB_FILE (1u << 20)           /* a finished job's job.json (its manifest) */
#define FG_BULK_FILE_TTL_S 3600                   /* [bulk_file_ttl] export files kept, s */

#define FG_MAX_TZ_NAME 128                        /* portal_time_zone, e.g. America/Chicago */
#define FG_MAX_TZ_FILE_BYTES 65536u               /* a TZif file (Debian's largest: ~4 KiB) */
#define FG_MAX_TZ_TRANSITIONS 4096u               /* transition times in a TZif file */
#define FG_MAX_TZ_TYPES 256u                      /* local time types (one-byte indices) */
#define FG_MAX_TZ_CHARS 1024u                     /* time zone designation bytes */
#define FG_MAX_TZ_FOOTER 128u                     /* the POSIX TZ string footer */

#define FG_MAX_UPSTREAM_RESPONSE_BYTES (64u * 1024u * 1024u) /* one upstream FHIR answer */
#define FG_MAX_UPSTREAM_HEADER_VALUE 1024         /* upstream ETag, Location kept */
#define FG_MAX_UPSTREAM_LINK_BYTES 65536u         /* one Bundle link url from the upstream */
#define FG_MAX_UPSTREAM_CURSOR 1024               /* upstream paging state in _cursor / _page */
#define FG_MAX_UPSTREAM_LEGS 8                    /* compartment parameters of one type */
#define FG_MAX_UPSTREAM_LEG_PAGES 10              /* pages read from one secondary leg */
#define FG_MAX_UPSTREAM_EXTRAS 1000               /* matches only secondary legs find */

#endif
