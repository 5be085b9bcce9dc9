/* portal_wear.c - the wearables pages: sign-in, upload, manual entry (see portal_wear.h). */
#include "portal_wear.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../core/fg_clock.h"
#include "../import/imp_ingest.h"
#include "../import/imp_manual.h"
#include "access.h"
#include "auth.h"
#include "authz.h"
#include "authz_csrf.h"
#include "authz_html.h"
#include "multipart.h"
#include "server.h"
#include "spool.h"

#define PAGE_MAX (256 * 1024)
#define FORM_MAX_PAIRS 32
#define FIELD_MAX 128

/* What the page reports above its forms. */
struct outcome {
    enum fg_msg notice; /* FG_MSG_COUNT: nothing */
    bool error;
    const char *detail; /* shown after the notice (escaped); may be NULL */
    bool counts;        /* an import: the three numbers below */
    uint64_t created, existing, skipped;
};

/* Who brought the data (the Provenance's assembler): the patient, or a proxy acting for them
 * (the page for a proxied patient). */
static const struct imp_agent agent_manual = {"Typed in by the patient (patient portal)", NULL};
static const struct imp_agent agent_manual_proxy = {
    "Typed in by the patient's proxy (patient portal)", NULL};
static const struct imp_agent agent_upload = {"Export uploaded by the patient (patient portal)",
                                              NULL};
static const struct imp_agent agent_upload_proxy = {
    "Export uploaded by the patient's proxy (patient portal)", NULL};

/* ---- context ---- */

/* The pages' shared set-up (authz_ctx_begin), plus a session for a first visit: the sign-in
 * form needs its CSRF token. */
static enum fg_status open_ctx(struct fg_req *req, struct authz_ctx *c, bool form,
                               bool *answered)
{
    enum fg_status st = authz_ctx_begin(c, req, form, FORM_MAX_PAIRS, answered);
    if (st != FG_OK || *answered || c->have_session)
        return st;
    if (smart_authdb_session_create(c->db, FG_STR_NULL, c->session_id, &c->session) != FG_OK)
        return FG_EIO;
    c->have_session = true;
    return authz_set_cookie(c);
}

static void close_ctx(struct authz_ctx *c)
{
    if (c->db)
        fg_auth_release(c->req->srv->auth, c->db);
    c->db = NULL;
}

/* The patients the page may act for (the authorize picker's list: own record first, then
 * proxies in force with a view, portal-rules.md "Proxy access") and the one chosen: the
 * form's `patient` when it is one of them, else the first. False when there is none, or
 * `asked` names a patient the account may not act for. */
struct chosen {
    struct authz_patient pts[FG_AUTHZ_MAX_PATIENTS];
    size_t n;
    const struct authz_patient *pick;
};

static bool choose_patient(struct authz_ctx *c, struct fg_str asked, struct chosen *ch)
{
    ch->n = c->session.account_id ? authz_patients_for(c, ch->pts) : 0;
    ch->pick = ch->n ? &ch->pts[0] : NULL;
    if (!asked.len)
        return ch->pick != NULL;
    ch->pick = NULL;
    for (size_t i = 0; i < ch->n && !ch->pick; i++)
        if (fg_str_eq_c(asked, ch->pts[i].id))
            ch->pick = &ch->pts[i];
    return ch->pick != NULL;
}

static const char *t(const struct authz_ctx *c, enum fg_msg m)
{
    return fg_i18n(c->lang, m);
}

/* ---- HTML ---- */

static enum fg_status form_open(struct authz_ctx *c, struct fg_buf *b, const char *action,
                                bool multipart)
{
    enum fg_status st = fg_buf_printf(b, "<form method=\"post\" action=\"%s\"%s>", action,
                                      multipart ? " enctype=\"multipart/form-data\"" : "");
    return st == FG_OK ? fg_html_hidden(b, "csrf", c->session.csrf) : st;
}

/* Whose record a form writes to: a choice when the account acts for several patients (the
 * chosen one selected), else the one as a hidden field. `id` keeps the labels unique. */
