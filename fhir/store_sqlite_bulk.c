/* store_sqlite_bulk.c - one write transaction around a whole bulk load
 * (fhir_store_bulk_begin / _end, store.h): what makes an import all or
 * nothing.
 *
 * begin takes a connection and then the in-process writer mutex (the
 * order sq_write takes them in: the other order deadlocks when writers
 * hold every connection while they wait for the mutex), runs BEGIN
 * IMMEDIATE on the connection and records the calling thread as its owner; from then
 * on sq_conn_get hands that thread this connection for every read and
 * write (so a batch sees what earlier batches wrote), and sq_write runs
 * each write inside it instead of a transaction of its own. A write that
 * fails spoils the bulk transaction (later writes fail, end rolls back): a
 * SAVEPOINT per write would undo just that one, but its journal keeps the
 * original of every page the write touches, in memory. Other
 * threads' writes queue on the mutex (other processes get SQLITE_BUSY
 * after their busy timeout); readers keep reading the state before begin.
 * Memory stays flat: SQLite spills dirty pages of the connection's page
 * cache to the WAL while the transaction is open. end commits (and bumps
 * the change marker once) or rolls everything back.
 * https://www.sqlite.org/lang_transaction.html https://www.sqlite.org/wal.html
 */
#include "store_sqlite_internal.h"

enum fg_status sq_bulk_begin(struct fhir_store *store, struct fg_error *err)
{
    struct sq_store *s = (struct sq_store *)store;
    pthread_mutex_lock(&s->mu);
    bool mine = s->bulk && pthread_equal(s->bulk_owner, pthread_self());
    pthread_mutex_unlock(&s->mu);
    if (mine)
        return fg_error_set(err, FG_EINVAL, NULL, "a bulk transaction is already open");
    struct sq_conn *c = sq_conn_get(s);
    pthread_mutex_lock(&s->write_mu);
    enum fg_status rc = sq_exec(c, sq_stmt(c, SQ_BEGIN), err);
    if (rc != FG_OK) {
        sq_conn_put(s, c);
        pthread_mutex_unlock(&s->write_mu);
        return rc;
    }
    pthread_mutex_lock(&s->mu);
    c->in_bulk = true;
    c->bulk_failed = false;
    s->bulk = c;
    s->bulk_owner = pthread_self();
    pthread_mutex_unlock(&s->mu);
    return FG_OK;
}

enum fg_status sq_bulk_end(struct fhir_store *store, bool commit, struct fg_error *err)
{
    struct sq_store *s = (struct sq_store *)store;
    pthread_mutex_lock(&s->mu);
    struct sq_conn *c = s->bulk && pthread_equal(s->bulk_owner, pthread_self()) ? s->bulk : NULL;
    pthread_mutex_unlock(&s->mu);
    if (!c)
        return fg_error_set(err, FG_EINVAL, NULL, "no bulk transaction is open");
    enum fg_status rc = FG_OK;
    if (commit && c->bulk_failed)
        rc = fg_error_set(err, FG_EIO, NULL,
                          "a write of the bulk transaction failed: nothing of it was kept");
    else if (commit)
        rc = sq_exec(c, sq_stmt(c, SQ_COMMIT), err);
    if (rc == FG_OK && commit)
        fg_epoch_bump(&s->changes);
    if (rc != FG_OK || !commit)
        sq_exec(c, sq_stmt(c, SQ_ROLLBACK), NULL);
    pthread_mutex_lock(&s->mu);
    c->in_bulk = false;
    c->bulk_failed = false;
    s->bulk = NULL;
    pthread_mutex_unlock(&s->mu);
    sq_conn_put(s, c);
    pthread_mutex_unlock(&s->write_mu);
    return rc;
}