static enum fg_status patient_field(struct authz_ctx *c, struct fg_buf *b, const struct chosen *ch,
                                    const char *id)
{
    if (ch->n < 2)
        return fg_html_hidden(b, "patient", ch->pick ? ch->pick->id : "");
    enum fg_status st = fg_buf_printf(b, "<label for=\"%s\">%s</label><select id=\"%s\" "
                                         "name=\"patient\">",
                                      id, t(c, FG_MSG_WEAR_FOR), id);
    for (size_t i = 0; i < ch->n && st == FG_OK; i++) {
        st = fg_buf_append_c(b, "<option value=\"");
        if (st == FG_OK)
            st = fg_html_escape(b, fg_str_c(ch->pts[i].id));
        if (st == FG_OK)
            st = fg_buf_append_c(b, &ch->pts[i] == ch->pick ? "\" selected>" : "\">");
        if (st == FG_OK)
            st = fg_html_escape(b, fg_str_c(ch->pts[i].name ? ch->pts[i].name : ch->pts[i].id));
        if (st == FG_OK)
            st = fg_buf_append_c(b, "</option>");
    }
    return st == FG_OK ? fg_buf_append_c(b, "</select>") : st;
}

static enum fg_status notice(struct authz_ctx *c, struct fg_buf *b, const struct outcome *o)
{
    if (o->notice == FG_MSG_COUNT)
        return FG_OK;
    enum fg_status st = fg_buf_printf(b, "<p class=\"%s\" role=\"%s\">", o->error ? "err" : "note",
                                      o->error ? "alert" : "status");
    if (st == FG_OK)
        st = fg_html_escape(b, fg_str_c(t(c, o->notice)));
    if (st == FG_OK && o->detail) {
        st = fg_buf_append_c(b, " ");
        if (st == FG_OK)
            st = fg_html_escape(b, fg_str_c(o->detail));
    }
    if (st == FG_OK && o->counts)
        st = fg_buf_printf(b, "</p><ul><li>%s <strong id=\"created\">%llu</strong></li>"
                              "<li>%s <strong id=\"existing\">%llu</strong></li>"
                              "<li>%s <strong id=\"skipped\">%llu</strong></li></ul><p>",
                           t(c, FG_MSG_WEAR_RESULT_NEW), (unsigned long long)o->created,
                           t(c, FG_MSG_WEAR_RESULT_KNOWN), (unsigned long long)o->existing,
                           t(c, FG_MSG_WEAR_RESULT_SKIPPED), (unsigned long long)o->skipped);
    return st == FG_OK ? fg_buf_append_c(b, "</p>") : st;
}

static enum fg_status page_signin(struct authz_ctx *c, enum fg_msg bad)
{
    struct fg_buf b;
    fg_buf_init(&b, PAGE_MAX);
    enum fg_status st = fg_html_page_start(&b, c->lang, t(c, FG_MSG_WEAR_TITLE),
                                           FG_PORTAL_WEAR_PATH "?");
    struct outcome o = {.notice = bad, .error = true};
    if (st == FG_OK)
        st = notice(c, &b, &o);
    if (st == FG_OK)
        st = fg_buf_printf(&b, "<p>%s</p>", t(c, FG_MSG_WEAR_SIGNIN_INTRO));
    if (st == FG_OK)
        st = form_open(c, &b, FG_PORTAL_WEAR_PATH, false);
    if (st == FG_OK)
        st = fg_buf_printf(
            &b,
            "<label for=\"username\">%s</label><input type=\"text\" id=\"username\" "
            "name=\"username\" autocomplete=\"username\" required maxlength=\"64\" autofocus>"
            "<label for=\"password\">%s</label><input type=\"password\" id=\"password\" "
            "name=\"password\" autocomplete=\"current-password\" required maxlength=\"1024\">"
            "<button type=\"submit\" name=\"action\" value=\"signin\">%s</button></form>",
            t(c, FG_MSG_USERNAME), t(c, FG_MSG_PASSWORD), t(c, FG_MSG_SIGNIN_BUTTON));
    return authz_page_finish(c, bad != FG_MSG_COUNT ? 401 : 200, &b, st);
}

/* A form's heading, help text, opening tag and whose-record field. */
static enum fg_status form_head(struct authz_ctx *c, struct fg_buf *b, enum fg_msg title,
                                enum fg_msg help, const char *action, bool multipart,
                                const struct chosen *ch, const char *patient_id)
{
    enum fg_status st = fg_buf_printf(b, "<h2>%s</h2><p>%s</p>", t(c, title), t(c, help));
    if (st == FG_OK)
        st = form_open(c, b, action, multipart);
    return st == FG_OK ? patient_field(c, b, ch, patient_id) : st;
}

static enum fg_status upload_form(struct authz_ctx *c, struct fg_buf *b, const struct chosen *ch)
{
    enum fg_status st = form_head(c, b, FG_MSG_WEAR_UPLOAD_TITLE, FG_MSG_WEAR_UPLOAD_HELP,
                                  FG_PORTAL_WEAR_UPLOAD_PATH, true, ch, "up-patient");
    if (st == FG_OK)
        st = fg_buf_printf(
            b,
            "<label for=\"source\">%s</label><select id=\"source\" name=\"source\">"
            "<option value=\"apple\">%s</option><option value=\"google\">%s</option></select>"
            "<label for=\"file\">%s</label><input type=\"file\" id=\"file\" name=\"file\" "
            "required accept=\".zip,.xml,.json,.csv\">"
            "<button type=\"submit\">%s</button></form>",
            t(c, FG_MSG_WEAR_SOURCE), t(c, FG_MSG_WEAR_APPLE), t(c, FG_MSG_WEAR_GOOGLE),
            t(c, FG_MSG_WEAR_FILE), t(c, FG_MSG_WEAR_IMPORT_BUTTON));
    return st;
}

static enum fg_status manual_form(struct authz_ctx *c, struct fg_buf *b, const struct chosen *ch)
{
    enum fg_status st = form_head(c, b, FG_MSG_WEAR_MANUAL_TITLE, FG_MSG_WEAR_MANUAL_HELP,
                                  FG_PORTAL_WEAR_PATH, false, ch, "patient");
    if (st == FG_OK)
        st = fg_buf_printf(
            b,
            "<label for=\"what\">%s</label><select id=\"what\" name=\"what\">"
            "<option value=\"weight\">%s</option><option value=\"bp\">%s</option>"
            "<option value=\"glucose\">%s</option><option value=\"steps\">%s</option></select>"
            "<label for=\"when\">%s</label><input type=\"datetime-local\" id=\"when\" "
            "name=\"when\" required>"
            "<label for=\"zone\">%s</label><input type=\"text\" id=\"zone\" name=\"zone\" "
            "value=\"Z\" maxlength=\"6\" pattern=\"Z|[+-][0-9]{2}:[0-9]{2}\">",
            t(c, FG_MSG_WEAR_WHAT), t(c, FG_MSG_WEAR_WEIGHT), t(c, FG_MSG_WEAR_BP),
            t(c, FG_MSG_WEAR_GLUCOSE), t(c, FG_MSG_WEAR_STEPS), t(c, FG_MSG_WEAR_WHEN),
            t(c, FG_MSG_WEAR_ZONE));
    if (st == FG_OK)
        st = fg_buf_printf(
            b,
            "<label for=\"value\">%s</label><input type=\"text\" id=\"value\" name=\"value\" "
            "inputmode=\"decimal\" maxlength=\"16\">"
            "<label for=\"unit\">%s</label><select id=\"unit\" name=\"unit\">"
            "<option value=\"kg\">kg</option><option value=\"lb\">lb</option>"
            "<option value=\"mg/dL\">mg/dL</option><option value=\"mmol/L\">mmol/L</option>"
            "</select>"
            "<label for=\"systolic\">%s</label><input type=\"text\" id=\"systolic\" "
            "name=\"systolic\" inputmode=\"numeric\" maxlength=\"3\">"
            "<label for=\"diastolic\">%s</label><input type=\"text\" id=\"diastolic\" "
            "name=\"diastolic\" inputmode=\"numeric\" maxlength=\"3\">"
            "<button type=\"submit\" name=\"action\" value=\"manual\">%s</button></form>",
            t(c, FG_MSG_WEAR_VALUE), t(c, FG_MSG_WEAR_UNIT), t(c, FG_MSG_WEAR_SYSTOLIC),
            t(c, FG_MSG_WEAR_DIASTOLIC), t(c, FG_MSG_WEAR_SAVE));
    return st;
}

static enum fg_status page_main(struct authz_ctx *c, int status, const struct outcome *o,
                                const struct chosen *ch)
{
    struct fg_buf b;
    fg_buf_init(&b, PAGE_MAX);
    enum fg_status st = fg_html_page_start(&b, c->lang, t(c, FG_MSG_WEAR_TITLE),
                                           FG_PORTAL_WEAR_PATH "?");
    if (st == FG_OK)
        st = notice(c, &b, o);
    if (st == FG_OK)
        st = fg_buf_printf(&b, "<p>%s</p>", t(c, FG_MSG_WEAR_INTRO));
    if (st == FG_OK)
        st = upload_form(c, &b, ch);
    if (st == FG_OK)
        st = manual_form(c, &b, ch);
    if (st == FG_OK)
        st = form_open(c, &b, FG_PORTAL_WEAR_PATH, false);
    if (st == FG_OK)
        st = fg_buf_printf(&b, "<button type=\"submit\" class=\"secondary\" name=\"action\" "
                               "value=\"signout\">%s</button></form>",
                           t(c, FG_MSG_WEAR_SIGNOUT));
    return authz_page_finish(c, status, &b, st);
}

/* ---- actions ---- */

static enum fg_msg field_label(const char *field)
{
    static const struct {
        const char *field;
        enum fg_msg msg;
    } rows[] = {
        {"what", FG_MSG_WEAR_WHAT},         {"when", FG_MSG_WEAR_WHEN},
        {"value", FG_MSG_WEAR_VALUE},       {"unit", FG_MSG_WEAR_UNIT},
        {"systolic", FG_MSG_WEAR_SYSTOLIC}, {"diastolic", FG_MSG_WEAR_DIASTOLIC},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(rows[i].field, field) == 0)
            return rows[i].msg;
    return FG_MSG_WEAR_WHEN;
}

/* "when" for the builder: the form's local date-time + zone ("2026-11-20T08:15+01:00"), or the
 * date alone for daily steps. */
static struct fg_str manual_when(struct authz_ctx *c, bool steps)
{
    struct fg_str when = authz_param(c, "when"), zone = authz_param(c, "zone");
    if (steps)
        return fg_str_n(when.ptr, when.len < 10 ? when.len : 10);
    if (!zone.len)
        zone = FG_STR_LIT("Z");
    char *s = fg_pool_printf(c->req->pool, "%.*s%.*s", (int)(when.len > 32 ? 32 : when.len),
                             when.ptr, (int)(zone.len > 8 ? 8 : zone.len), zone.ptr);
    return fg_str_c(s ? s : "");
}

/* Stores one built Observation with its Provenance; *created says whether it was new. */
static enum fg_status store_one(struct authz_ctx *c, const struct authz_patient *patient,
                                cJSON *obs, const char *key, bool replace, bool *created,
                                struct fg_error *err)
{
    struct imp_store *s = NULL;
    enum fg_status st =
        imp_store_new(c->req->srv->store, fg_str_c(patient->id),
                      patient->self ? &agent_manual : &agent_manual_proxy, 1, &s, err);
    struct imp_emit e = {obs, IMP_KEY_SYSTEM, key, NULL, replace, NULL};
    if (st == FG_OK)
        st = imp_store_emit(s, &e);
    if (st != FG_OK && s && imp_store_error(s)->status != FG_OK)
        *err = *imp_store_error(s);
    if (st == FG_OK)
        st = imp_store_flush(s, err);
    *created = st == FG_OK && (imp_store_counts(s)->created + imp_store_counts(s)->replaced) > 0;
    imp_store_free(&s);
    return st;
}

static enum fg_status do_manual(struct authz_ctx *c, const struct chosen *ch)
{
    const struct authz_patient *patient = ch->pick;
    struct fg_str what = authz_param(c, "what");
    bool steps = fg_str_eq_c(what, "steps");
    struct imp_manual_entry e = {what,
                                 manual_when(c, steps),
                                 authz_param(c, "value"),
                                 authz_param(c, "unit"),
                                 authz_param(c, "systolic"),
                                 authz_param(c, "diastolic")};
    cJSON *obs = NULL;
    char key[IMP_KEY_MAX];
    struct fg_error err;
    bool created = false;
    fg_error_clear(&err);
    enum fg_status st = imp_manual_build(&e, fg_str_c(patient->id),
                                         fg_clock_now_us(&c->req->srv->clock), &obs, key, &err);
    if (st == FG_EUNPROC || st == FG_EINVAL) {
        struct outcome o = {.notice = FG_MSG_WEAR_BAD_FIELD, .error = true,
                            .detail = t(c, field_label(err.expression))};
        return page_main(c, 422, &o, ch);
    }
    /* The policy decides, as for an app this account authorized for the patient: a teen's
     * proxy may enter growth-chart vitals (weight) only (portal-rules.md, "Proxy access"). */
    if (st == FG_OK)
        st = fg_access_portal_write(c->req, c->session.account_id, fg_str_c(patient->id),
                                    FG_STR_LIT("Observation"), obs, &err);
    if (st == FG_EFORBIDDEN) {
        cJSON_Delete(obs);
        struct outcome o = {.notice = FG_MSG_WEAR_NOT_ALLOWED, .error = true};
        return page_main(c, 403, &o, ch);
    }
    if (st == FG_OK)
        st = store_one(c, patient, obs, key, steps, &created, &err);
    cJSON_Delete(obs);
    if (st != FG_OK)
        return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    struct outcome o = {.notice = created ? FG_MSG_WEAR_SAVED : FG_MSG_WEAR_ALREADY};
    return page_main(c, created ? 201 : 200, &o, ch);
}

static enum fg_status show(struct authz_ctx *c)
{
    struct chosen ch;
    if (c->session.account_id == 0)
        return page_signin(c, FG_MSG_COUNT);
    if (!choose_patient(c, authz_param(c, "patient"), &ch))
        return authz_page_error(c, 403, FG_MSG_WEAR_NO_RECORD);
    struct outcome none = {.notice = FG_MSG_COUNT};
    return page_main(c, 200, &none, &ch);
}

static enum fg_status post_action(struct authz_ctx *c)
{
    struct fg_str action = authz_param(c, "action");
    struct chosen ch;
    if (!authz_csrf_ok(c))
        return authz_page_error(c, 403, FG_MSG_ERR_CSRF);
    if (fg_str_eq_c(action, "signin")) {
        int64_t account_id = 0;
        enum fg_msg bad = authz_signin_verify(c, NULL, &account_id);
        if (bad == FG_MSG_ERR_INTERNAL)
            return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
        if (bad != FG_MSG_COUNT)
            return page_signin(c, bad);
        if (authz_signin_rotate(c, account_id) != FG_OK)
            return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
        return authz_see_other(c, FG_PORTAL_WEAR_PATH);
    }
    if (fg_str_eq_c(action, "signout")) {
        smart_authdb_session_delete(c->db, fg_str_c(c->session.digest));
        return authz_see_other(c, FG_PORTAL_WEAR_PATH);
    }
    if (c->session.account_id == 0)
        return page_signin(c, FG_MSG_COUNT);
    if (!choose_patient(c, authz_param(c, "patient"), &ch))
        return authz_page_error(c, 403, FG_MSG_WEAR_NO_RECORD);
    if (fg_str_eq_c(action, "manual"))
        return do_manual(c, &ch);
    return show(c);
}

enum fg_status fg_portal_wear_get(struct fg_req *req)
{
    struct authz_ctx c;
    bool answered = false;
    enum fg_status st = open_ctx(req, &c, false, &answered);
    if (st == FG_OK && !answered)
        st = show(&c);
    close_ctx(&c);
    return st;
}

enum fg_status fg_portal_wear_post(struct fg_req *req)
{
    struct authz_ctx c;
    bool answered = false;
    enum fg_status st = open_ctx(req, &c, true, &answered);
    if (st == FG_OK && !answered)
        st = post_action(&c);
    close_ctx(&c);
    return st;
}

/* ---- the upload ---- */

struct upload {
    struct fg_spool *file; /* the file part, extracted */
    char csrf[FIELD_MAX], source[FIELD_MAX], patient[FIELD_MAX];
    char *field; /* the small field being read, or NULL */
    size_t nfield;
    bool in_file, had_file;
};

static enum fg_status up_begin(void *ctx, const char *name, bool is_file)
{
    struct upload *u = ctx;
    u->in_file = is_file && strcmp(name, "file") == 0 && !u->had_file;
    u->had_file = u->had_file || u->in_file;
    u->field = strcmp(name, "csrf") == 0      ? u->csrf
               : strcmp(name, "source") == 0  ? u->source
               : strcmp(name, "patient") == 0 ? u->patient
                                              : NULL;
    u->nfield = 0;
    return FG_OK;
}

static enum fg_status up_data(void *ctx, const char *p, size_t n)
{
    struct upload *u = ctx;
    if (u->in_file) {
        fg_spool_append(u->file, p, n);
        return u->file->too_large ? FG_ETOOBIG : u->file->failed ? FG_EIO : FG_OK;
    }
    if (u->field) {
        if (n > FIELD_MAX - 1 - u->nfield)
            return FG_EINVAL;
        memcpy(u->field + u->nfield, p, n);
        u->nfield += n;
        u->field[u->nfield] = '\0';
    }
    return FG_OK;
}

static enum fg_status up_end(void *ctx)
{
    struct upload *u = ctx;
    u->in_file = false;
    u->field = NULL;
    return FG_OK;
}

/* Streams the spooled multipart body, extracting the file part into u->file. */
static enum fg_status extract(struct fg_req *req, struct upload *u, struct fg_error *err)
{
    struct fg_mp mp;
    struct fg_mp_callbacks cb = {up_begin, up_data, up_end, u};
    const char *ct = fg_req_header(req, "Content-Type");
    enum fg_status st = fg_mp_init(&mp, fg_str_c(ct ? ct : ""), &cb, err);
    int fd = st == FG_OK ? open(req->spool->path, O_RDONLY) : -1;
    if (st == FG_OK && fd < 0)
        st = fg_error_set(err, FG_EIO, NULL, "the upload cannot be read");
    char *buf = fg_pool_alloc(req->pool, 64 * 1024);
    if (st == FG_OK && !buf)
        st = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    for (ssize_t n = 1; st == FG_OK && n > 0;) {
        n = read(fd, buf, 64 * 1024);
        if (n < 0)
            st = fg_error_set(err, FG_EIO, NULL, "the upload cannot be read");
        else if (n > 0)
            st = fg_mp_feed(&mp, buf, (size_t)n, err);
    }
    if (fd >= 0)
        close(fd);
    return st == FG_OK ? fg_mp_finish(&mp, err) : st;
}

/* imp_ingest admit hook: each Observation through the policy (fg_access_portal_write); what
 * it refuses is counted, not written. */
struct upload_admit {
    struct authz_ctx *c;
    struct fg_str patient;
};

static enum fg_status upload_admit(void *ctx, const cJSON *obs, bool *ok)
{
    struct upload_admit *a = ctx;
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = fg_access_portal_write(a->c->req, a->c->session.account_id, a->patient,
                                               FG_STR_LIT("Observation"), obs, &err);
    *ok = st == FG_OK;
    return st == FG_EFORBIDDEN ? FG_OK : st;
}

static enum fg_status do_upload(struct authz_ctx *c, const struct chosen *ch, struct upload *u)
{
    struct fg_req *req = c->req;
    struct upload_admit adm = {c, fg_str_c(ch->pick->id)};
    struct imp_ingest in = {
        .store = req->srv->store,
        .agent = ch->pick->self ? &agent_upload : &agent_upload_proxy,
        .opts = {.patient = adm.patient, .issued_us = fg_clock_now_us(&req->srv->clock)},
        .admit = upload_admit,
        .admit_ctx = &adm,
    };
    struct imp_report r;
    struct imp_store_counts n;
    struct fg_error err;
    fg_error_clear(&err);
    enum imp_format fmt = strcmp(u->source, "google") == 0 ? IMP_FMT_GOOGLE : IMP_FMT_APPLE;
    enum fg_status st = imp_ingest_file(&in, u->file->path, fmt, &r, &n, &err);
    if (st == FG_ENOMEM || st == FG_EIO)
        return authz_page_error(c, 500, FG_MSG_ERR_INTERNAL);
    if (st != FG_OK) {
        struct outcome o = {.notice = FG_MSG_WEAR_BAD_FILE, .error = true,
                            .detail = fg_pool_strdup(req->pool, err.diagnostics)};
        return page_main(c, 422, &o, ch);
    }
    struct outcome o = {.notice = FG_MSG_WEAR_SAVED, .counts = true, .created = n.created + n.replaced,
                        .existing = n.existing, .skipped = r.skipped + n.refused};
    return page_main(c, 200, &o, ch);
}

enum fg_status fg_portal_wear_upload(struct fg_req *req)
{
    struct authz_ctx c;
    struct upload u;
    struct fg_error err;
    struct chosen ch;
    bool answered = false;
    memset(&u, 0, sizeof u);
    fg_error_clear(&err);
    enum fg_status st = open_ctx(req, &c, false, &answered);
    if (st == FG_OK && !answered && (!req->spool || req->spool->failed))
        st = authz_page_error(&c, 400, FG_MSG_ERR_INTERNAL);
    else if (st == FG_OK && !answered)
        st = fg_spool_open(req->pool, req->spool->max, &u.file, &err);
    if (st == FG_OK && req->resp.status == 0) {
        enum fg_status ex = extract(req, &u, &err);
        if (!fg_authz_csrf_ok(c.session.csrf, fg_str_c(u.csrf)))
            st = authz_page_error(&c, 403, FG_MSG_ERR_CSRF);
        else if (c.session.account_id == 0)
            st = page_signin(&c, FG_MSG_COUNT);
        else if (!choose_patient(&c, fg_str_c(u.patient), &ch))
            st = authz_page_error(&c, 403, FG_MSG_WEAR_NO_RECORD);
        else if (ex != FG_OK || !u.had_file || u.file->bytes == 0) {
            struct outcome o = {.notice = FG_MSG_WEAR_BAD_FILE, .error = true,
                                .detail = ex != FG_OK ? fg_pool_strdup(req->pool, err.diagnostics)
                                                      : t(&c, FG_MSG_WEAR_FILE)};
            st = page_main(&c, ex == FG_ETOOBIG ? 413 : 400, &o, &ch);
        } else {
            st = do_upload(&c, &ch, &u);
        }
    }
    close_ctx(&c);
    return st;
}

bool fg_portal_wear_is_upload(const struct fg_req *req)
{
    if (req->method != FG_POST || !fg_str_eq_c(req->path, FG_PORTAL_WEAR_UPLOAD_PATH) ||
        !req->srv->auth)
        return false;
    /* Only a signed-in session may send a large body (checked again by the handler). */
    struct authz_ctx c;
    memset(&c, 0, sizeof c);
    c.req = (struct fg_req *)req;
    c.db = fg_auth_acquire(req->srv->auth);
    authz_load_session(&c);
    bool signed_in = c.have_session && c.session.account_id != 0;
    fg_auth_release(req->srv->auth, c.db);
    return signed_in;
}
